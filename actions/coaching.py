"""Thin actions for entering, leaving and finishing guided coaching and the health check: slots in,
bot.coaching out, events back.

The forms' validation is in actions/coaching_forms.py, the step questions in actions/coaching_questions.py;
the logic lives in bot/coaching.
"""

from __future__ import annotations

import abc
from typing import Any, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import memory_from, remember, send, share_plan
from actions.coaching_forms import ValidateCoachingForm
from actions.wiring import WithEngine, unavailable
from bot.answer import followups
from bot.answer import types as t
from bot.coaching import cues, diagnose, flow, health, plan
from bot.engine import Engine
from bot.errors import CoachError

REQUESTED = "requested_slot"


def memory_event(answer: t.Answer, tracker: Tracker) -> EventType:
    """What "show the example" / "another enabler" should refer to after a coaching answer."""
    return remember(memory_from(tracker), enabler_id=answer.enabler_id, challenge_id=answer.challenge_id,
                    example_id=answer.example_id,
                    shown_enablers=[answer.enabler_id] if answer.enabler_id else [],
                    shown_examples=[answer.example_id] if answer.example_id else [])


class EngineAction(WithEngine, Action, abc.ABC):
    """An action that answers from the knowledge (if that fails mid-turn: "briefly unavailable")."""

    action_name: str

    def name(self) -> Text:
        return self.action_name

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        try:
            return self.act(self.engine, dispatcher, tracker)
        except CoachError as exc:
            return unavailable(dispatcher, exc)

    @abc.abstractmethod
    def act(self, engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]: ...


class ActionCoachingStart(EngineAction):
    """Clears any earlier coaching (and plan); keeps what the opening message already said."""

    action_name = "action_coaching_start"

    def act(self, engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        step = tracker.get_slot(REQUESTED)
        text = tracker.latest_message.get("text") or ""
        if (tracker.active_loop.get("name") == flow.COACHING_FORM and step in cues.FREE_TEXT_STEPS
                and not cues.is_start_command(text)):
            # NLU heard "start coaching" in a sentence typed at a free-text step ("partnership to get
            # rough sleepers into housing with the council"): it is that step's answer, read by the step's
            # own validator (partners in a purpose and all). The form then asks the next step; Rasa does
            # not validate slots set by an action that runs before it.
            validate = getattr(ValidateCoachingForm(engine), f"validate_{step}")
            return [SlotSet(k, v) for k, v in validate(text, dispatcher, tracker, {}).items()]
        events: List[EventType] = [SlotSet(s, None) for s in flow.COACHING_SLOTS] + [SlotSet(REQUESTED, None)]
        theme = next(tracker.get_latest_entity_values("coach_theme"), None)
        if theme in diagnose.themes(engine.knowledge):
            events.append(SlotSet(flow.THEME, theme))
        found = cues.prefill_from_opening(text)
        if "stage" in found:
            events.append(SlotSet(flow.STAGE, found["stage"]))
        if "partners" in found:
            events.append(SlotSet(flow.PARTNERS, found["partners"]))
        dispatcher.utter_message(response="utter_coach_intro")
        if found:
            dispatcher.utter_message(text=cues.describe_prefill(found))
        return events


class ActionCoachingBack(Action):
    def name(self) -> Text:
        return "action_coaching_back"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if not tracker.active_loop.get("name"):
            # Right after a plan the "when" reply invites "go back": reopen the form at that step, the
            # other answers kept (the plan is rebuilt when it is answered). Otherwise nothing to go back in.
            if tracker.get_slot(flow.PLAN) and tracker.get_slot(flow.WHEN):
                dispatcher.utter_message(response="utter_coach_going_back")
                return [SlotSet(flow.WHEN, None), FollowupAction(flow.COACHING_FORM)]
            dispatcher.utter_message(response="utter_coach_not_active")
            return []
        cleared = flow.go_back(tracker.active_loop.get("name"), tracker.slots, tracker.get_slot(REQUESTED))
        if cleared is None:
            dispatcher.utter_message(response="utter_coach_back_at_start")
            return []
        dispatcher.utter_message(response="utter_coach_going_back")
        return [SlotSet(s, None) for s in cleared]


class ActionCoachingStop(Action):
    def name(self) -> Text:
        return "action_coaching_stop"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        form = tracker.active_loop.get("name")
        dispatcher.utter_message(response="utter_health_stopped" if form == flow.HEALTH_FORM else "utter_coach_stopped")
        return [ActiveLoop(None), SlotSet(REQUESTED, None)]


class ActionCoachingPlan(EngineAction):
    action_name = "action_coaching_plan"

    def act(self, engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        answer, card = plan.build_plan(engine, tracker.slots)
        send(dispatcher, answer, plan=card)
        return [SlotSet(flow.PLAN, card), SlotSet("last_answer_id", answer.payload["answer_id"]),
                memory_event(answer, tracker)]


class ActionShowPlan(EngineAction):
    action_name = "action_show_plan"

    def act(self, engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        card = tracker.get_slot(flow.PLAN)
        if not card:
            dispatcher.utter_message(response="utter_coach_no_plan")
            return []
        if followups.wants_to_share(tracker.latest_message.get("text") or ""):
            return share_plan(engine, dispatcher, tracker)   # "share my plan": the copyable text
        answer, card = plan.build_plan(engine, plan.slots_of(card))
        send(dispatcher, answer, plan=card)
        return []


class ActionHealthStart(Action):
    def name(self) -> Text:
        return "action_health_start"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        dispatcher.utter_message(response="utter_health_intro")
        return [SlotSet(s, None) for s in flow.HEALTH_STEPS] + [SlotSet(REQUESTED, None)]


class ActionHealthResult(EngineAction):
    action_name = "action_health_result"

    def act(self, engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        answer = health.result_answer(engine, tracker.slots)
        send(dispatcher, answer)
        return [SlotSet("last_answer_id", answer.payload["answer_id"]), memory_event(answer, tracker)]
