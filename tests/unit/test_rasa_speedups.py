"""bot.server.rasa.speedups must accept and refuse exactly what Rasa's own code does, only faster."""

from __future__ import annotations

import copy
import logging

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot.server import stores
from bot.server.rasa import speedups

# Rasa's own call format, read before any test installs ours (the fixture below puts it back after one does).
STOCK_CALL_FORMAT = vars(RemoteAction)["_action_call_format"]

ANSWER_REPLY = {
    "events": [
        {"event": "slot", "timestamp": None, "name": "last_answer_id", "value": "2c7b2d5fe10c"},
        {"event": "slot", "timestamp": None, "name": "shown_enablers", "value": ["enabler-shared-purpose"]},
        {"event": "active_loop", "name": None},
        {"event": "followup", "name": "action_listen"},
        {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": 1.0},
                                                        "entities": [{"entity": "topic_id", "value": "x"}]}},
    ],
    "responses": [{"text": "An answer", "buttons": [{"title": "More", "payload": "/more"}],
                   "custom": {"answer": {"status": "answered"}}}],
}


def _bad_replies() -> list[dict]:
    bad = []
    for change in (
        lambda r: r["events"].append({"event": "no_such_event"}),         # unknown event name
        lambda r: r["events"].append({"name": "last_query", "value": 1}),  # no event name at all
        lambda r: r["events"].append({"event": "slot", "value": 1}),       # slot without its name
        lambda r: r["events"].append({"event": "slot", "name": 3}),        # name of the wrong type
        lambda r: r["events"].append({"event": "user", "parse_data": {"entities": [{"entity": "x"}]}}),
        lambda r: r["events"].append("slot"),                               # not an object
        lambda r: r.update(events={"event": "slot"}),                       # not a list
        lambda r: r.update(responses=["text"]),                             # response not an object
        lambda r: r["events"].append({"event": "slot", "name": "x", "timestamp": "yesterday"}),
    ):
        reply = copy.deepcopy(ANSWER_REPLY)
        change(reply)
        bad.append(reply)
    return bad


def stock_accepts(reply: dict) -> bool:
    try:
        validate(reply, RemoteAction.action_response_format_spec())
        return True
    except ValidationError:
        return False


def test_a_well_formed_reply_passes_both_checks():
    assert stock_accepts(ANSWER_REPLY)
    assert speedups.validate_action_result(None, copy.deepcopy(ANSWER_REPLY)) is True
    assert speedups.validate_action_result(None, {}) is True  # Rasa accepts an empty reply too
    assert stock_accepts({})


@pytest.mark.parametrize("reply", _bad_replies())
def test_every_reply_rasa_refuses_is_refused_with_its_message(reply):
    assert not stock_accepts(reply)
    with pytest.raises(ValidationError) as refused:
        speedups.validate_action_result(None, reply)
    assert "Failed to validate Action server response" in refused.value.message


def test_the_event_table_gives_the_class_rasa_gives_for_every_event_name():
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"slot", "user", "bot", "action", "active_loop"} <= names
    for name in names:
        assert speedups.resolve_event_type(name) is speedups._original_resolve_by_type(name)
    assert speedups.resolve_event_type("topic") is None  # Rasa's backwards-compatible answer
    assert speedups.resolve_event_type("nonsense", default=Event) is Event
    with pytest.raises(ValueError, match="Unknown event name"):
        speedups.resolve_event_type("nonsense")


def test_an_event_class_defined_after_the_table_was_filled_is_found():
    speedups.resolve_event_type("slot")  # fills the table

    class LateEvent(Event):  # noqa: B903 - only its type name matters here
        type_name = "coach_test_late_event"

        def __eq__(self, other):
            return isinstance(other, LateEvent)

        def __hash__(self):
            return 1

        def __str__(self):
            return "LateEvent"

        def as_story_string(self):
            return None

    assert speedups.resolve_event_type("coach_test_late_event") is LateEvent


def _call_formats(events: list) -> tuple[dict, dict]:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.slots import AnySlot
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    domain = Domain.empty()
    slots = [AnySlot("answer_memory", mappings=[{"type": "custom"}], influence_conversation=False)]
    tracker = DialogueStateTracker.from_events("someone", events, slots)
    action = RemoteAction("action_answer", EndpointConfig("http://localhost:5055/webhook"))
    assert STOCK_CALL_FORMAT is not speedups.action_call_format
    return speedups.action_call_format(action, tracker, domain), STOCK_CALL_FORMAT(action, tracker, domain)


def test_an_action_is_sent_the_current_turns_events_and_otherwise_rasas_own_call():
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa_sdk import Tracker

    ours, stock = _call_formats([
        ActionExecuted("action_listen"), UserUttered("first question", {"name": "ask_question"}),
        ActionExecuted("action_answer"), BotUttered("a long answer", {"custom": {"answer": {"quotes": ["..."]}}}),
        SlotSet("answer_memory", {"question": "first question"}), ActionExecuted("action_listen"),
        UserUttered("second question", {"name": "ask_question"}), SlotSet("answer_memory", {"question": "x"})])
    assert [e["event"] for e in stock["tracker"]["events"]] == [
        "action", "user", "action", "bot", "slot", "action", "user", "slot"]
    assert ours["tracker"]["events"] == stock["tracker"]["events"][-2:], "from the latest user message on"
    without_events = lambda state: {k: v for k, v in state.items() if k != "events"}  # noqa: E731
    assert without_events(ours["tracker"]) == without_events(stock["tracker"])
    assert ours["tracker"]["slots"]["answer_memory"] == {"question": "x"}
    assert {k: v for k, v in ours.items() if k != "tracker"} == {k: v for k, v in stock.items() if k != "tracker"}
    # What rasa-sdk reads from the events (a form's slots to validate) is the same either way.
    assert Tracker.from_dict(ours["tracker"]).slots_to_validate() == \
        Tracker.from_dict(stock["tracker"]).slots_to_validate() == {"answer_memory": {"question": "x"}}


def test_before_the_user_has_said_anything_an_action_is_sent_every_event():
    from rasa.shared.core.events import ActionExecuted, SessionStarted

    ours, stock = _call_formats([ActionExecuted("action_session_start"), SessionStarted(),
                                 ActionExecuted("action_listen")])
    assert ours == stock


def test_a_message_reaching_rasa_has_its_answer_started_first_and_is_then_rasas_to_handle(monkeypatch):
    import asyncio

    from bot.server import prefetch
    from bot.server.rasa import input_guard

    calls = []
    monkeypatch.setattr(prefetch, "sender", lambda: type("S", (), {"send": staticmethod(
        lambda text: calls.append(("sent", text)) or True)})())

    async def rasas_own(agent, message):
        calls.append(("rasa", message.text, input_guard._started_on_arrival.get()))
        if message.text == "a question that breaks things":
            raise RuntimeError("Rasa failed")
        return [{"text": "reply"}]

    monkeypatch.setattr(speedups, "_rasa_handle_message", rasas_own)
    message = type("UserMessage", (), {"text": "how do we pool budgets?"})()
    assert asyncio.run(speedups.handle_message_answer_started(object(), message)) == [{"text": "reply"}]
    question = "how do we pool budgets?"
    assert calls == [("sent", question), ("rasa", question, question)]
    calls.clear()
    assert asyncio.run(speedups.handle_message_answer_started(object(), type("M", (), {"text": "hi"})())) == \
        [{"text": "reply"}]
    assert calls == [("rasa", "hi", None)], "small talk and buttons are not started"

    async def in_one_task():  # the mark is reset once Rasa is done, whether it answered or failed
        await speedups.handle_message_answer_started(object(), message)
        after_an_answer = input_guard._started_on_arrival.get()
        breaking = type("M", (), {"text": "a question that breaks things"})()
        with pytest.raises(RuntimeError):
            await speedups.handle_message_answer_started(object(), breaking)
        return after_an_answer, input_guard._started_on_arrival.get()

    assert asyncio.run(in_one_task()) == (None, None)
    assert ("rasa", "a question that breaks things", "a question that breaks things") in calls


@pytest.fixture
def rasa_as_it_was():
    """Put Rasa's classes and the patch bookkeeping back after a test that patches or renames."""
    owners = (("action", RemoteAction), ("event", Event), ("agent", Agent))
    saved = {name: dict(vars(owner)) for name, owner in owners}
    skipped = dict(speedups._skipped)
    yield
    for name, owner in owners:
        for attribute in ("_validate_action_result", "resolve_by_type", "_action_call_format", "handle_message"):
            if attribute in saved[name]:
                setattr(owner, attribute, saved[name][attribute])
            elif attribute in vars(owner):
                delattr(owner, attribute)
    speedups._skipped.clear()
    speedups._skipped.update(skipped)


def test_install_is_idempotent_and_routes_rasa_through_the_fixes(rasa_as_it_was):
    assert speedups.install() and speedups.install()
    assert speedups.installed()
    assert speedups.state()["patches"] == {"compiled_action_validator": "installed", "event_type_table": "installed",
                                           "turn_events_to_actions": "installed",
                                           "answer_started_on_arrival": "installed"}
    assert Agent.handle_message is speedups.handle_message_answer_started
    assert Event.from_parameters({"event": "slot", "name": "a", "value": 1}).key == "a"
    with pytest.raises(ValidationError):
        RemoteAction("action_x", None)._validate_action_result({"events": [{"event": "no_such_event"}]})


def test_on_another_rasa_version_nothing_is_patched_and_the_state_says_why(rasa_as_it_was, caplog):
    before = (vars(RemoteAction)["_validate_action_result"], vars(Event)["resolve_by_type"])
    with caplog.at_level(logging.WARNING, logger="bot.server.rasa.speedups"):
        assert speedups.install(rasa_version="3.7.0") is False
    assert (vars(RemoteAction)["_validate_action_result"], vars(Event)["resolve_by_type"]) == before
    assert not speedups.installed()
    state = speedups.state()
    assert state["ok"] is False and all("Rasa 3.7.0" in why for why in state["patches"].values())
    assert sum("not applied" in r.getMessage() for r in caplog.records) == len(speedups.PATCHES)


def test_a_renamed_target_is_not_created_and_installed_stays_false(rasa_as_it_was, caplog):
    original = vars(RemoteAction)["_validate_action_result"]
    delattr(RemoteAction, "_validate_action_result")  # as if Rasa had renamed it
    RemoteAction._validate_result_renamed = original
    try:
        with caplog.at_level(logging.WARNING, logger="bot.server.rasa.speedups"):
            assert speedups.install() is False
        assert "_validate_action_result" not in vars(RemoteAction), "the patch must not invent an attribute"
        assert not speedups.installed()
        assert speedups.state()["patches"]["compiled_action_validator"].startswith("skipped: ")
        assert speedups.state()["patches"]["event_type_table"] == "installed"
        assert any("does not exist" in r.getMessage() for r in caplog.records)
    finally:
        del RemoteAction._validate_result_renamed


def test_a_target_whose_parameters_changed_is_left_alone(rasa_as_it_was):
    def changed(self, result, domain):  # a new parameter our replacement would not accept
        return True

    RemoteAction._validate_action_result = changed
    assert speedups.install() is False
    assert vars(RemoteAction)["_validate_action_result"] is changed
    assert "takes ('self', 'result', 'domain')" in speedups.state()["patches"]["compiled_action_validator"]


def test_installed_turns_false_when_rasa_code_is_put_back_after_install(rasa_as_it_was):
    original = vars(RemoteAction)["_validate_action_result"]
    assert speedups.install()
    RemoteAction._validate_action_result = original if original is not speedups.validate_action_result else \
        (lambda self, result: True)
    assert not speedups.installed()
    assert speedups.state()["patches"]["compiled_action_validator"] == "not installed"


class _FailSafeWithoutHook(FailSafeTrackerStore):
    def __init__(self) -> None:  # a later Rasa that keeps its error handler some other way
        self._tracker_store = InMemoryTrackerStore(None)


def test_fail_loudly_disarms_rasas_fail_safe_and_refuses_to_invent_a_missing_hook(caplog):
    class Agent:
        tracker_store = FailSafeTrackerStore(InMemoryTrackerStore(None))

    assert not stores.fails_loudly(Agent)
    assert stores.fail_loudly(Agent) and stores.fails_loudly(Agent)
    with pytest.raises(stores.StoreUnavailable):
        Agent.tracker_store._on_tracker_store_error(RuntimeError("database gone"))

    class Later:
        tracker_store = _FailSafeWithoutHook()

    with caplog.at_level(logging.ERROR, logger="bot.server.stores"):
        assert stores.fail_loudly(Later) is False
        assert stores.fail_loudly(Later) is False
    assert not hasattr(Later.tracker_store, "_on_tracker_store_error"), "no attribute Rasa never reads"
    assert not stores.fails_loudly(Later)
    assert sum("no on_tracker_store_error hook" in r.getMessage() for r in caplog.records) <= 1
