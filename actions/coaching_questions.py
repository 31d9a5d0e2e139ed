"""Asking each coaching and health-check step: buttons the domain cannot template, prompts built from
the knowledge (bot.coaching.diagnose), and the recommendation shown before the first step is asked."""

from __future__ import annotations

from typing import List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.coaching import EngineAction, memory_event, send
from bot.coaching import diagnose, flow, health, plan, steps
from bot.engine import Engine


class _ActionAsk(Action):
    """Asks one form step (Rasa runs `action_ask_<slot>` when the form needs that slot)."""

    slot = ""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"


class _ActionAskWithButtons(_ActionAsk):
    """A button step: its question is the domain response; its buttons come from bot.coaching.steps."""

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        dispatcher.utter_message(response=f"utter_ask_{self.slot}", buttons=steps.step_buttons(self.slot))
        return []


class ActionAskCoachPartners(_ActionAskWithButtons):
    slot = flow.PARTNERS


class ActionAskCoachStage(_ActionAskWithButtons):
    slot = flow.STAGE


class ActionAskCoachStepWhen(_ActionAskWithButtons):
    slot = flow.WHEN


def _ask(dispatcher: CollectingDispatcher, prompt: Optional[diagnose.Prompt]) -> List[EventType]:
    """Ask with a prompt built from the knowledge (bot.coaching.diagnose); nothing when there is none."""
    if prompt is not None:
        dispatcher.utter_message(text=prompt.text, buttons=prompt.buttons, json_message=prompt.custom)
    return []


class ActionAskCoachTheme(EngineAction):
    action_name = "action_ask_coach_theme"

    def act(self, engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        return _ask(dispatcher, diagnose.theme_prompt(engine.knowledge))


class ActionAskCoachChallenge(EngineAction):
    action_name = "action_ask_coach_challenge"

    def act(self, engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        return _ask(dispatcher, diagnose.challenge_prompt(engine.knowledge, tracker.get_slot(flow.THEME) or ""))


class ActionAskCoachChallengeConfirmed(EngineAction):
    action_name = "action_ask_coach_challenge_confirmed"

    def act(self, engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        candidate = tracker.get_slot(flow.CANDIDATE)
        if candidate not in engine.knowledge:
            return []
        return _ask(dispatcher, diagnose.confirm_prompt(engine.knowledge, candidate, tracker.get_slot(flow.THEME)))


class ActionAskCoachFirstStep(EngineAction):
    """Shows the recommendation once per challenge, then asks for the first step."""

    action_name = "action_ask_coach_first_step"

    def act(self, engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        challenge = tracker.get_slot(flow.CHALLENGE)
        events: List[EventType] = []
        if tracker.get_slot(flow.RECOMMENDED) != challenge:
            if challenge not in engine.knowledge:
                return []
            answer = plan.recommendation(engine, challenge)
            send(dispatcher, answer)
            events = [SlotSet(flow.RECOMMENDED, challenge), SlotSet("last_answer_id", answer.payload["answer_id"]),
                      memory_event(answer, tracker)]
        dispatcher.utter_message(response="utter_ask_coach_first_step")
        return events


class _ActionAskHealth(_ActionAsk):
    """A health-check statement with its five agree/disagree buttons (one action per statement)."""

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        text, buttons = health.statement_prompt(self.slot)
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


# One class per statement, so the action server registers an `action_ask_<statement>` for each.
HEALTH_QUESTIONS = [type(f"ActionAsk_{_slot}", (_ActionAskHealth,), {"slot": _slot}) for _slot in flow.HEALTH_STEPS]
