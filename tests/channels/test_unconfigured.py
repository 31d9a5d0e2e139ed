"""Where Slack or Teams is not set up, Rasa still starts: the channels register no webhook."""

from __future__ import annotations

import logging

import pytest
from rasa.core.run import configure_app, create_http_input_channels

from bot.server.channels.slack import SlackInput
from bot.server.channels.teams import TeamsInput
from tests.channels.conftest import credentials_yaml

UNSET = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL",
         "TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_OPENID_METADATA_URL", "TEAMS_TOKEN_URL")


@pytest.fixture
def no_channel_env(monkeypatch):
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)


def test_a_rasa_app_with_unconfigured_slack_and_teams_entries_starts_without_their_webhooks(
        no_channel_env, tmp_path, caplog):
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(credentials_yaml(), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        channels = create_http_input_channels(None, str(credentials))
        app = configure_app(channels, enable_api=False)
    paths = {route.path for route in app.router.routes}
    assert "webhooks/rest/webhook" in paths
    assert "webhooks/slack/webhook" not in paths and "webhooks/teams/webhook" not in paths
    assert "webhooks/slack" in paths or "webhooks/slack/" in paths, "the health route says it is off"
    assert "the Slack channel is off" in caplog.text and "the Teams channel is off" in caplog.text


def test_settings_in_credentials_yml_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-env")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "from-env")
    slack = SlackInput.from_credentials({"slack_token": "xoxb-from-file"})
    assert (slack.slack_token, slack.slack_signing_secret, slack.configured) == ("xoxb-from-file", "from-env", True)
    monkeypatch.setenv("TEAMS_APP_ID", "env-app")
    teams = TeamsInput.from_credentials({"app_password": "file-secret"})
    assert (teams.app_id, teams.app_password, teams.configured) == ("env-app", "file-secret", True)


def test_the_teams_channel_contacts_nobody_when_it_is_created(no_channel_env, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the channel must not fetch anything before the first request")

    monkeypatch.setattr("aiohttp.ClientSession._request", no_network)
    channel = TeamsInput.from_credentials({"app_id": "a", "app_password": "p"})
    assert channel.configured
