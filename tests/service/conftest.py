"""Run it like a service: real PostgreSQL, Redis, one action server and two Rasa replicas on loopback.

The replicas use deploy/endpoints.production.yml unchanged, configured only by environment
variables, exactly as in deploy/. Everything is started once per session; a test that stops a part
starts it again before it ends, so later tests find the cluster whole.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from tests.servers import ROOT, BotServer, free_port
from tests.service.infra import Postgres, Redis, require_servers

PRODUCTION_ENDPOINTS = ROOT / "deploy" / "endpoints.production.yml"


def pytest_configure(config):
    config.addinivalue_line("markers", "service: starts PostgreSQL, Redis and several Rasa servers (slow)")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/service/" in str(item.fspath):
            item.add_marker(pytest.mark.service)


def credentials_file(directory: Path) -> Path:
    """Our REST channel and the /health channel (credentials.yml's channels, minus the chat apps)."""
    path = directory / "credentials.yml"
    path.write_text("bot.channels.rest.RestInput:\nbot.channels.health.HealthInput:\n", encoding="utf-8")
    return path


def get_json(url: str, timeout: float = 10) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{what} did not happen within {timeout:.0f}s")


class Process:
    """A server process in its own process group, so a kill takes its children with it."""

    def __init__(self, command: list[str], env: dict, log: Path) -> None:
        self.command, self.env, self.log = command, env, log
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.alive():
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


class Replica(BotServer):
    """One Rasa server (bot.serve --action-url) sharing PostgreSQL, Redis and the action server."""

    def __init__(self, name: str, action_url: str, env: dict, workdir: Path) -> None:
        port = free_port()
        log = workdir / f"replica-{name}.log"
        self.name = name
        self.server = Process([sys.executable, "-m", "bot.serve", "--rasa-port", str(port), "--action-url",
                               action_url, "--endpoints", str(PRODUCTION_ENDPOINTS),
                               "--credentials", str(credentials_file(workdir))], env, log)
        super().__init__(port, 0, None, log)

    def start(self) -> None:
        self.server.log.write_text("")
        self.server.start()
        self.process = self.server.process

    def wait_ready(self, timeout: float = 400) -> None:
        def running() -> bool:
            if not self.server.alive():
                raise RuntimeError(f"replica {self.name} exited:\n{self.server.log_text()[-3000:]}")
            return "is running" in self.server.log_text()

        wait_until(running, timeout, f"replica {self.name} start-up")

    def health(self) -> tuple[int, Any]:
        return get_json(self.url + "/health")

    def turn(self, sender: str, message: str) -> tuple[int, Any]:
        return self.post("/webhooks/rest/webhook", json.dumps({"sender": sender, "message": message}).encode())


class Cluster:
    def __init__(self, postgres: Postgres, redis: Redis) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="coach-cluster-"))
        self.postgres = postgres
        self.redis = redis
        self.action_port = free_port()
        self.action_url = f"http://127.0.0.1:{self.action_port}/webhook"
        self.env = {**os.environ, **self.postgres.env(), **self.redis.env(), "ACTION_SERVER_URL": self.action_url,
                    "RASA_TELEMETRY_ENABLED": "false", "HF_HUB_OFFLINE": "1", "TICKET_LOCK_LIFETIME": "30"}
        self.actions = Process([sys.executable, "-m", "bot.action_server", "--port", str(self.action_port)],
                               self.env, self.workdir / "actions.log")
        self.replicas = [Replica(n, self.action_url, self.env, self.workdir) for n in ("a", "b")]

    def start_actions(self) -> None:
        self.actions.start()

        def ready() -> bool:
            if not self.actions.alive():
                raise RuntimeError(f"the action server exited:\n{self.actions.log_text()[-3000:]}")
            return get_json(f"http://127.0.0.1:{self.action_port}/ready")[0] == 200

        wait_until(ready, 300, "action server start-up")

    def start(self) -> None:
        self.start_actions()
        for replica in self.replicas:
            replica.start()
        for replica in self.replicas:
            replica.wait_ready()

    def events(self, sender: str) -> list[dict]:
        rows = self.postgres.query(f"SELECT data FROM events WHERE sender_id = '{sender}' ORDER BY id")
        return [json.loads(data) for (data,) in rows]

    def stop(self) -> None:
        for replica in self.replicas:
            replica.server.stop()
        self.actions.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    require_servers()
    server = Postgres()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def redis() -> Iterator[Redis]:
    require_servers()
    server = Redis()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def cluster(postgres, redis) -> Iterator[Cluster]:
    cluster = Cluster(postgres, redis)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def answer(reply: list[dict]) -> dict:
    """The answer payload of a one-message reply."""
    assert len(reply) == 1, reply
    return reply[0]["custom"]["answer"]
