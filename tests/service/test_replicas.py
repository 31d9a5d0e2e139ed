"""Two Rasa replicas sharing PostgreSQL (conversations) and Redis (locks): any replica can take any turn."""

from __future__ import annotations

import signal
import uuid

from tests.service.conftest import answer


def sender() -> str:
    return f"replica-test-{uuid.uuid4().hex[:8]}"


def ok(replica, who: str, message: str) -> dict:
    status, reply = replica.turn(who, message)
    assert status == 200, (replica.name, status, reply)
    return answer(reply)


def test_a_conversation_alternating_between_replicas_keeps_its_history_slots_and_step(cluster):
    a, b = cluster.replicas
    who = sender()
    first = ok(a, who, "how do we overcome siloed funding?")
    assert first["status"] == "answered" and first["enabler"]
    second = ok(b, who, "/ask_another_enabler")  # needs A's answer memory (the shown enablers)
    assert second["enabler"]["id"] != first["enabler"]["id"]
    third = ok(a, who, "/ask_another_enabler")  # needs both earlier turns' slots
    assert third["enabler"]["id"] not in {first["enabler"]["id"], second["enabler"]["id"]}
    example = ok(b, who, "/show_example")  # the step: an example for the enabler A showed last
    assert example["example"] and example["enabler"]["id"] == third["enabler"]["id"]
    other = ok(a, who, "/ask_another_example")
    assert other["example"]["id"] != example["example"]["id"]

    stored = cluster.events(who)
    assert [e["text"] for e in stored if e["event"] == "user"] == [
        "how do we overcome siloed funding?", "/ask_another_enabler", "/ask_another_enabler", "/show_example",
        "/ask_another_example"]


def test_killing_one_replica_mid_conversation_the_other_carries_on_with_nothing_lost(cluster):
    a, b = cluster.replicas
    who = sender()
    first = ok(a, who, "partners don't trust us")
    second = ok(a, who, "/ask_another_enabler")
    events_before = len(cluster.events(who))

    a.server.stop(signal.SIGKILL)  # no graceful shutdown: the replica simply disappears
    try:
        third = ok(b, who, "/ask_another_enabler")
        assert third["enabler"]["id"] not in {first["enabler"]["id"], second["enabler"]["id"]}
        example = ok(b, who, "/show_example")
        assert example["enabler"]["id"] == third["enabler"]["id"]
        stored = cluster.events(who)
        assert len(stored) > events_before
        assert [e["text"] for e in stored if e["event"] == "user"][:2] == ["partners don't trust us",
                                                                          "/ask_another_enabler"]
    finally:
        a.start()
        a.wait_ready()


def test_personal_data_typed_by_a_user_is_masked_in_postgresql(cluster):
    a, _ = cluster.replicas
    who = sender()
    ok(a, who, "I'm jane.doe@council.gov.uk on 07700 900123, NI QQ 12 34 56 C: how do we share budgets?")
    stored = " ".join(str(e) for e in cluster.events(who))
    assert "[email]" in stored and "[phone]" in stored and "[NI number]" in stored
    for secret in ("jane.doe@council.gov.uk", "07700 900123", "QQ 12 34 56 C"):
        assert secret not in stored
    log = a.server.log_text()
    assert "jane.doe@council.gov.uk" not in log


def test_health_reports_every_component_ok_on_both_replicas(cluster):
    for replica in cluster.replicas:
        status, body = replica.health()
        assert status == 200, body
        assert body["failed"] == []
        assert body["components"]["tracker_store"]["type"] == "GuardedSQLTrackerStore"
        assert body["components"]["lock_store"]["type"] == "RedisLockStore"
        assert body["components"]["action_server"]["knowledge_items"] > 0
