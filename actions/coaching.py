"""Thin actions for guided coaching and the health check: slots in, bot.coaching out, events back.

The forms (domain.yml `coaching_form`, `health_form`) ask; the FormValidationActions here accept or
refuse each reply with bot.coaching.steps; the logic lives in bot/coaching.
"""

from __future__ import annotations

import abc
import logging
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import memory_from, remember, send, share_plan, utter
from bot.answer import compose, followups
from bot.answer import types as t
from bot.coaching import diagnose, flow, health, plan, scores, steps
from bot.engine import Engine, load_engine
from bot.errors import CoachError

log = logging.getLogger(__name__)
REQUESTED = "requested_slot"
Slots = Dict[Text, Any]


def _engine(dispatcher: CollectingDispatcher) -> Optional[Engine]:
    try:
        return load_engine()
    except CoachError as exc:
        log.error("knowledge unavailable: %s", exc)
        dispatcher.utter_message(response="utter_error_knowledge_unavailable")
        return None


def _send(dispatcher: CollectingDispatcher, answer: t.Answer, **extra: Any) -> None:
    send(dispatcher, answer, **extra)


def _memory_event(answer: t.Answer, tracker: Tracker) -> EventType:
    """What "show the example" / "another enabler" should refer to after a coaching answer."""
    return remember(memory_from(tracker), enabler_id=answer.enabler_id, challenge_id=answer.challenge_id,
                    example_id=answer.example_id,
                    shown_enablers=[answer.enabler_id] if answer.enabler_id else [],
                    shown_examples=[answer.example_id] if answer.example_id else [])


class _StepValidation(FormValidationAction):
    """Shared handling of a checked reply: keep it, or say why not (and answer a typed question)."""

    @abc.abstractmethod
    def name(self) -> Text: ...

    def settle(self, slot: str, checked: steps.Checked, dispatcher: CollectingDispatcher, tracker: Tracker,
               button_step: bool = False) -> Slots:
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if tracker.slots_to_validate().get(slot, "") is None:
            # A slot cleared by a start or "go back" action (Rasa validates those too) is not an
            # answer: nothing to say. Saying "I didn't catch an answer" here printed six strays.
            return {slot: None}
        asked = steps.is_question(text, intent) if button_step else steps.is_plain_question(text, intent)
        if isinstance(checked, steps.Accepted) and (button_step or not asked):
            return {slot: checked.value}
        if asked:
            engine = _engine(dispatcher)
            if engine is None:
                return {slot: None}
            memory = memory_from(tracker)
            followed = followups.follow_up(text, engine, memory)
            if followed is not None:
                events = utter(dispatcher, followed, memory)
            else:
                events = utter(dispatcher, compose.compose_answer(text, engine, compose.Memory()), memory, text)
            return {slot: None, **{e["name"]: e["value"] for e in events if e.get("event") == "slot"}}
        dispatcher.utter_message(response=checked.response)
        return {slot: None}


class ValidateCoachingForm(_StepValidation):
    def name(self) -> Text:
        return "validate_coaching_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: Dict[Text, Any]) -> List[Text]:
        return flow.coaching_steps(tracker.slots)

    def validate_coach_purpose(self, value, dispatcher, tracker, domain) -> Slots:
        settled = self.settle(flow.PURPOSE, steps.check_purpose(value), dispatcher, tracker)
        found = steps.partners_in(settled.get(flow.PURPOSE)) if tracker.get_slot(flow.PARTNERS) is None else None
        if found:
            # "...with the district council and a housing charity": noted and said, not asked again.
            dispatcher.utter_message(text=steps.describe_partners(found))
            settled[flow.PARTNERS] = found
        return settled

    def validate_coach_partners(self, value, dispatcher, tracker, domain) -> Slots:
        return self.settle(flow.PARTNERS, steps.check_partners(value), dispatcher, tracker)

    def validate_coach_stage(self, value, dispatcher, tracker, domain) -> Slots:
        return self.settle(flow.STAGE, steps.check_stage(value), dispatcher, tracker, button_step=True)

    def validate_coach_theme(self, value, dispatcher, tracker, domain) -> Slots:
        engine = _engine(dispatcher)
        if engine is None:
            return {flow.THEME: None}
        checked = steps.check_theme(value, diagnose.themes(engine.knowledge))
        if checked == steps.NOT_AN_OPTION and steps.looks_like_a_problem(value):
            # The leader described the difficulty instead of picking a theme: match it to a challenge
            # (any theme) and ask "That sounds like ..., is that it?".
            described = self._describe(engine, value, None, dispatcher)
            if described.get(flow.CANDIDATE):
                theme = engine.knowledge[described[flow.CANDIDATE]].theme
                return {flow.THEME: theme, flow.CHALLENGE: steps.OTHER_CHALLENGE, **described}
            return {flow.THEME: None}
        return self.settle(flow.THEME, checked, dispatcher, tracker, button_step=True)

    def validate_coach_challenge(self, value, dispatcher, tracker, domain) -> Slots:
        engine = _engine(dispatcher)
        if engine is None:
            return {flow.CHALLENGE: None}
        theme = tracker.get_slot(flow.THEME)
        checked = steps.check_challenge(value, diagnose.challenges(engine.knowledge, theme))
        if isinstance(checked, steps.Accepted) and isinstance(checked.value, tuple):
            # Typed in their own words at the list: treat it as "something else" with that description.
            return {flow.CHALLENGE: steps.OTHER_CHALLENGE,
                    **self._describe(engine, checked.value[1], theme, dispatcher)}
        return self.settle(flow.CHALLENGE, checked, dispatcher, tracker, button_step=True)

    def validate_coach_challenge_description(self, value, dispatcher, tracker, domain) -> Slots:
        checked = steps.check_description(value)
        if isinstance(checked, steps.Refused):
            return self.settle(flow.DESCRIPTION, checked, dispatcher, tracker)
        engine = _engine(dispatcher)
        if engine is None:
            return {flow.DESCRIPTION: None}
        return self._describe(engine, checked.value, tracker.get_slot(flow.THEME), dispatcher)

    @staticmethod
    def _describe(engine: Engine, text: str, theme: Optional[str], dispatcher: CollectingDispatcher) -> Slots:
        match = diagnose.match_challenge(engine, text, theme)
        if match is None:
            dispatcher.utter_message(response="utter_coach_no_challenge_match")
            return {flow.DESCRIPTION: None, flow.CANDIDATE: None}
        return {flow.DESCRIPTION: text, flow.CANDIDATE: match.challenge_id, flow.CONFIRMED: None}

    def validate_coach_challenge_confirmed(self, value, dispatcher, tracker, domain) -> Slots:
        checked = steps.check_confirmation(value)
        candidate = tracker.get_slot(flow.CANDIDATE)
        engine = _engine(dispatcher)
        if isinstance(checked, steps.Refused) or engine is None or candidate not in engine.knowledge:
            return self.settle(flow.CONFIRMED, checked if isinstance(checked, steps.Refused) else steps.EMPTY,
                               dispatcher, tracker, button_step=True)
        if checked.value:
            return {flow.CONFIRMED: True, flow.CHALLENGE: candidate,
                    flow.THEME: engine.knowledge[candidate].theme}
        dispatcher.utter_message(response="utter_coach_challenge_not_confirmed")
        return {flow.CONFIRMED: None, flow.CHALLENGE: None, flow.DESCRIPTION: None, flow.CANDIDATE: None}

    def validate_coach_first_step(self, value, dispatcher, tracker, domain) -> Slots:
        return self.settle(flow.FIRST_STEP, steps.check_first_step(value), dispatcher, tracker)

    def validate_coach_step_when(self, value, dispatcher, tracker, domain) -> Slots:
        checked = steps.check_when(value)
        settled = self.settle(flow.WHEN, checked, dispatcher, tracker)
        if settled.get(flow.WHEN) is not None:
            when = settled[flow.WHEN]
            if when.reading and steps.parse_payload(value) is None:
                dispatcher.utter_message(text=f"Noted: “{when.said}” — I've read that as {when.reading}. "
                                              "Say \"go back\" if you meant something else.")
            settled[flow.WHEN] = when.label
        return settled


class ValidateHealthForm(_StepValidation):
    def name(self) -> Text:
        return "validate_health_form"


def _score_validator(slot: str) -> Callable[..., Slots]:
    def validate(self, value, dispatcher, tracker, domain) -> Slots:
        settled = self.settle(slot, scores.check_score(value), dispatcher, tracker, button_step=True)
        said = scores.score_in_words(value, settled[slot]) if settled.get(slot) is not None else None
        if said:
            dispatcher.utter_message(text=said)   # "mostly agree" -> 4, shown back so it can be corrected
        return settled
    return validate


for _slot in flow.HEALTH_STEPS:
    setattr(ValidateHealthForm, f"validate_{_slot}", _score_validator(_slot))


# --- asking --------------------------------------------------------------------------------------

class _ActionAskWithButtons(Action):
    """A button step: its question is the domain response; its buttons come from bot.coaching.steps."""

    slot = ""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        dispatcher.utter_message(response=f"utter_ask_{self.slot}", buttons=steps.step_buttons(self.slot))
        return []


class ActionAskCoachPartners(_ActionAskWithButtons):
    slot = flow.PARTNERS


class ActionAskCoachStage(_ActionAskWithButtons):
    slot = flow.STAGE


class ActionAskCoachStepWhen(_ActionAskWithButtons):
    slot = flow.WHEN


class _EngineAction(Action, abc.ABC):
    """An action that needs the knowledge (without it: "briefly unavailable"); only subclasses register."""

    action_name: str

    def name(self) -> Text:
        return self.action_name

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        engine = _engine(dispatcher)
        return [] if engine is None else self.act(engine, dispatcher, tracker)

    @abc.abstractmethod
    def act(self, engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]: ...


def _ask(dispatcher: CollectingDispatcher, prompt: Optional[diagnose.Prompt]) -> List[EventType]:
    """Ask with a prompt built from the knowledge (bot.coaching.diagnose); nothing when there is none."""
    if prompt is not None:
        dispatcher.utter_message(text=prompt.text, buttons=prompt.buttons, json_message=prompt.custom)
    return []


class ActionAskCoachTheme(_EngineAction):
    action_name = "action_ask_coach_theme"

    def act(self, engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        return _ask(dispatcher, diagnose.theme_prompt(engine.knowledge))


class ActionAskCoachChallenge(_EngineAction):
    action_name = "action_ask_coach_challenge"

    def act(self, engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        return _ask(dispatcher, diagnose.challenge_prompt(engine.knowledge, tracker.get_slot(flow.THEME) or ""))


class ActionAskCoachChallengeConfirmed(_EngineAction):
    action_name = "action_ask_coach_challenge_confirmed"

    def act(self, engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        candidate = tracker.get_slot(flow.CANDIDATE)
        if candidate not in engine.knowledge:
            return []
        return _ask(dispatcher, diagnose.confirm_prompt(engine.knowledge, candidate, tracker.get_slot(flow.THEME)))


class ActionAskCoachFirstStep(Action):
    """Shows the recommendation once per challenge, then asks for the first step."""

    def name(self) -> Text:
        return "action_ask_coach_first_step"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        challenge = tracker.get_slot(flow.CHALLENGE)
        events: List[EventType] = []
        if tracker.get_slot(flow.RECOMMENDED) != challenge:
            engine = _engine(dispatcher)
            if engine is None or challenge not in engine.knowledge:
                return []
            answer = plan.recommendation(engine, challenge)
            _send(dispatcher, answer)
            events = [SlotSet(flow.RECOMMENDED, challenge), SlotSet("last_answer_id", answer.payload["answer_id"])]
            events.append(_memory_event(answer, tracker))
        dispatcher.utter_message(response="utter_ask_coach_first_step")
        return events


class _ActionAskHealth(Action):
    slot = ""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        text, buttons = health.statement_prompt(self.slot)
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


for _slot in flow.HEALTH_STEPS:
    type(f"ActionAsk_{_slot}", (_ActionAskHealth,), {"slot": _slot})


# --- entering, leaving, finishing ----------------------------------------------------------------

class ActionCoachingStart(Action):
    """Clears any earlier coaching (and plan); keeps what the opening message already said."""

    def name(self) -> Text:
        return "action_coaching_start"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        step = tracker.get_slot(REQUESTED)
        text = tracker.latest_message.get("text") or ""
        if (tracker.active_loop.get("name") == flow.COACHING_FORM and step in steps.FREE_TEXT_STEPS
                and not steps.is_start_command(text)):
            # NLU heard "start coaching" in a sentence typed at a free-text step ("partnership to get
            # rough sleepers into housing with the council"): it is that step's answer, read by the step's
            # own validator (partners in a purpose and all). The form then asks the next step; Rasa does
            # not validate slots set by an action that runs before it.
            validate = getattr(ValidateCoachingForm(), f"validate_{step}")
            return [SlotSet(k, v) for k, v in validate(text, dispatcher, tracker, domain).items()]
        events: List[EventType] = [SlotSet(s, None) for s in flow.COACHING_SLOTS] + [SlotSet(REQUESTED, None)]
        theme = next(tracker.get_latest_entity_values("coach_theme"), None)
        engine = _engine(dispatcher)
        if engine is not None and theme in diagnose.themes(engine.knowledge):
            events.append(SlotSet(flow.THEME, theme))
        found = steps.prefill_from_opening(tracker.latest_message.get("text") or "")
        if "stage" in found:
            events.append(SlotSet(flow.STAGE, found["stage"]))
        if "partners" in found:
            events.append(SlotSet(flow.PARTNERS, found["partners"]))
        dispatcher.utter_message(response="utter_coach_intro")
        if found:
            dispatcher.utter_message(text=steps.describe_prefill(found))
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


class ActionCoachingPlan(_EngineAction):
    action_name = "action_coaching_plan"

    def act(self, engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        answer, card = plan.build_plan(engine, tracker.slots)
        _send(dispatcher, answer, plan=card)
        return [SlotSet(flow.PLAN, card), SlotSet("last_answer_id", answer.payload["answer_id"]),
                _memory_event(answer, tracker)]


class ActionShowPlan(Action):
    def name(self) -> Text:
        return "action_show_plan"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        card = tracker.get_slot(flow.PLAN)
        engine = _engine(dispatcher)
        if not card or engine is None:
            if engine is not None:
                dispatcher.utter_message(response="utter_coach_no_plan")
            return []
        if followups.wants_to_share(tracker.latest_message.get("text") or ""):
            return share_plan(dispatcher, tracker)   # "share my plan": the copyable text
        answer, card = plan.build_plan(engine, plan.slots_of(card))
        _send(dispatcher, answer, plan=card)
        return []


class ActionHealthStart(Action):
    def name(self) -> Text:
        return "action_health_start"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        dispatcher.utter_message(response="utter_health_intro")
        return [SlotSet(s, None) for s in flow.HEALTH_STEPS] + [SlotSet(REQUESTED, None)]


class ActionHealthResult(_EngineAction):
    action_name = "action_health_result"

    def act(self, engine: Engine, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        answer = health.result_answer(engine, tracker.slots)
        _send(dispatcher, answer)
        return [SlotSet("last_answer_id", answer.payload["answer_id"]), _memory_event(answer, tracker)]
