"""bot.rasa.speedups must accept and refuse exactly what Rasa's own code does, only faster."""

from __future__ import annotations

import copy

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot.rasa import speedups

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


def test_install_is_idempotent_and_routes_rasa_through_the_fixes():
    before = (RemoteAction._validate_action_result, Event.resolve_by_type)
    try:
        speedups.install()
        speedups.install()
        assert speedups.installed()
        assert Event.from_parameters({"event": "slot", "name": "a", "value": 1}).key == "a"
        with pytest.raises(ValidationError):
            RemoteAction("action_x", None)._validate_action_result({"events": [{"event": "no_such_event"}]})
    finally:
        RemoteAction._validate_action_result, Event.resolve_by_type = before[0], staticmethod(before[1])
