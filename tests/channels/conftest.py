"""One running bot with REST, socket.io, Slack, Teams and /health for the channel tests,
with every outside service (Slack Web API, Microsoft login and connector) faked on loopback."""

from __future__ import annotations

import json
import os
import time
from typing import Iterator, Optional

import pytest

from tests.channels import slack_client, teams_client
from tests.channels.fakes import FakeServices
from tests.servers import BotServer, running_bot

@pytest.fixture(scope="package")
def fake() -> Iterator[FakeServices]:
    with FakeServices(teams_client.jwks()) as services:
        yield services


def credentials_yaml() -> str:
    return "\n".join(["bot.server.channels.rest.RestInput:",
                      "bot.server.channels.slack.SlackInput:   # settings from SLACK_* env vars",
                      "bot.server.channels.teams.TeamsInput:   # settings from TEAMS_* env vars",
                      "bot.server.channels.socketio.SocketIOInput:",
                      "bot.server.channels.health.HealthInput:"]) + "\n"


@pytest.fixture(scope="package")
def channel_bot(fake: FakeServices, tmp_path_factory) -> Iterator[BotServer]:
    credentials = tmp_path_factory.mktemp("channels") / "credentials.yml"
    credentials.write_text(credentials_yaml(), encoding="utf-8")
    env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": slack_client.SIGNING_SECRET,
           "SLACK_API_URL": f"{fake.url}/slack/api/",
           "TEAMS_APP_ID": teams_client.APP_ID, "TEAMS_APP_PASSWORD": teams_client.APP_PASSWORD,
           "TEAMS_OPENID_METADATA_URL": f"{fake.url}/teams/openid", "TEAMS_TOKEN_URL": f"{fake.url}/teams/token"}
    with running_bot(extra_args=["--credentials", str(credentials)], env=env) as server:
        yield server


class SlackUser:
    """Talks to the running bot the way Slack does and reads the replies the fake Web API got."""

    def __init__(self, bot: BotServer, fake: FakeServices) -> None:
        self.bot, self.fake = bot, fake

    def send(self, raw: bytes, headers: dict) -> tuple[int, object]:
        started = time.monotonic()
        status, body = self.bot.post("/webhooks/slack/webhook", raw, headers)
        assert time.monotonic() - started < 3, "Slack needs the acknowledgement within 3 seconds"
        return status, body

    def replies_after(self, channel: str, count_before: int, thread_ts: Optional[str] = None) -> list[dict]:
        """Wait for the bot's next reply in `channel` and return every reply after `count_before`."""
        self.fake.wait_for(lambda: len(self.fake.slack_posts(channel)) > count_before)
        time.sleep(0.5)  # let any further message of the same turn arrive
        return self.fake.slack_posts(channel)[count_before:]

    def mention(self, text: str, channel: str, **kw) -> list[dict]:
        before = len(self.fake.slack_posts(channel))
        status, _ = self.send(*slack_client.json_request(
            slack_client.event_body(f"<@{slack_client.BOT_USER}> {text}", channel, **kw)))
        assert status == 200
        return self.replies_after(channel, before)

    def click(self, post: dict, button: dict) -> list[dict]:
        before = len(self.fake.slack_posts(post["channel"]))
        status, _ = self.send(*slack_client.click(post, button))
        assert status == 200
        return self.replies_after(post["channel"], before)


class TeamsUser:
    """Talks to the running bot the way the Bot Connector does; replies land on the fake serviceUrl."""

    def __init__(self, bot: BotServer, fake: FakeServices) -> None:
        self.bot, self.fake = bot, fake
        self.service_url = f"{fake.url}/teams/service/"

    def post(self, activity: dict, token: Optional[str] = "valid") -> tuple[int, object]:
        headers = {}
        if token == "valid":
            token = teams_client.token(activity["serviceUrl"])
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.bot.post("/webhooks/teams/webhook", json.dumps(activity).encode(), headers)

    def send(self, activity: dict) -> list[dict]:
        conversation = activity["conversation"]["id"]
        before = len(self.fake.teams_replies(conversation))
        status, body = self.post(activity)
        assert status == 200, (status, body)
        self.fake.wait_for(lambda: len(self.fake.teams_replies(conversation)) > before)
        time.sleep(0.5)
        return [reply for _, reply in self.fake.teams_replies(conversation)[before:]]


@pytest.fixture
def slack(channel_bot: BotServer, fake: FakeServices) -> SlackUser:
    return SlackUser(channel_bot, fake)


@pytest.fixture
def teams(channel_bot: BotServer, fake: FakeServices) -> TeamsUser:
    return TeamsUser(channel_bot, fake)


def unique(prefix: str) -> str:
    return f"{prefix}{os.urandom(4).hex().upper()}"
