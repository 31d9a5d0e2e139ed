"""The Rasa actions are thin: slots in, bot.answer called, one message with the payload, slots out."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from bot.answer import compose


def tracker(text: str, intent: str = "ask_question", slots: dict | None = None, entities=None) -> Tracker:
    return Tracker(sender_id="t", slots=slots or {}, latest_message={
        "text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []},
        events=[], paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen")


def memory_of(events) -> compose.Memory:
    slot = [e for e in events if e["name"] == "answer_memory"]
    assert len(slot) == 1, events
    return compose.Memory.from_slot(slot[0]["value"])


def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, events


def test_answering_utters_one_message_with_text_buttons_and_payload_and_remembers_it(fake_engine):
    messages, events = run(actions.ActionAnswerQuestion(fake_engine), tracker("Adopting facilitative styles of leadership"))
    assert len(messages) == 1
    message = messages[0]
    assert message["text"] and message["buttons"]
    assert message["custom"]["answer"]["enabler"]["id"] == "adopting_facilitative_leadership"
    remembered = memory_of(events)
    assert remembered.enabler_id == "adopting_facilitative_leadership"
    assert remembered.shown_enablers == ["adopting_facilitative_leadership"]
    assert remembered.last_query == "Adopting facilitative styles of leadership"
    assert [e["name"] for e in events] == ["last_answer_id", "answer_memory"]  # two slots per answer


def test_a_decline_utters_the_domain_response_with_an_empty_payload(fake_engine):
    messages, events = run(actions.ActionAnswerQuestion(fake_engine), tracker(""))
    assert messages[0]["response"] == "utter_unanswerable_empty"
    assert messages[0]["custom"]["answer"]["citations"] == []
    assert all(e["name"] != "answer_memory" for e in events)


def test_another_enabler_reads_what_was_shown_from_slots(fake_engine):
    slots = {"answer_memory": {"last_query": "funding", "challenge_id": "siloed_funding_and_competition",
                               "shown_enablers": ["dedicated_flexible_funding"],
                               "enabler_id": "dedicated_flexible_funding"}}
    messages, events = run(actions.ActionAnotherEnabler(fake_engine), tracker("what else", "ask_another_enabler", slots))
    assert messages[0]["custom"]["answer"]["enabler"]["id"] == "existing_cross_sector_structures"
    remembered = memory_of(events)
    assert remembered.shown_enablers == ["dedicated_flexible_funding", "existing_cross_sector_structures"]
    assert remembered.last_query == "funding"  # a follow-up keeps the question it follows


def test_choosing_a_topic_uses_the_button_entity(fake_engine):
    t = tracker('/choose_topic{"topic_id":"being_solutions_focused"}', "choose_topic",
                entities=[{"entity": "topic_id", "value": "being_solutions_focused"}])
    messages, _ = run(actions.ActionChooseTopic(fake_engine), t)
    assert messages[0]["custom"]["answer"]["enabler"]["title"] == "Being solutions-focused"


def test_feedback_is_recorded_in_the_tracker_against_the_last_answer(fake_engine):
    messages, events = run(actions.ActionRecordFeedback(fake_engine),
                           tracker("/feedback_unhelpful", "feedback_unhelpful", {"last_answer_id": "abc123"}))
    assert events == [SlotSet("feedback", {"answer_id": "abc123", "helpful": False})]
    assert messages[0]["response"] == "utter_feedback_unhelpful"


def test_feedback_with_nothing_to_rate_records_nothing(fake_engine):
    messages, events = run(actions.ActionRecordFeedback(fake_engine), tracker("helpful", "feedback_helpful"))
    assert events == [] and messages[0]["response"] == "utter_feedback_nothing_to_rate"


class _BrokenRetriever:
    """A retriever whose index has gone (a Retriever, as Engine.retriever is typed)."""

    glossary = None

    def retrieve(self, query):
        from bot.errors import IndexMissingError

        raise IndexMissingError("no index in build/index: run `bot index`")


def test_a_knowledge_failure_becomes_the_polite_unavailable_reply(fake_engine):
    broken = dataclasses.replace(fake_engine, retriever=_BrokenRetriever())
    messages, _ = run(actions.ActionAnswerQuestion(broken), tracker("how do we build trust"))
    assert messages[0]["response"] == "utter_error_knowledge_unavailable"


def test_a_new_question_starts_a_new_thread_of_shown_enablers(fake_engine):
    slots = {"answer_memory": {"shown_enablers": ["clear_shared_purpose", "focusing_on_outcomes"],
                               "enabler_id": "focusing_on_outcomes", "example_id": "east_ayrshire_facilitators"}}
    _, events = run(actions.ActionAnswerQuestion(fake_engine), tracker("Adopting facilitative styles of leadership", slots=slots))
    assert memory_of(events).shown_enablers == ["adopting_facilitative_leadership"]


@pytest.mark.parametrize("stored", [None, "nonsense", {"shown_enablers": "clear_shared_purpose", "enabler_id": 3},
                                    {"last_query": "funding", "shown_examples": ["x", 7]}])
def test_an_unreadable_memory_slot_is_forgotten_not_a_crash(stored):
    memory = actions.memory_from(tracker("x", slots={"answer_memory": stored}))
    assert isinstance(memory.shown_enablers, list) and all(isinstance(x, str) for x in memory.shown_examples)
    assert memory.enabler_id is None
    assert compose.Memory.from_slot(memory.as_slot()) == memory


def test_only_actions_that_read_the_domain_are_sent_it(fake_engine):
    """Selective domain (endpoints.yml) saves posting ~19 KB per action call; the form validators
    must still get it, because rasa_sdk looks up their form's slots in it."""
    from pathlib import Path

    import yaml
    from rasa_sdk import FormValidationAction

    from actions.wiring import actions_for

    root = Path(__file__).resolve().parents[2]
    for endpoints in ("endpoints.yml", "deploy/endpoints.production.yml"):
        config = yaml.safe_load((root / endpoints).read_text(encoding="utf-8"))
        assert config["action_endpoint"]["enable_selective_domain"] is True, endpoints
    declared = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))["actions"]
    needs_domain = {name for entry in declared if isinstance(entry, dict)
                    for name, options in entry.items() if (options or {}).get("send_domain")}
    validators = {action.name() for action in actions_for(fake_engine) if isinstance(action, FormValidationAction)}
    assert validators == {"validate_coaching_form", "validate_health_form"}
    assert validators <= needs_domain


@pytest.mark.parametrize("status", ["unanswerable_out_of_scope", "unanswerable_empty", "error_knowledge_unavailable"])
def test_a_canned_reply_is_uttered_by_its_response_with_the_answers_own_payload(status):
    dispatcher = CollectingDispatcher()
    answer = compose.canned(status)
    assert actions.send(dispatcher, answer) == answer.payload
    (message,) = dispatcher.messages
    assert message["response"] == f"utter_{status}"
    assert message["custom"] == {"answer": answer.payload} and message["custom"]["answer"]["status"] == status


def test_an_answer_is_uttered_as_one_message_of_markdown_buttons_and_payload(fake_engine):
    from bot.render import to_markdown

    dispatcher = CollectingDispatcher()
    answer = compose.compose_answer("partners dont trust us what do i do", fake_engine)
    actions.send(dispatcher, answer, plan={"x": 1})
    (message,) = dispatcher.messages
    assert message["text"] == to_markdown(answer) and message["buttons"] == answer.button_payloads
    assert message["custom"] == {"answer": answer.payload, "plan": {"x": 1}}


def test_the_action_server_registers_every_action_the_domain_declares_each_once(fake_engine):
    from pathlib import Path

    import yaml

    from actions.wiring import WithEngine, actions_for

    declared = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))["actions"]
    names = [action.name() for action in actions_for(fake_engine)]
    assert sorted(names) == sorted(next(iter(e)) if isinstance(e, dict) else e for e in declared)
    # Every action that needs the knowledge was handed this engine; none reaches for another.
    engines = {id(action.engine) for action in actions_for(fake_engine) if isinstance(action, WithEngine)}
    assert engines == {id(fake_engine)}
