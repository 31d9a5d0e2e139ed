"""The coaching and health-check forms' validation: each reply kept, or refused with the reason.

The forms (domain.yml `coaching_form`, `health_form`) ask; these FormValidationActions accept or refuse
each reply with bot.coaching.steps, answer a question typed mid-form, and note what a reply says
beyond its step (bot.coaching.cues). The logic lives in bot/coaching.
"""

from __future__ import annotations

import abc
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import memory_from, utter
from actions.wiring import WithEngine, unavailable
from bot.answer import compose, followups
from bot.coaching import cues, diagnose, flow, replies, scores, steps
from bot.engine import Engine
from bot.errors import CoachError

Slots = Dict[Text, Any]


class _StepValidation(WithEngine, FormValidationAction):
    """Shared handling of a checked reply: keep it, or say why not (and answer a typed question)."""

    @abc.abstractmethod
    def name(self) -> Text: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        try:
            return await super().run(dispatcher, tracker, domain)
        except CoachError as exc:
            return unavailable(dispatcher, exc)

    def settle(self, slot: str, checked: replies.Checked, dispatcher: CollectingDispatcher, tracker: Tracker,
               button_step: bool = False) -> Slots:
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if tracker.slots_to_validate().get(slot, "") is None:
            # A slot cleared by a start or "go back" action (Rasa validates those too) is not an
            # answer: nothing to say. Saying "I didn't catch an answer" here printed six strays.
            return {slot: None}
        asked = cues.is_question(text, intent) if button_step else cues.is_plain_question(text, intent)
        if isinstance(checked, replies.Accepted) and (button_step or not asked):
            return {slot: checked.value}
        if asked:
            memory = memory_from(tracker)
            followed = followups.follow_up(text, self.engine, memory)
            knowledge = self.engine.knowledge
            if followed is not None:
                events = utter(dispatcher, followed, memory, knowledge=knowledge)
            else:
                answer = compose.compose_answer(text, self.engine, compose.Memory())
                events = utter(dispatcher, answer, memory, text, knowledge=knowledge)
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
        found = cues.partners_in(settled.get(flow.PURPOSE)) if tracker.get_slot(flow.PARTNERS) is None else None
        if found:
            # "...with the district council and a housing charity": noted and said, not asked again.
            dispatcher.utter_message(text=cues.describe_partners(found))
            settled[flow.PARTNERS] = found
        return settled

    def validate_coach_partners(self, value, dispatcher, tracker, domain) -> Slots:
        return self.settle(flow.PARTNERS, steps.check_partners(value), dispatcher, tracker)

    def validate_coach_stage(self, value, dispatcher, tracker, domain) -> Slots:
        return self.settle(flow.STAGE, steps.check_stage(value), dispatcher, tracker, button_step=True)

    def validate_coach_theme(self, value, dispatcher, tracker, domain) -> Slots:
        knowledge = self.engine.knowledge
        checked = steps.check_theme(value, diagnose.themes(knowledge))
        if checked == replies.NOT_AN_OPTION and cues.looks_like_a_problem(value):
            # The leader described the difficulty instead of picking a theme: match it to a challenge
            # (any theme) and ask "That sounds like ..., is that it?".
            described = self._describe(self.engine, value, None, dispatcher)
            if described.get(flow.CANDIDATE):
                theme = knowledge[described[flow.CANDIDATE]].theme
                return {flow.THEME: theme, flow.CHALLENGE: steps.OTHER_CHALLENGE, **described}
            return {flow.THEME: None}
        return self.settle(flow.THEME, checked, dispatcher, tracker, button_step=True)

    def validate_coach_challenge(self, value, dispatcher, tracker, domain) -> Slots:
        theme = tracker.get_slot(flow.THEME)
        checked = steps.check_challenge(value, diagnose.challenges(self.engine.knowledge, theme))
        if isinstance(checked, replies.Accepted) and isinstance(checked.value, tuple):
            # Typed in their own words at the list: treat it as "something else" with that description.
            return {flow.CHALLENGE: steps.OTHER_CHALLENGE,
                    **self._describe(self.engine, checked.value[1], theme, dispatcher)}
        return self.settle(flow.CHALLENGE, checked, dispatcher, tracker, button_step=True)

    def validate_coach_challenge_description(self, value, dispatcher, tracker, domain) -> Slots:
        checked = steps.check_description(value)
        if isinstance(checked, replies.Refused):
            return self.settle(flow.DESCRIPTION, checked, dispatcher, tracker)
        return self._describe(self.engine, checked.value, tracker.get_slot(flow.THEME), dispatcher)

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
        knowledge = self.engine.knowledge
        if isinstance(checked, replies.Refused) or candidate not in knowledge:
            return self.settle(flow.CONFIRMED, checked if isinstance(checked, replies.Refused) else replies.EMPTY,
                               dispatcher, tracker, button_step=True)
        if checked.value:
            return {flow.CONFIRMED: True, flow.CHALLENGE: candidate, flow.THEME: knowledge[candidate].theme}
        dispatcher.utter_message(response="utter_coach_challenge_not_confirmed")
        return {flow.CONFIRMED: None, flow.CHALLENGE: None, flow.DESCRIPTION: None, flow.CANDIDATE: None}

    def validate_coach_first_step(self, value, dispatcher, tracker, domain) -> Slots:
        return self.settle(flow.FIRST_STEP, steps.check_first_step(value), dispatcher, tracker)

    def validate_coach_step_when(self, value, dispatcher, tracker, domain) -> Slots:
        checked = steps.check_when(value)
        settled = self.settle(flow.WHEN, checked, dispatcher, tracker)
        if settled.get(flow.WHEN) is not None:
            when = settled[flow.WHEN]
            if when.reading and replies.parse_payload(value) is None:
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
