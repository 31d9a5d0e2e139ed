"""The service on loopback: real PostgreSQL and Redis (Debian's binaries, temp dirs, free ports), one
action server and Rasa replicas. Used by tests/service/ and by scripts/bench.py.

PostgreSQL refuses to run as root, so when this runs as root its commands run as the `postgres`
user. Every part can be stopped and started again on the same port and data, to test outages.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Optional

from tests.servers import ROOT, BotServer, free_port

PRODUCTION_ENDPOINTS = ROOT / "deploy" / "endpoints.production.yml"


def _postgres_bin() -> Optional[Path]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def require_servers() -> None:
    """Skip without PostgreSQL or Redis on a developer's machine; under CI=true that is a failure."""
    if _postgres_bin() is None or shutil.which("redis-server") is None:
        import pytest

        reason = "needs Debian's postgresql and redis-server (apt-get install -y postgresql redis-server)"
        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail(f"CI=true and the service tests cannot run: {reason}", pytrace=False)
        pytest.skip(reason)


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Postgres:
    user = "coach"
    password = "coach-test-password"
    database = "coach"

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="coach-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.log = self.dir / "postgres.log"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        pwfile = self.dir / "pw"
        pwfile.write_text(self.password)
        if os.geteuid() == 0:
            shutil.chown(pwfile, "postgres", "postgres")
        subprocess.run(_as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user,
                                     "--pwfile", str(pwfile), "-A", "scram-sha-256", "--no-sync"]),
                       check=True, capture_output=True)
        self.start()
        subprocess.run(_as_postgres([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                                     "-U", self.user, self.database]),
                       check=True, capture_output=True, env={**os.environ, "PGPASSWORD": self.password})

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.database}"

    def env(self) -> dict[str, str]:
        """The variables deploy/endpoints.production.yml reads."""
        return {"DB_HOST": "127.0.0.1", "DB_PORT": str(self.port), "DB_NAME": self.database,
                "DB_USER": self.user, "DB_PASSWORD": self.password}

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        subprocess.run(_as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                                     "-o", options, "-w", "start"]), check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run(_as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
                       check=False, capture_output=True)

    def query(self, sql: str) -> list[tuple]:
        import sqlalchemy as sa

        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(sa.text(sql))]
        finally:
            engine.dispose()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    password = "coach-test-redis"

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="coach-redis-"))
        self.port = free_port()
        self.process: Optional[subprocess.Popen] = None
        self.start()

    def env(self) -> dict[str, str]:
        return {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.port), "REDIS_PASSWORD": self.password,
                "REDIS_DB": "0"}

    def start(self) -> None:
        log = open(self.dir / "redis.log", "ab")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--requirepass", self.password, "--daemonize", "no", "--dir", str(self.dir)],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        import redis

        while time.monotonic() < deadline:
            try:
                redis.Redis(host="127.0.0.1", port=self.port, password=self.password).ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def credentials_file(directory: Path) -> Path:
    """Our REST, /health and /insights channels (credentials.yml's channels, minus the chat apps)."""
    path = directory / "credentials.yml"
    path.write_text("bot.server.channels.rest.RestInput:\nbot.server.channels.health.HealthInput:\n"
                    "bot.server.channels.insights.InsightsInput:\n", encoding="utf-8")
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
    """One Rasa server (bot.server.serve --action-url) sharing PostgreSQL, Redis and the action server."""

    def __init__(self, name: str, action_url: str, env: dict, workdir: Path) -> None:
        port = free_port()
        log = workdir / f"replica-{name}.log"
        self.name = name
        self.server = Process([sys.executable, "-m", "bot.server.serve", "--rasa-port", str(port), "--action-url",
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
        self.actions = Process([sys.executable, "-m", "bot.server.action_server", "--port", str(self.action_port)],
                               {"OMP_NUM_THREADS": "1", **self.env}, self.workdir / "actions.log")
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
        # REST conversations are namespaced "rest:<sender>" (docs/adr/0007).
        rows = self.postgres.query(f"SELECT data FROM events WHERE sender_id = 'rest:{sender}' ORDER BY id")
        return [json.loads(data) for (data,) in rows]

    def stop(self) -> None:
        for replica in self.replicas:
            replica.server.stop()
        self.actions.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
