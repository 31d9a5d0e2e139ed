"""The tracker store itself, on SQLite and PostgreSQL: PII masked from any channel, and `bot retention`."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered

from bot.server.stores import GuardedSQLTrackerStore
from tests.servers import ROOT
from tests.service.conftest import PRODUCTION_ENDPOINTS

DAY = 86400


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path, domain):
    """(store, endpoints file, environment) for the shipped SQLite default or the production PostgreSQL."""
    if request.param == "sqlite":
        env = {"COACH_CONVERSATIONS_DB": str(tmp_path / "conversations.db")}
        os.environ.update(env)
        try:
            store = GuardedSQLTrackerStore(domain, dialect="sqlite", db="ignored-see-env.db")
        finally:
            del os.environ["COACH_CONVERSATIONS_DB"]
        yield store, ROOT / "endpoints.yml", env
    else:
        postgres = request.getfixturevalue("postgres")
        env = {**postgres.env(), "ACTION_SERVER_URL": "http://127.0.0.1:1/webhook", "REDIS_HOST": "127.0.0.1",
               "REDIS_PORT": "1", "REDIS_PASSWORD": "unused", "REDIS_DB": "0"}
        store = GuardedSQLTrackerStore(domain, dialect="postgresql", host="127.0.0.1", port=postgres.port,
                                       db=postgres.database, username=postgres.user, password=postgres.password)
        yield store, PRODUCTION_ENDPOINTS, env
    store.engine.dispose()


def say(store: GuardedSQLTrackerStore, sender: str, text: str) -> None:
    async def run() -> None:
        tracker = await store.get_or_create_tracker(sender)
        tracker.update(UserUttered(text, intent={"name": "ask_question", "confidence": 1.0},
                                   parse_data={"text": text, "intent": {"name": "ask_question"}}))
        await store.save(tracker)

    asyncio.run(run())


def user_texts(store: GuardedSQLTrackerStore, sender: str) -> list[str]:
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' "
                                          "ORDER BY id"), {"s": sender})
        return [json.loads(data)["text"] for (data,) in rows]


def age(store: GuardedSQLTrackerStore, sender: str, days: float) -> None:
    with store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE events SET timestamp = timestamp - :d WHERE sender_id = :s"),
                           {"d": days * DAY, "s": sender})


def retention(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.server.retention", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", **env}, timeout=120)


def test_the_tracker_store_masks_personal_data_whatever_channel_it_came_from(backend):
    store, _, _ = backend
    who = f"store-pii-{uuid.uuid4().hex[:8]}"
    say(store, who, "I'm on 020 7946 0958 or j.smith@police.uk, NI AB123456C")
    stored = user_texts(store, who)
    assert stored == ["I'm on [phone] or [email], NI [NI number]"]
    with store.engine.connect() as connection:
        raw = " ".join(d for (d,) in connection.execute(sa.text("SELECT data FROM events WHERE sender_id = :s"),
                                                        {"s": who}))
    assert "j.smith@police.uk" not in raw and "7946" not in raw and "AB123456C" not in raw


def test_retention_deletes_conversations_inactive_for_more_than_n_days_and_keeps_the_rest(backend):
    store, endpoints, env = backend
    tag = uuid.uuid4().hex[:6]
    old, recent, revived = f"old-{tag}", f"recent-{tag}", f"revived-{tag}"
    for sender in (old, recent, revived):
        say(store, sender, "how do we pool budgets?")
    age(store, old, 120)
    age(store, revived, 120)
    say(store, revived, "and what about shared priorities?")  # came back today: kept whole

    dry = retention("--days", "90", "--endpoints", str(endpoints), "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "would delete 1 conversation(s)" in dry.stdout
    assert user_texts(store, old)

    done = retention("--days", "90", "--endpoints", str(endpoints), env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("retention: deleted 1 conversation(s)")
    assert user_texts(store, old) == []
    assert user_texts(store, recent) == ["how do we pool budgets?"]
    assert user_texts(store, revived) == ["how do we pool budgets?", "and what about shared priorities?"]


def test_retention_explains_in_one_line_when_the_endpoints_have_no_sql_store(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://localhost:5055/webhook\n")
    result = retention("--days", "30", "--endpoints", str(endpoints), env={})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].endswith("retention needs an SQL tracker store")
    assert "Traceback" not in result.stderr


def test_retention_refuses_a_non_positive_number_of_days():
    result = retention("--days", "0", env={})
    assert result.returncode == 1 and "--days must be more than 0" in result.stderr


def test_after_fail_loudly_a_storage_failure_raises_instead_of_continuing_with_a_blank_conversation(tmp_path,
                                                                                                     domain):
    from types import SimpleNamespace

    from rasa.core.tracker_store import FailSafeTrackerStore

    from bot.server.stores import StoreUnavailable, fail_loudly

    store = GuardedSQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "c.db"))
    agent = SimpleNamespace(tracker_store=FailSafeTrackerStore(store))
    say(store, "someone", "hello")
    with store.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE events"))  # the database is there but unusable

    assert asyncio.run(agent.tracker_store.retrieve("someone")) is None  # Rasa's silent amnesia
    fail_loudly(agent)
    with pytest.raises(StoreUnavailable, match="reading a conversation failed"):
        asyncio.run(agent.tracker_store.retrieve("someone"))
    assert store.last_error and "events" in store.last_error
