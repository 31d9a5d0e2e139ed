"""Usage events without a server: deriving them from a turn, the daily conversation key, suppression, and
the tracker store writing them in the same transaction as the turn."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.insights import aggregate, events as ev, store
from bot.server.stores import GuardedSQLTrackerStore, StoreUnavailable
from tests.servers import ROOT

SECRET = b"unit-test-secret"
HOUR = 1_796_054_400  # a whole hour


def user(text: str, at: float = HOUR + 125, intent: str = "ask_question", **parse) -> dict:
    return {"event": "user", "timestamp": at, "text": text, "input_channel": "teams",
            "parse_data": {"intent": {"name": intent}, **parse}}


def bot(status: str, answer_id: str = "a1", enabler: str | None = None, challenge: str | None = None) -> dict:
    ref = (lambda i: {"id": i, "title": i, "theme": "Structures"} if i else None)
    return {"event": "bot", "data": {"custom": {"answer": {"status": status, "answer_id": answer_id,
                                                           "enabler": ref(enabler), "challenge": ref(challenge)}}}}


def derive(new: list[dict], earlier: list[dict] = (), slots: dict | None = None, previous=None) -> list[ev.Turn]:
    return ev.derive_turns("rest:leader-42", new, slots or {}, lambda: iter(list(earlier)[::-1]), previous,
                           secret=SECRET)


@pytest.mark.parametrize("value, expected", [
    ({"answer_id": "a1", "helpful": True}, "helpful"),
    ({"answer_id": "a1", "helpful": False}, "not_helpful"),
    ({"answer_id": "a1", "helpful": False, "corrected": True}, "corrected"),
    ({"answer_id": "a1", "helpful": False, "kind": "correction"}, "corrected"),
    ({"answer_id": "a1", "helpful": False, "reason": "corrected"}, "corrected"),  # as issue 11's branch sets it
    ("corrected", "corrected"),
    (None, None),
])
def test_feedback_words_include_a_correction_however_the_slot_says_it(value, expected):
    assert ev.feedback_category(value) == expected


def test_an_answer_turn_keeps_ids_and_status_and_no_text_or_sender():
    [turn] = derive([user("our budgets are ring-fenced j.smith@police.uk"),
                     bot("answered", enabler="dedicated_flexible_funding", challenge="siloed_funding_and_competition")])
    event = turn.event
    assert (event.hour, event.channel, event.status, event.enabler, event.challenge, event.theme) == (
        HOUR, "teams", "answered", "dedicated_flexible_funding", "siloed_funding_and_competition", "structures")
    assert "leader-42" not in str(event.row()) and "ring-fenced" not in str(event.row())
    assert turn.reviews == ()


def test_a_correction_counts_against_the_earlier_answer_and_queues_its_question_masked():
    earlier = [user("partners won't share data, call me on 07700 900123"),
               bot("answered", answer_id="old", enabler="maintaining_open_frequent_communication")]
    [turn] = derive([user("no, that's not what I meant"), bot("answered", answer_id="new", enabler="x"),
                     {"event": "slot", "name": "feedback", "value": {"answer_id": "old", "helpful": False,
                                                                    "corrected": True}}], earlier)
    assert turn.event.feedback == "corrected"
    assert turn.event.rated_enabler == "maintaining_open_frequent_communication"
    assert [(r.reason, r.text) for r in turn.reviews] == [("corrected", "partners won't share data, call me on [phone]")]


def test_declines_and_clarifications_are_queued_but_empty_or_button_messages_are_not():
    turns = derive([user("how do I fix my boiler?"), bot("unanswerable_out_of_scope"),
                    user("funding", at=HOUR + 200), bot("clarification"),
                    user('/choose_topic{"topic_id":"dedicated_flexible_funding"}', at=HOUR + 300, intent="choose_topic",
                         entities=[{"entity": "topic_id", "value": "dedicated_flexible_funding"}]),
                    bot("answered", enabler="dedicated_flexible_funding"),
                    user("🙂", at=HOUR + 400), bot("unanswerable_no_text")])
    assert [t.event.status for t in turns] == ["declined", "clarification", "answered", "declined"]
    assert [r.reason for t in turns for r in t.reviews] == ["declined", "clarification"]
    assert turns[2].event.choice == "dedicated_flexible_funding"  # picked from the clarification's buttons


def test_coaching_counts_the_last_value_of_a_slot_in_the_turn_not_the_raw_text_the_form_put_there_first():
    [turn] = derive([user('/coach_choice{"coach_choice":"challenge:other"}'),
                     {"event": "slot", "name": "coach_challenge", "value": '/coach_choice{"coach_choice":"x"}'},
                     {"event": "slot", "name": "coach_challenge", "value": "other"}])
    assert turn.event.coaching_step is None
    [turn] = derive([user("yes"), {"event": "slot", "name": "coach_challenge",
                                   "value": "siloed_funding_and_competition"}])
    assert (turn.event.coaching_step, turn.event.challenge) == ("challenge", "siloed_funding_and_competition")


def test_the_conversation_key_is_stable_within_a_day_and_unlinkable_across_days():
    midnight = HOUR - HOUR % 86400
    same_day = {ev.conversation_key("rest:a", midnight + h * 3600, SECRET) for h in range(24)}
    assert len(same_day) == 1 and "rest:a" not in same_day.pop()
    assert ev.conversation_key("rest:a", HOUR, SECRET) != ev.conversation_key("rest:a", HOUR + 86400, SECRET)
    assert ev.conversation_key("rest:a", HOUR, SECRET) != ev.conversation_key("rest:a", HOUR, b"other secret")


def test_cells_from_fewer_than_five_conversations_are_shown_as_fewer_than_five():
    rows = []
    for n, conversation in enumerate(["a", "b", "c", "d", "e", "a", "f", "f", "f", "f"]):
        event = ev.UsageEvent(hour=HOUR, channel="rest" if n < 6 else "teams", conversation=conversation,
                              status="answered", status_detail="answered", enabler="e1")
        rows.append(tuple(event.row()[c] for c in store.EVENT_COLUMNS))
    report = aggregate.aggregate(rows, {"e1": "Enabler one"}, None, HOUR + 3600)
    table = next(t for t in report.tables if t.key == "enablers_by_channel")
    assert table.value("e1", "rest").shown == "6"    # six questions from five conversations
    assert table.value("e1", "teams").shown == "< 5"  # four questions, all from one conversation
    assert table.totals["e1"].shown == "10"


@pytest.fixture
def tracker_store(tmp_path):
    domain = Domain.load(str(ROOT / "domain.yml"))
    store_ = GuardedSQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "conversations.db"))
    yield store_
    store_.engine.dispose()


def one_turn(tracker_store, sender: str) -> None:
    async def run():
        tracker = await tracker_store.get_or_create_tracker(sender)
        for event in (UserUttered("how do we pool budgets?", {"name": "ask_question", "confidence": 1.0},
                                  parse_data={"intent": {"name": "ask_question"}, "text": "how do we pool budgets?"},
                                  input_channel="rest"),
                      ActionExecuted("action_answer_question"),
                      BotUttered("…", {"custom": {"answer": {"status": "answered", "answer_id": "z",
                                                             "enabler": {"id": "dedicated_flexible_funding"}}}}),
                      SlotSet("last_answer_id", "z")):
            tracker.update(event)
        await tracker_store.save(tracker)

    asyncio.run(run())


def counts(tracker_store) -> tuple[int, int]:
    with tracker_store.engine.connect() as connection:
        return (connection.execute(sa.text("SELECT COUNT(*) FROM events")).scalar(),
                connection.execute(sa.text("SELECT COUNT(*) FROM insight_events")).scalar())


def test_the_tracker_store_writes_the_turn_and_its_event_in_one_transaction(tracker_store):
    one_turn(tracker_store, "rest:first")
    stored, recorded = counts(tracker_store)
    assert recorded == 1 and stored > 0
    with tracker_store.engine.begin() as connection:  # the insight table breaks: the turn must not be half-stored
        connection.execute(sa.text("DROP TABLE insight_events"))
        connection.execute(sa.text("CREATE TABLE insight_events (id INTEGER PRIMARY KEY, hour INTEGER NOT NULL "
                                   "CHECK (hour < 0))"))
    with pytest.raises(StoreUnavailable):
        one_turn(tracker_store, "rest:second")
    with tracker_store.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM events WHERE sender_id = 'rest:second' "
                                          "AND type_name = 'user'")).scalar() == 0


def test_a_store_that_also_overrides_additional_events_still_records_the_turn(tmp_path):
    """As a masking override in GuardedSQLTrackerStore itself would: it wraps super(), which reaches the hook."""
    class MaskingStore(GuardedSQLTrackerStore):
        def _additional_events(self, session, tracker):
            return (event for event in super()._additional_events(session, tracker))

    masking = MaskingStore(Domain.load(str(ROOT / "domain.yml")), dialect="sqlite", db=str(tmp_path / "m.db"))
    try:
        one_turn(masking, "rest:masked")
        assert counts(masking)[1] == 1
    finally:
        masking.engine.dispose()


def test_a_helpful_rate_is_withheld_when_it_would_give_away_a_suppressed_cell():
    rows = []
    for n in range(7):
        feedback = "helpful" if n < 6 else "not_helpful"
        event = ev.UsageEvent(hour=HOUR, channel="rest", conversation=f"c{n}", status="other", status_detail=None,
                              feedback=feedback, rated_enabler="e1")
        rows.append(tuple(event.row()[c] for c in store.EVENT_COLUMNS))
    table = next(t for t in aggregate.aggregate(rows, {}, None, HOUR).tables if t.key == "helpful_by_enabler")
    assert table.value("e1", "helpful").shown == "6" and table.value("e1", "not_helpful").shown == "< 5"
    assert table.extra == ("helpful rate", {"e1": "suppressed"})


def test_the_command_line_explains_a_bad_period_in_one_line(tmp_path):
    from tests.insights.helpers import bot_cli

    env = {"COACH_CONVERSATIONS_DB": str(tmp_path / "empty.db")}
    bad = bot_cli("insights", "--since", "forever", env=env, check=False)
    assert bad.returncode == 1 and bad.stderr.strip().splitlines()[-1].startswith("bot: --since 'forever': expected")
    empty = bot_cli("review", "--no-nearest", env=env)
    assert empty.stdout.strip() == "review: the queue is empty."
