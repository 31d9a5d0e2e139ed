"""The thin coaching actions, run without Rasa: what they say and which events they return."""

from __future__ import annotations

import asyncio

from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import coaching as a
from actions import coaching_forms as forms
from actions import coaching_questions as ask
from bot.coaching import flow
from tests.coaching.trackers import make_tracker
from tests.coaching.test_flow_and_plan import ANSWERED


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return events, dispatcher.messages


def slots_set(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_starting_coaching_clears_the_old_plan_and_keeps_the_theme_chosen_after_a_health_check(fake_engine):
    tracker = make_tracker({flow.PLAN: {"old": True}, flow.PURPOSE: "old purpose"}, text='/start_coaching{"coach_theme":"structures"}',
                           intent="start_coaching", form=None,
                           entities=[{"entity": "coach_theme", "value": "structures"}])
    events, said = run(a.ActionCoachingStart(fake_engine), tracker)
    slots = slots_set(events)
    assert slots[flow.PLAN] is None and slots[flow.PURPOSE] is None
    assert slots[flow.THEME] == "structures"
    assert said[0]["response"] == "utter_coach_intro"


def test_an_opening_that_says_where_things_stand_is_noted_and_told_back(fake_engine):
    tracker = make_tracker(text="our joint project with the police is stuck", intent="start_coaching", form=None)
    events, said = run(a.ActionCoachingStart(fake_engine), tracker)
    assert slots_set(events)[flow.STAGE] == "stuck"
    assert slots_set(events)[flow.PARTNERS] == {"sectors": ["police_fire"], "detail": None}
    assert "*stuck*" in said[1]["text"]


def test_go_back_clears_the_previous_step_so_the_form_asks_it_again():
    tracker = make_tracker({flow.PURPOSE: "x", flow.PARTNERS: {"sectors": ["nhs"], "detail": None}},
                           requested=flow.STAGE)
    events, said = run(a.ActionCoachingBack(), tracker)
    assert events == [SlotSet(flow.PARTNERS, None)]
    assert said[0]["response"] == "utter_coach_going_back"


def test_go_back_at_the_first_question_says_there_is_nothing_to_go_back_to():
    events, said = run(a.ActionCoachingBack(), make_tracker(requested=flow.PURPOSE))
    assert events == [] and said[0]["response"] == "utter_coach_back_at_start"


def test_stop_deactivates_the_form_and_says_how_to_resume():
    events, said = run(a.ActionCoachingStop(), make_tracker(requested=flow.STAGE))
    assert ActiveLoop(None) in events
    assert said[0]["response"] == "utter_coach_stopped"
    _, said = run(a.ActionCoachingStop(), make_tracker(form=flow.HEALTH_FORM))
    assert said[0]["response"] == "utter_health_stopped"


def test_the_plan_message_carries_the_answer_and_the_plan_and_show_my_plan_repeats_it(fake_engine):
    events, said = run(a.ActionCoachingPlan(fake_engine), make_tracker(ANSWERED, form=None))
    card = slots_set(events)[flow.PLAN]
    message = said[0]["custom"]
    assert message["answer"]["status"] == "coaching_plan" and message["plan"] == card
    _, again = run(a.ActionShowPlan(fake_engine), make_tracker({flow.PLAN: card}, form=None))
    assert again[0]["custom"]["plan"] == card


def test_show_my_plan_without_a_plan_offers_to_start_coaching(fake_engine):
    _, said = run(a.ActionShowPlan(fake_engine), make_tracker(form=None))
    assert said[0]["response"] == "utter_coach_no_plan"


def test_the_first_step_question_shows_the_recommendation_only_once_per_challenge(fake_engine):
    tracker = make_tracker({**ANSWERED, flow.FIRST_STEP: None, flow.WHEN: None}, requested=flow.FIRST_STEP)
    events, said = run(ask.ActionAskCoachFirstStep(fake_engine), tracker)
    assert said[0]["custom"]["answer"]["status"] == "coaching_recommendation"
    assert said[1]["response"] == "utter_ask_coach_first_step"
    assert slots_set(events)[flow.RECOMMENDED] == "siloed_funding_and_competition"
    tracker = make_tracker({**ANSWERED, flow.FIRST_STEP: None, flow.RECOMMENDED: "siloed_funding_and_competition"})
    _, said = run(ask.ActionAskCoachFirstStep(fake_engine), tracker)
    assert [m["response"] for m in said] == ["utter_ask_coach_first_step"]


def test_the_health_result_names_the_weakest_theme(fake_engine):
    answers = dict(zip(flow.HEALTH_STEPS, (5, 5, 4, 4, 1, 2)))
    events, said = run(a.ActionHealthResult(fake_engine), make_tracker(answers, form=None))
    assert said[0]["custom"]["answer"]["status"] == "health_check_result"
    assert "The lowest area is **Relationships**" in said[0]["text"]
    assert "Your lowest answer was 1 of 5, for “People in the partner organisations trust each other" \
        in said[0]["text"]
    # "why?" and "another enabler" afterwards refer to the enabler the result offered.
    assert slots_set(events)["answer_memory"]["enabler_id"] == "maintaining_open_frequent_communication"


# --- issue 11: free text, follow-ups in forms, corrections and sharing ----------------------------

from rasa_sdk import Tracker  # noqa: E402

from actions import actions as qa  # noqa: E402
from bot.coaching import plan as coaching_plan  # noqa: E402
from bot.coaching.steps import choice_payload  # noqa: E402
from tests.coaching.test_validators import validate  # noqa: E402


def test_the_button_steps_are_asked_by_actions_with_buttons_rasa_does_not_template(fake_engine):
    for action, slot, first in ((ask.ActionAskCoachPartners(), "partners", "nhs"), (ask.ActionAskCoachStage(), "stage",
                                                                                  "starting"),
                                (ask.ActionAskCoachStepWhen(), "when", "this_week")):
        _, said = run(action, make_tracker())
        assert said[0]["response"] == f"utter_ask_{action.slot}"
        assert said[0]["buttons"][0]["payload"] == choice_payload(slot, first)


def test_a_slot_cleared_by_a_start_action_is_passed_over_without_a_word(fake_engine):
    cleared = Tracker("t", {s: None for s in flow.HEALTH_STEPS}, {"text": "health check",
                      "intent": {"name": "health_check"}, "entities": []},
                      [{"event": "slot", "name": s, "value": None} for s in flow.HEALTH_STEPS], False, None,
                      {"name": flow.HEALTH_FORM}, "action_health_start")
    dispatcher = CollectingDispatcher()
    for slot in flow.HEALTH_STEPS:
        assert getattr(forms.ValidateHealthForm(fake_engine), f"validate_{slot}")(None, dispatcher, cleared, {}) == {slot: None}
    assert dispatcher.messages == []


def test_a_score_in_words_is_kept_and_said_back(fake_engine):
    result, said = validate(forms.ValidateHealthForm(fake_engine), "health_structures_1", "mostly agree")
    assert result == {"health_structures_1": 4} and said == ["I've taken “mostly agree” as 4 (agree)."]


def test_partners_named_in_the_purpose_fill_the_partners_step_and_are_said_back(fake_engine):
    result, said = validate(forms.ValidateCoachingForm(fake_engine), flow.PURPOSE,
                            "Joining up support for families with the district council and a housing charity")
    assert result[flow.PARTNERS] == {"sectors": ["local_authority", "voluntary"], "detail": None}
    assert said == ["You mentioned the partners already, so I've noted them as *Local authority, Voluntary sector*. "
                    "Say \"go back\" if that's not right."]


def test_a_difficulty_described_at_the_theme_step_is_matched_to_a_challenge_for_confirmation(fake_engine):
    result, said = validate(forms.ValidateCoachingForm(fake_engine), flow.THEME, "nobody will share their budgets or staff with us")
    assert result[flow.CHALLENGE] == "other" and result[flow.CANDIDATE] in fake_engine.knowledge
    assert result[flow.THEME] == fake_engine.knowledge[result[flow.CANDIDATE]].theme
    assert result[flow.DESCRIPTION] == "nobody will share their budgets or staff with us" and said == []


def test_a_question_shaped_first_step_is_the_step_but_why_is_answered(fake_engine):
    step = "maybe get the finance leads to map every budget line?"
    result, said = validate(forms.ValidateCoachingForm(fake_engine), flow.FIRST_STEP, step, slots=ANSWERED)
    assert result == {flow.FIRST_STEP: step} and said == []
    memory = {"enabler_id": "dedicated_flexible_funding", "challenge_id": "siloed_funding_and_competition"}
    result, said = validate(forms.ValidateCoachingForm(fake_engine), flow.FIRST_STEP, "why?",
                            slots={**ANSWERED, "answer_memory": memory}, intent="follow_up")
    assert result[flow.FIRST_STEP] is None and said[0].startswith("The report's reasoning for **Dedicated, flexible")


def test_a_loose_date_is_kept_with_its_reading_and_said_back(fake_engine):
    result, said = validate(forms.ValidateCoachingForm(fake_engine), flow.WHEN, "sometime after easter", slots=ANSWERED)
    assert result[flow.WHEN].startswith("sometime after easter (from Tuesday ")
    assert said[0].startswith("Noted: “sometime after easter” — I've read that as from Tuesday ")


def _qa_tracker(text, intent="ask_question", slots=None):
    return Tracker("t", slots or {}, {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []},
                   [], False, None, {}, "action_listen")


def test_a_correction_gets_a_different_enabler_and_is_recorded_as_negative_feedback(fake_engine):
    memory = {"last_query": "our budgets are ring-fenced", "enabler_id": "dedicated_flexible_funding",
              "challenge_id": "siloed_funding_and_competition", "shown_enablers": ["dedicated_flexible_funding"]}
    slots = {"answer_memory": memory, "last_answer_id": "abc123"}
    events, said = run(qa.ActionAnswerQuestion(fake_engine),
                       _qa_tracker("no, that's not what I meant, the issue is partners don't trust us", slots=slots))
    assert said[0]["custom"]["answer"]["enabler"]["id"] != "dedicated_flexible_funding"
    assert slots_set(events)["feedback"] == {"answer_id": "abc123", "helpful": False, "reason": "corrected"}
    events, said = run(qa.ActionRecordFeedback(fake_engine), _qa_tracker("that answer wasn't right", "feedback_unhelpful", slots))
    assert said[0]["custom"]["answer"]["status"] == "clarification"
    assert slots_set(events)["feedback"]["reason"] == "corrected"
    events, said = run(qa.ActionRecordFeedback(fake_engine), _qa_tracker("that didn't help", "feedback_unhelpful", slots))
    assert said[0]["custom"]["answer"]["status"] == "clarification"
    # A "not helpful" click is feedback, not a correction.
    events, said = run(qa.ActionRecordFeedback(fake_engine), _qa_tracker("/feedback_unhelpful", "feedback_unhelpful", slots))
    assert said[0]["response"] == "utter_feedback_unhelpful" and "reason" not in slots_set(events)["feedback"]


def test_asking_to_email_the_plan_offers_it_as_text_and_sends_nothing(fake_engine):
    _, card = coaching_plan.build_plan(fake_engine, ANSWERED)
    events, said = run(qa.ActionAnswerQuestion(fake_engine), _qa_tracker("can I email this to my team?", "out_of_scope",
                                                              {flow.PLAN: card}))
    message = said[0]["custom"]
    assert message["answer"]["status"] == "coaching_plan_shared" and message["plan"] == card
    assert message["share"]["text"].startswith("Our collaboration plan\n\nChallenge: Siloed funding streams")
    assert events == []
    # Without a plan it is just a question (declined or answered by the pipeline).
    _, said = run(qa.ActionAnswerQuestion(fake_engine), _qa_tracker("can I email this to my team?", "out_of_scope"))
    assert said[0]["custom"]["answer"]["status"] != "coaching_plan_shared"
