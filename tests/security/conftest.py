"""One running bot for every security test, configured as in production (deploy/credentials.production.yml:
REST needs a bearer token), with Slack's Web API and Microsoft's OpenID/JWKS/token/connector endpoints
faked on loopback (tests/channels/fakes.py), and a second loopback origin serving an intranet host page.

Client addresses: the bot trusts the `X-Test-Client` header as its reverse proxy's, so each REST call
can come from its own address (`rest()` gives every call a fresh one unless told otherwise) and the
low rate limits configured here only bite the tests that are about them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, Optional

import pytest

from tests.channels import slack_client, teams_client
from tests.channels.conftest import SlackUser, TeamsUser
from tests.channels.fakes import FakeServices
from tests.servers import ROOT, BotServer, running_bot

pytestmark = pytest.mark.server

REST_TOKEN = "test-rest-token"
HEALTH_TOKEN = "test-health-token"
PROXY_HEADER = "X-Test-Client"
ALLOWED_ORIGIN = "http://intranet.example"
RATES = {"COACH_RATE_LIMIT": "4/60s", "COACH_SESSION_RATE_LIMIT": "3/60s", "COACH_GLOBAL_RATE_LIMIT": "150/60s"}


class HostPage:
    """An intranet page on its own loopback origin that embeds the widget, served with a strict CSP."""

    def __init__(self) -> None:
        self.bot_url = ""
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                bot = page.bot_url
                ws = bot.replace("http://", "ws://")
                body = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Intranet</title></head>'
                        f'<body><h1>Intranet</h1><script src="{bot}/webhooks/socketio/widget/coach-widget.js" '
                        f'data-mode="inline" defer></script></body></html>').encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                # The policy widget/README.md tells intranets to use: nothing inline, only the bot's origin.
                self.send_header("Content-Security-Policy",
                                 f"default-src 'none'; script-src {bot}; style-src {bot}; "
                                 f"connect-src {bot} {ws}; img-src data:; frame-ancestors 'none'")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture(scope="package")
def fake() -> Iterator[FakeServices]:
    with FakeServices(teams_client.jwks()) as services:
        yield services


@pytest.fixture(scope="package")
def host_page() -> Iterator[HostPage]:
    page = HostPage()
    yield page
    page.server.shutdown()


@pytest.fixture(scope="package")
def secure_bot(fake: FakeServices, host_page: HostPage) -> Iterator[BotServer]:
    env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": slack_client.SIGNING_SECRET,
           "SLACK_API_URL": f"{fake.url}/slack/api/",
           "TEAMS_APP_ID": teams_client.APP_ID, "TEAMS_APP_PASSWORD": teams_client.APP_PASSWORD,
           "TEAMS_OPENID_METADATA_URL": f"{fake.url}/teams/openid", "TEAMS_TOKEN_URL": f"{fake.url}/teams/token",
           "COACH_REST_TOKEN": REST_TOKEN, "COACH_HEALTH_TOKEN": HEALTH_TOKEN,
           "COACH_TRUSTED_PROXY_HEADER": PROXY_HEADER, "COACH_TURN_TIMEOUT": "60",
           "COACH_ALLOWED_ORIGINS": f"{ALLOWED_ORIGIN},{host_page.url}", **RATES}
    credentials = ROOT / "deploy" / "credentials.production.yml"
    with running_bot(extra_args=["--credentials", str(credentials)], env=env) as server:
        host_page.bot_url = server.url
        yield server


@pytest.fixture
def slack(secure_bot: BotServer, fake: FakeServices) -> SlackUser:
    return SlackUser(secure_bot, fake)


@pytest.fixture
def teams(secure_bot: BotServer, fake: FakeServices) -> TeamsUser:
    return TeamsUser(secure_bot, fake)


def fresh_address() -> str:
    return f"10.{os.urandom(1)[0]}.{os.urandom(1)[0]}.{os.urandom(1)[0] or 1}"


def rest(bot: BotServer, body: Any, token: Optional[str] = REST_TOKEN, address: Optional[str] = None,
         headers: Optional[dict] = None) -> tuple[int, Any]:
    """POST to the REST webhook as a client at `address` (a fresh one by default), with the token."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {PROXY_HEADER: address or fresh_address(), **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    return bot.post("/webhooks/rest/webhook", raw, sent)


def say(bot: BotServer, sender: str, message: str) -> list[dict]:
    status, reply = rest(bot, {"sender": sender, "message": message})
    assert status == 200, (status, reply)
    return reply


def get(url: str, headers: Optional[dict] = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as reply:
            return reply.status, dict(reply.headers.items()), reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()


def stored_events(bot: BotServer) -> list[tuple[str, str, dict]]:
    """Every stored event as (conversation id, type, data), read from the bot's SQLite file."""
    with sqlite3.connect(bot.log.with_suffix(".db")) as db:
        rows = db.execute("SELECT sender_id, type_name, data FROM events ORDER BY id").fetchall()
    return [(sender, kind, json.loads(data)) for sender, kind, data in rows]
