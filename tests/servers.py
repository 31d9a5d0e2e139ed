"""Start the real servers (action server + Rasa, via bot.server.serve) on loopback for a test, and talk REST."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BotServer:
    def __init__(self, rasa_port: int, action_port: int, process: subprocess.Popen, log: Path) -> None:
        self.rasa_port = rasa_port
        self.action_port = action_port
        self.process = process
        self.log = log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def post(self, path: str, body: bytes, headers: Optional[dict] = None, timeout: float = 60) -> tuple[int, Any]:
        request = urllib.request.Request(self.url + path, data=body, method="POST",
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                raw = reply.read()
                return reply.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                return exc.code, json.loads(raw)
            except ValueError:
                return exc.code, raw.decode("utf-8", "replace")

    def action_ready(self) -> dict:
        """The action server's GET /ready: its knowledge, and its prefetch counts (bot.server.prefetch)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.action_port}/ready", timeout=10) as reply:
            return json.loads(reply.read())

    def say(self, sender: str, message: str) -> list[dict]:
        """Send one message over REST and return the bot's messages (asserting HTTP 200)."""
        status, body = self.post("/webhooks/rest/webhook",
                                 json.dumps({"sender": sender, "message": message}).encode())
        assert status == 200, (status, body)
        return body


@contextmanager
def running_bot(extra_args: Optional[list[str]] = None, env: Optional[dict] = None,
                timeout: float = 300) -> Iterator[BotServer]:
    """Both servers on free loopback ports; stopped (and their log kept) afterwards."""
    rasa_port, action_port = free_port(), free_port()
    log = Path(os.environ.get("COACH_TEST_LOG_DIR", "/tmp")) / f"coach-test-{rasa_port}.log"
    # Each test bot keeps its conversations in its own file, and long scripted conversations are not
    # rate-limited; tests of those features pass their own values in `env`.
    defaults = {"COACH_CONVERSATIONS_DB": str(log.with_suffix(".db")), "COACH_RATE_LIMIT": "off"}
    log.with_suffix(".db").unlink(missing_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.server.serve", "--rasa-port", str(rasa_port), "--action-port", str(action_port),
             *(extra_args or [])],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **defaults, **(env or {})})
        server = BotServer(rasa_port, action_port, process, log)
        deadline = time.monotonic() + timeout
        try:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"bot.server.serve exited early; log:\n{log.read_text()[-3000:]}")
                if b"is running" in log.read_bytes():
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"bot.server.serve did not start in {timeout}s; log:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
            yield server
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
