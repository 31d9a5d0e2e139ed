"""The embedded default (bot.server.serve with endpoints.yml: SQLite, in-memory locks) run like a service.

Conversations survive a restart; bad HTTP input gets a clear 4xx and the server stays up; one client
flooding the server is rate limited without starving anybody else; personal data never reaches the
SQLite file.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.servers import running_bot
from tests.service.conftest import answer, credentials_file, get_json

WEBHOOK = "/webhooks/rest/webhook"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sqlite-default")


@pytest.fixture(scope="module")
def env(workdir) -> dict:
    # The shipped endpoints.yml, with the SQLite file moved out of build/ for the test.
    return {"COACH_CONVERSATIONS_DB": str(workdir / "conversations.db"), "COACH_RATE_LIMIT": "20/60s"}


class Service:
    """bot.server.serve on the shipped endpoints.yml, which a test can stop and start again."""

    def __init__(self, workdir: Path, env: dict) -> None:
        self.args, self.env = ["--credentials", str(credentials_file(workdir))], env
        self.stack = ExitStack()
        self.server = self.stack.enter_context(running_bot(self.args, env=self.env))

    def restart(self) -> None:
        self.stack.close()
        self.stack = ExitStack()
        self.server = self.stack.enter_context(running_bot(self.args, env=self.env))


@pytest.fixture(scope="module")
def service(workdir, env):
    service = Service(workdir, env)
    try:
        yield service
    finally:
        service.stack.close()


@pytest.fixture
def bot(service):
    return service.server


def stored_user_texts(workdir: Path, who: str) -> list[str]:
    with sqlite3.connect(workdir / "conversations.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                          (f"rest:{who}",))  # REST conversations are namespaced (docs/adr/0007)
        return [json.loads(data)["text"] for (data,) in rows]


def turn(bot, who: str, message: str, source: str = "127.0.0.1") -> tuple[int, object]:
    """One REST turn from the loopback address `source` (the rate limit is per client address)."""
    connection = http.client.HTTPConnection("127.0.0.1", bot.rasa_port, timeout=60, source_address=(source, 0))
    try:
        connection.request("POST", WEBHOOK, json.dumps({"sender": who, "message": message}).encode(),
                           {"Content-Type": "application/json"})
        reply = connection.getresponse()
        return reply.status, json.loads(reply.read() or b"null")
    finally:
        connection.close()


def said(bot, who: str, message: str, source: str) -> list:
    status, reply = turn(bot, who, message, source)
    assert status == 200, (status, reply)
    return reply


@pytest.mark.parametrize("body, status, says", [
    (b"{not json", 400, "must be JSON"),
    (b'{"message": "hello"}', 400, "'sender' is required"),
    (b'{"sender": "x", "message": "\xff\xfe caf\xe9"}', 400, "UTF-8"),
    (json.dumps({"sender": "x", "message": "a" * (1024 * 1024)}).encode(), 413, "larger than"),
    (b"[1, 2]", 400, "JSON object"),
])
def test_bad_http_input_gets_a_clear_4xx_and_the_server_stays_up(bot, body, status, says):
    got, reply = bot.post(WEBHOOK, body)
    assert got == status and says in reply["error"]
    assert bot.say(f"after-bad-input-{uuid.uuid4().hex[:6]}", "hello")  # still answering


def test_health_is_200_with_sqlite_and_in_memory_locks(bot):
    status, body = get_json(bot.url + "/health")
    assert status == 200, body
    assert body["components"]["tracker_store"]["type"] == "GuardedSQLTrackerStore"
    assert body["components"]["lock_store"]["type"] == "InMemoryLockStore"


def test_personal_data_is_masked_before_it_reaches_the_sqlite_file(bot, workdir):
    who = f"pii-{uuid.uuid4().hex[:8]}"
    bot.say(who, "email me at a.leader@nhs.net or call +44 7700 900123 about pooled budgets")
    texts = stored_user_texts(workdir, who)
    assert texts == ["email me at [email] or call [phone] about pooled budgets"]
    raw = (workdir / "conversations.db").read_bytes()
    assert b"a.leader@nhs.net" not in raw and b"900123" not in raw


def test_one_client_flooding_a_thousand_messages_is_rate_limited_without_starving_others(bot):
    # The limit is per client address: the calm user is another machine (another loopback address).
    flooder, other = f"flood-{uuid.uuid4().hex[:6]}", f"calm-{uuid.uuid4().hex[:6]}"
    calm_latencies: list[float] = []

    def calm_user() -> list[int]:
        statuses = []
        for message in ("how do we overcome siloed funding?", "/ask_another_enabler", "/show_example"):
            started = time.monotonic()
            statuses.append(turn(bot, other, message, source="127.0.0.2")[0])
            calm_latencies.append(time.monotonic() - started)
        return statuses

    with ThreadPoolExecutor(max_workers=33) as pool:
        flood = [pool.submit(turn, bot, flooder, f"message {i}") for i in range(1000)]
        calm = pool.submit(calm_user)
        flood_statuses = [f.result()[0] for f in flood]
        calm_statuses = calm.result()

    assert calm_statuses == [200, 200, 200]
    assert max(calm_latencies) < 15, calm_latencies
    assert flood_statuses.count(429) >= 975  # at most 20 in the 60 s window went ahead, minus earlier tests
    assert set(flood_statuses) <= {200, 429, 503}
    status, reply = turn(bot, flooder, "hello")
    assert status == 429 and "Please wait" in reply["error"]


def test_a_conversation_survives_a_restart_with_its_history_and_slots(service, workdir):
    who = f"restart-{uuid.uuid4().hex[:8]}"
    # From its own loopback address: 127.0.0.1 may still be over its limit after the flood test.
    first = answer(said(service.server, who, "how do we overcome siloed funding?", "127.0.0.3"))
    second = answer(said(service.server, who, "/ask_another_enabler", "127.0.0.3"))
    service.restart()  # both processes stop; new ones start on the same SQLite file
    third = answer(service.server.say(who, "/ask_another_enabler"))
    assert third["enabler"]["id"] not in {first["enabler"]["id"], second["enabler"]["id"]}
    example = answer(service.server.say(who, "/show_example"))
    assert example["enabler"]["id"] == third["enabler"]["id"]
    assert stored_user_texts(workdir, who) == ["how do we overcome siloed funding?", "/ask_another_enabler",
                                               "/ask_another_enabler", "/show_example"]
