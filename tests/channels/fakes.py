"""Fake outside services on loopback for the channel tests: Slack's Web API and Microsoft's
OpenID metadata, signing keys, token endpoint and Bot Connector (serviceUrl).

One threaded HTTP server records every request; tests wait for the requests they expect.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional
from urllib.parse import parse_qs, unquote

TEAMS_APP_TOKEN = "fake-connector-token"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: bytes
    reply: Any = None

    def json(self) -> Any:
        return json.loads(self.body)


class FakeServices:
    """Start with `with FakeServices(jwks) as fake:`; `fake.url` is its base URL."""

    def __init__(self, jwks: dict) -> None:
        self.jwks = jwks
        self.requests: list[Recorded] = []
        self.openid_down = False  # True: the OpenID metadata endpoint answers 503 (an outage at Microsoft)
        self._changed = threading.Condition()
        self._ts = 1700000100
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "FakeServices":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what the tests read ----------------------------------------------------------------------

    def slack_posts(self, channel: Optional[str] = None) -> list[dict]:
        posts = [{**r.json(), "_ts": (r.reply or {}).get("ts")} for r in list(self.requests)
                 if r.path.endswith("/chat.postMessage")]
        return [p for p in posts if channel is None or p.get("channel") == channel]

    def teams_replies(self, conversation_id: Optional[str] = None) -> list[tuple[str, dict]]:
        replies = [(unquote(r.path), r.json()) for r in list(self.requests) if "/service/v3/conversations/" in r.path]
        return [(p, a) for p, a in replies
                if conversation_id is None or (a.get("conversation") or {}).get("id") == conversation_id]

    def wait_for(self, found: Callable[[], Any], timeout: float = 90) -> Any:
        """Wait until `found()` is truthy and return it (or fail with what was recorded)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = found()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; recorded: {[(r.method, r.path) for r in self.requests]}")
                self._changed.wait(min(remaining, 0.5))

    # --- the fake endpoints -----------------------------------------------------------------------

    def _respond(self, record: Recorded) -> tuple[int, Any]:
        path = record.path.split("?")[0]
        if path.startswith("/slack/api/"):
            if record.headers.get("Authorization") != "Bearer xoxb-test-token":
                return 200, {"ok": False, "error": "invalid_auth"}
            self._ts += 1
            return 200, {"ok": True, "channel": record.json().get("channel"), "ts": f"{self._ts}.000100"}
        if path == "/teams/openid":
            if self.openid_down:
                return 503, {"error": "temporarily unavailable"}
            return 200, {"issuer": "https://api.botframework.com", "jwks_uri": f"{self.url}/teams/keys",
                         "id_token_signing_alg_values_supported": ["RS256"]}
        if path == "/teams/keys":
            return 200, self.jwks
        if path == "/teams/token":
            form = parse_qs(record.body.decode())
            if form.get("client_secret") != ["test-app-password"]:
                return 401, {"error": "invalid_client"}
            return 200, {"token_type": "Bearer", "expires_in": 3600, "access_token": TEAMS_APP_TOKEN}
        if path.startswith("/teams/service/v3/conversations/"):
            if record.headers.get("Authorization") != f"Bearer {TEAMS_APP_TOKEN}":
                return 401, {"error": "unauthorized"}
            return 200, {"id": f"reply-{len(self.requests)}"}
        return 404, {"error": "no such fake endpoint"}

    def _handler(self) -> type:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                record = Recorded(self.command, self.path, dict(self.headers.items()), body)
                status, reply = fake._respond(record)
                record.reply = reply
                with fake._changed:
                    fake.requests.append(record)
                    fake._changed.notify_all()
                raw = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = _handle

            def log_message(self, *args: Any) -> None:  # keep pytest output quiet
                pass

        return Handler
