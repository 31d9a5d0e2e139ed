"""Faults on the replica cluster: the action server, PostgreSQL or Redis goes away, then comes back.

Rasa 3.6.21 on its own answers `[]` when the action server is down, and carries on with a blank
in-memory conversation when the database is down. Here the user is told we are briefly unavailable,
operators see the failing component in the log and /health, and nothing is forgotten.
"""

from __future__ import annotations

import uuid

from tests.service.conftest import answer

UNAVAILABLE = "error_knowledge_unavailable"


def sender() -> str:
    return f"fault-test-{uuid.uuid4().hex[:8]}"


def test_with_the_action_server_down_the_user_hears_briefly_unavailable_and_the_next_turn_answers(cluster):
    a, b = cluster.replicas
    who = sender()
    first = a.turn(who, "how do we overcome siloed funding?")[1]
    cluster.actions.stop()
    try:
        for replica in (a, b):
            status, reply = replica.turn(who, "/ask_another_enabler")
            assert status == 200
            assert answer(reply)["status"] == UNAVAILABLE
            assert "briefly unavailable" in reply[0]["text"]
            status, health = replica.health()
            assert status == 503 and health["failed"] == ["action_server"]
    finally:
        cluster.start_actions()
    status, reply = b.turn(who, "/ask_another_enabler")
    assert status == 200 and answer(reply)["status"] == "answered"
    assert answer(reply)["enabler"]["id"] != answer(first)["enabler"]["id"]
    assert a.health()[0] == 200


def test_with_the_database_down_turns_get_503_not_a_blank_conversation_and_resume_with_history(cluster):
    a, b = cluster.replicas
    who = sender()
    first = answer(a.turn(who, "partners don't trust us")[1])
    cluster.postgres.stop()
    try:
        status, reply = b.turn(who, "/ask_another_enabler")
        assert status == 503
        assert answer(reply)["status"] == UNAVAILABLE
        status, health = b.health()
        assert status == 503 and "tracker_store" in health["failed"]
        assert "tracker store" in b.server.log_text()  # the operator sees why, in the log
    finally:
        cluster.postgres.start()
    # Nothing was forgotten and nothing half-stored: the next turn follows on from the first.
    status, reply = b.turn(who, "/ask_another_enabler")
    assert status == 200, reply
    assert answer(reply)["enabler"]["id"] != first["enabler"]["id"]
    user_turns = [e["text"] for e in cluster.events(who) if e["event"] == "user"]
    assert user_turns == ["partners don't trust us", "/ask_another_enabler"]
    # The other replica's pooled connections died with the database; its first turn still works.
    status, reply = a.turn(who, "/show_example")
    assert status == 200 and answer(reply)["example"], reply
    assert a.health()[0] == 200 and b.health()[0] == 200


def test_with_redis_down_turns_get_503_and_health_names_the_lock_store(cluster):
    a, _ = cluster.replicas
    who = sender()
    cluster.redis.stop()
    try:
        status, reply = a.turn(who, "how do we agree shared priorities?")
        assert status == 503 and answer(reply)["status"] == UNAVAILABLE
        status, health = a.health()
        assert status == 503 and health["failed"] == ["lock_store"]
    finally:
        cluster.redis.start()
    status, reply = a.turn(who, "how do we agree shared priorities?")
    assert status == 200 and answer(reply)["status"] in ("answered", "clarification")
