"""Thin Rasa actions: read slots, call bot.answer, utter the composed answer, return slot events."""

from __future__ import annotations

import abc
import dataclasses
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.server import prefetch
from bot.answer import compose, followups
from bot.answer import types as t
from actions.wiring import WithEngine, unavailable
from bot.coaching import replies
from bot.engine import Engine
from bot.errors import CoachError
from bot.knowledge.model import Kind, Knowledge
from bot.render import bot_message

log = logging.getLogger(__name__)


# One slot holds the whole memory: an answer sets two slots (this and last_answer_id), not seven, so
# every stored conversation is shorter to save, read and replay (docs/adr/0006).
MEMORY_SLOT = "answer_memory"
# NLU's coach_choice also catches typed words ("what's the weather"); outside a form only a button or a
# bare option ("yes", "stuck", "local authority") is a stray choice, longer words are a message.
MAX_STRAY_CHOICE_WORDS = 2


def memory_from(tracker: Tracker) -> compose.Memory:
    return compose.Memory.from_slot(tracker.get_slot(MEMORY_SLOT))


def remember(stored: compose.Memory, **changes: Any) -> Dict[Text, Any]:
    """The memory slot event: what was stored, with `changes` made."""
    return SlotSet(MEMORY_SLOT, dataclasses.replace(stored, **changes).as_slot())


def utter(dispatcher: CollectingDispatcher, answer: t.Answer, memory: compose.Memory,
          query: Optional[str] = None, stored: Optional[compose.Memory] = None, *,
          knowledge: Knowledge) -> List[Dict[Text, Any]]:
    """Send the answer (text, buttons and payload in one message) and remember what it showed.

    `memory` is what the answer was chosen against (a fresh one for a new question); `stored` is the
    conversation's memory (default: `memory`), which keeps whatever this answer did not show;
    `knowledge` tells which case study an answer's example or fact belongs to.
    """
    payload = send(dispatcher, answer)
    if not answer.is_answer:
        return [SlotSet("last_answer_id", payload["answer_id"] or None)]
    changes: Dict[str, Any] = {}
    if query is not None:
        changes["last_query"] = query
    changes.update(followup_memory(answer, knowledge))
    if answer.example_id and answer.example_id == memory.example_id and query is None:
        # More of the same example ("in practice"): count what was shown before too.
        changes["example_quotes_shown"] = memory.example_quotes_shown | changes.get("example_quotes_shown", 0)
    if answer.enabler_id:
        shown = memory.shown_enablers + ([answer.enabler_id] if answer.enabler_id not in memory.shown_enablers else [])
        changes.update(enabler_id=answer.enabler_id, shown_enablers=shown, challenge_id=answer.challenge_id)
    if answer.example_id:
        shown = memory.shown_examples + ([answer.example_id] if answer.example_id not in memory.shown_examples else [])
        changes.update(example_id=answer.example_id, shown_examples=shown)
    return [SlotSet("last_answer_id", payload["answer_id"]), remember(stored or memory, **changes)]


def send(dispatcher: CollectingDispatcher, answer: t.Answer, **extra: Any) -> t.AnswerPayload:
    """Utter one answer as one message (bot.render.bot_message), with `extra` next to its payload; a canned
    reply is uttered by its domain response, so Rasa picks the text. Returns the payload sent."""
    message = bot_message(answer, **extra)
    if answer.is_canned:
        dispatcher.utter_message(response=answer.response, json_message=message["custom"])
    else:
        dispatcher.utter_message(text=message["text"], buttons=message["buttons"], json_message=message["custom"])
    return message["custom"]["answer"]


def followup_memory(answer: t.Answer, knowledge: Knowledge) -> Dict[str, Any]:
    """What follow-ups need to know about an answer: the fact or case study it showed, and how much of
    its example (bot/answer/followups.py)."""
    case = answer.fact_id if answer.fact_id in knowledge and knowledge[answer.fact_id].kind is Kind.CASE_STUDY \
        else None
    if case is None and answer.example_id in knowledge:
        case = knowledge[answer.example_id].case_study
    changes: Dict[str, Any] = {"fact_id": answer.fact_id}
    if case is not None:
        changes["case_study_id"] = case
    if answer.example_id:
        shown = {q.text for q in answer.quotes if q.item_id == answer.example_id}
        example = knowledge[answer.example_id].quotes if answer.example_id in knowledge else ()
        changes["example_quotes_shown"] = sum(1 << n for n, quote in enumerate(example) if quote in shown)
    return changes


class _AnswerAction(WithEngine, Action, abc.ABC):
    """Runs one bot.answer function; a knowledge failure becomes the canned 'unavailable' reply."""

    @abc.abstractmethod
    def answer(self, tracker: Tracker, memory: compose.Memory) -> tuple[t.Answer, Optional[str]]:
        raise NotImplementedError

    async def answer_async(self, tracker: Tracker, memory: compose.Memory) -> tuple[t.Answer, Optional[str]]:
        return self.answer(tracker, memory)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        memory = memory_from(tracker)
        try:
            answer, query = await self.answer_async(tracker, memory)
        except CoachError as exc:
            log.error("knowledge unavailable: %s", exc)
            answer, query = compose.canned(t.KNOWLEDGE_UNAVAILABLE), None
        # A new question starts a new thread: what earlier questions showed is forgotten.
        return utter(dispatcher, answer, compose.Memory() if query is not None else memory, query, stored=memory,
                     knowledge=self.engine.knowledge)


class ActionAnswerQuestion(_AnswerAction):
    """A question; or a follow-up, a correction or a request to share the plan (bot.answer.followups)."""

    def name(self) -> Text:
        return "action_answer_question"

    async def run(self, dispatcher, tracker, domain):
        text = tracker.latest_message.get("text") or ""
        memory = memory_from(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == replies.CHOICE_INTENT and (replies.parse_payload(text) is not None
                                              or len(text.split()) <= MAX_STRAY_CHOICE_WORDS):
            # A coaching button, or "yes" / "stuck", outside a form: nothing to choose from now.
            dispatcher.utter_message(response="utter_coach_not_active")
            return []
        if followups.wants_to_share(text) and tracker.get_slot("coach_plan"):
            return share_plan(self.engine, dispatcher, tracker)
        if followups.is_correction(text) and followups.has_context(memory):
            return correction(self.engine, dispatcher, tracker, memory)
        return await super().run(dispatcher, tracker, domain)

    def answer(self, tracker, memory):
        question = tracker.latest_message.get("text") or ""
        # A new question starts a new thread: what was shown before no longer limits the choice.
        return compose.compose_answer(question, self.engine, compose.Memory()), question

    async def answer_async(self, tracker, memory):
        # So the answer depends on the text alone, and NLU may have had it composed already (bot.server.prefetch).
        question = tracker.latest_message.get("text") or ""
        prefetched = await prefetch.take_answer(question)
        engine = self.engine
        # "why?", "who did that?": about what was just shown, so the memory is kept (query None).
        followed = followups.follow_up(question, engine, memory)
        if followed is not None:
            return followed, None
        answer, query = (prefetched, question) if prefetched else self.answer(tracker, memory)
        if answer.status == t.OUT_OF_SCOPE:
            # "what did Kent do with the ambulance service?": the named case study's own sentences.
            answer = followups.case_question(question, engine) or answer
        return answer, query


class ActionAnotherEnabler(_AnswerAction):
    def name(self) -> Text:
        return "action_another_enabler"

    def answer(self, tracker, memory):
        return compose.another_enabler(self.engine, memory), None


class ActionShowExample(_AnswerAction):
    def name(self) -> Text:
        return "action_show_example"

    def answer(self, tracker, memory):
        text = tracker.latest_message.get("text") or ""
        if followups.PRACTICE.search(followups.plain(text)) and not text.startswith("/"):
            # "what does that mean in practice?": more than the example already shown, not it again.
            return followups.in_practice(self.engine, memory) or compose.show_example(self.engine, memory), None
        return compose.show_example(self.engine, memory), None


class ActionAnotherExample(_AnswerAction):
    def name(self) -> Text:
        return "action_another_example"

    def answer(self, tracker, memory):
        return compose.show_example(self.engine, memory, another=True), None


class ActionChooseTopic(_AnswerAction):
    def name(self) -> Text:
        return "action_choose_topic"

    def answer(self, tracker, memory):
        topic = next(tracker.get_latest_entity_values("topic_id"), None)
        return compose.answer_topic(self.engine, topic or "", memory), None


class ActionEnablersOverview(_AnswerAction):
    def name(self) -> Text:
        return "action_enablers_overview"

    def answer(self, tracker, memory):
        return compose.enablers_overview(self.engine), None


class ActionRecordFeedback(WithEngine, Action):
    """Stores helpful / not helpful against the last answer as a slot event in the tracker."""

    def name(self) -> Text:
        return "action_record_feedback"

    async def run(self, dispatcher, tracker, domain):
        helpful = tracker.get_intent_of_latest_message() == "feedback_helpful"
        text = tracker.latest_message.get("text") or ""
        typed = bool(text.strip()) and not text.lstrip().startswith("/")
        if not helpful and typed and followups.has_context(memory_from(tracker)):
            # "that answer wasn't right", "that didn't help": a different answer, not just "try
            # rephrasing". A click on "not helpful" (a /payload) stays a rating.
            return correction(self.engine, dispatcher, tracker, memory_from(tracker))
        answer_id = tracker.get_slot("last_answer_id")
        if not answer_id:
            dispatcher.utter_message(response="utter_feedback_nothing_to_rate")
            return []
        dispatcher.utter_message(response="utter_feedback_helpful" if helpful else "utter_feedback_unhelpful")
        return [SlotSet("feedback", {"answer_id": answer_id, "helpful": helpful})]


def correction(engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker,
               memory: compose.Memory) -> List[Dict[Text, Any]]:
    """A different answer after "that's not what I meant", and the correction recorded as negative
    feedback on the answer it corrects (`reason: corrected`, next to helpful / not helpful)."""
    corrected = tracker.get_slot("last_answer_id")
    try:
        answer, query = followups.correct(tracker.latest_message.get("text") or "", engine, memory)
    except CoachError as exc:
        log.error("knowledge unavailable: %s", exc)
        answer, query = compose.canned(t.KNOWLEDGE_UNAVAILABLE), None
    events = utter(dispatcher, answer, memory, query, stored=memory, knowledge=engine.knowledge)
    if corrected:
        events.append(SlotSet("feedback", {"answer_id": corrected, "helpful": False, "reason": "corrected"}))
    return events


def share_plan(engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """The plan as text to copy into an e-mail or a message; the coach never sends e-mail itself."""
    from bot.coaching import plan  # the coaching core; imported here so Q&A never loads it first

    card = tracker.get_slot("coach_plan")
    try:
        answer, share = plan.share(engine, card)
    except CoachError as exc:
        return unavailable(dispatcher, exc)
    send(dispatcher, answer, plan=card, share=share)
    return []
