"""The form validation actions, run as the action server runs them (no Rasa): every coaching and
health-check slot refuses empty, 5,000-character and wrong-step replies, and says why."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.coaching_forms import ValidateCoachingForm, ValidateHealthForm
from bot.coaching import flow
from bot.coaching.steps import choice_payload
from tests.coaching.trackers import make_tracker

HUGE = "x" * 5000
WRONG_THEME = choice_payload("theme", "structures")
COACHING_SLOTS = [flow.PURPOSE, flow.PARTNERS, flow.STAGE, flow.THEME, flow.CHALLENGE, flow.DESCRIPTION,
                  flow.CONFIRMED, flow.FIRST_STEP, flow.WHEN]
# What has been answered before each step is asked (the challenge needs its theme; the confirmation a candidate).
BEFORE = {flow.CHALLENGE: {flow.THEME: "motivations"},
          flow.CONFIRMED: {flow.THEME: "motivations", flow.CHALLENGE: "other",
                           flow.CANDIDATE: "competing_priorities"}}


def validate(action, slot, value, slots=None, intent="ask_question"):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots or BEFORE.get(slot, {}), text=value if isinstance(value, str) else "",
                           intent=intent, requested=slot,
                           form=flow.HEALTH_FORM if slot in flow.HEALTH_STEPS else flow.COACHING_FORM)
    result = getattr(action, f"validate_{slot}")(value, dispatcher, tracker, {})
    return result, [m.get("response") or m.get("text") for m in dispatcher.messages]


def _action(engine, slot):
    return ValidateHealthForm(engine) if slot in flow.HEALTH_STEPS else ValidateCoachingForm(engine)


@pytest.mark.parametrize("slot", COACHING_SLOTS + flow.HEALTH_STEPS)
@pytest.mark.parametrize("bad", ["", HUGE, WRONG_THEME])
def test_every_validator_refuses_empty_huge_and_wrong_step_values_politely(fake_engine, slot, bad):
    if slot == flow.THEME and bad == WRONG_THEME:
        bad = choice_payload("stage", "stuck")  # a theme payload is right at the theme step
    result, said = validate(_action(fake_engine, slot), slot, bad, intent="coach_choice" if bad.startswith("/") else "nlu_fallback")
    assert result.get(slot) is None
    assert len(said) == 1 and said[0].startswith("utter_coach_invalid_")


@pytest.mark.parametrize("slot", COACHING_SLOTS + flow.HEALTH_STEPS)
def test_a_5000_character_reply_gets_the_too_long_or_not_an_option_reply(fake_engine, slot):
    _, said = validate(_action(fake_engine, slot), slot, HUGE)
    assert said[0] in ("utter_coach_invalid_too_long", "utter_coach_invalid_option")


def test_a_challenge_button_from_another_themes_list_is_refused(fake_engine):
    result, said = validate(ValidateCoachingForm(fake_engine), flow.CHALLENGE,
                            choice_payload("challenge", "siloed_funding_and_competition"), intent="coach_choice")
    assert result == {flow.CHALLENGE: None}
    assert said == ["utter_coach_invalid_wrong_step"]


def test_a_challenge_button_from_this_theme_is_kept(fake_engine):
    result, said = validate(ValidateCoachingForm(fake_engine), flow.CHALLENGE,
                            choice_payload("challenge", "competing_priorities"), intent="coach_choice")
    assert result == {flow.CHALLENGE: "competing_priorities"} and said == []


def test_a_description_is_matched_to_a_challenge_and_waits_for_confirmation(fake_engine):
    result, said = validate(ValidateCoachingForm(fake_engine), flow.DESCRIPTION, "our budgets are ring-fenced so we can't share resources",
                            slots={flow.THEME: "structures", flow.CHALLENGE: "other"})
    assert result == {flow.DESCRIPTION: "our budgets are ring-fenced so we can't share resources",
                      flow.CANDIDATE: "siloed_funding_and_competition", flow.CONFIRMED: None}
    assert said == []


def test_a_description_the_report_does_not_cover_is_not_forced_onto_a_challenge(fake_engine):
    result, said = validate(ValidateCoachingForm(fake_engine), flow.DESCRIPTION, "the canteen lasagne is cold on Tuesdays",
                            slots={flow.THEME: "structures", flow.CHALLENGE: "other"})
    assert result[flow.DESCRIPTION] is None
    assert said == ["utter_coach_no_challenge_match"]


def test_confirming_a_match_sets_the_challenge_and_its_theme(fake_engine):
    slots = {flow.THEME: "relationships", flow.CHALLENGE: "other", flow.DESCRIPTION: "budgets",
             flow.CANDIDATE: "siloed_funding_and_competition"}
    result, _ = validate(ValidateCoachingForm(fake_engine), flow.CONFIRMED, choice_payload("confirm", "yes"), slots, "coach_choice")
    assert result == {flow.CONFIRMED: True, flow.CHALLENGE: "siloed_funding_and_competition", flow.THEME: "structures"}


def test_rejecting_a_match_returns_to_the_challenge_list(fake_engine):
    slots = {flow.THEME: "structures", flow.CHALLENGE: "other", flow.DESCRIPTION: "budgets",
             flow.CANDIDATE: "siloed_funding_and_competition"}
    result, said = validate(ValidateCoachingForm(fake_engine), flow.CONFIRMED, "no", slots, "coach_choice")
    assert result == {flow.CONFIRMED: None, flow.CHALLENGE: None, flow.DESCRIPTION: None, flow.CANDIDATE: None}
    assert said == ["utter_coach_challenge_not_confirmed"]


def test_a_typed_question_at_a_button_step_is_answered_and_the_step_stays_open(fake_engine):
    result, said = validate(ValidateCoachingForm(fake_engine), flow.STAGE, "how do we overcome siloed funding?")
    assert result[flow.STAGE] is None
    assert len(said) == 1 and "funding" in said[0].lower()   # the answer, not a refusal
    assert result["answer_memory"]["enabler_id"]            # so "show the example" follows it


def test_the_coaching_form_only_asks_for_a_description_on_the_something_else_path(fake_engine):
    import asyncio

    action = ValidateCoachingForm(fake_engine)
    picked = asyncio.run(action.required_slots([], CollectingDispatcher(),
                                               make_tracker({flow.CHALLENGE: "competing_priorities"}), {}))
    described = asyncio.run(action.required_slots([], CollectingDispatcher(), make_tracker({flow.CHALLENGE: "other"}), {}))
    assert flow.DESCRIPTION not in picked and flow.CONFIRMED not in picked
    assert described == COACHING_SLOTS


def test_a_question_typed_at_a_free_text_step_is_answered_not_kept_as_the_answer(fake_engine):
    result, said = validate(ValidateCoachingForm(fake_engine), flow.PURPOSE, "how do we overcome siloed funding?")
    assert result[flow.PURPOSE] is None
    assert len(said) == 1 and "funding" in said[0].lower()


def test_a_purpose_that_reads_like_a_question_bank_entry_is_still_kept(fake_engine):
    result, said = validate(ValidateCoachingForm(fake_engine), flow.PURPOSE, "joining up support for families leaving care")
    assert result == {flow.PURPOSE: "joining up support for families leaving care"} and said == []
