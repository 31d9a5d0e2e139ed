"""The thin coaching actions, run without Rasa: what they say and which events they return."""

from __future__ import annotations

import asyncio

from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import coaching as a
from bot.coaching import flow
from tests.coaching.conftest import make_tracker
from tests.coaching.test_flow_and_plan import ANSWERED


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return events, dispatcher.messages


def slots_set(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_starting_coaching_clears_the_old_plan_and_keeps_the_theme_chosen_after_a_health_check(shared_fake_engine):
    tracker = make_tracker({flow.PLAN: {"old": True}, flow.PURPOSE: "old purpose"}, text='/start_coaching{"coach_theme":"structures"}',
                           intent="start_coaching", form=None,
                           entities=[{"entity": "coach_theme", "value": "structures"}])
    events, said = run(a.ActionCoachingStart(), tracker)
    slots = slots_set(events)
    assert slots[flow.PLAN] is None and slots[flow.PURPOSE] is None
    assert slots[flow.THEME] == "structures"
    assert said[0]["response"] == "utter_coach_intro"


def test_an_opening_that_says_where_things_stand_is_noted_and_told_back(shared_fake_engine):
    tracker = make_tracker(text="our joint project with the police is stuck", intent="start_coaching", form=None)
    events, said = run(a.ActionCoachingStart(), tracker)
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


def test_the_plan_message_carries_the_answer_and_the_plan_and_show_my_plan_repeats_it(shared_fake_engine):
    events, said = run(a.ActionCoachingPlan(), make_tracker(ANSWERED, form=None))
    card = slots_set(events)[flow.PLAN]
    message = said[0]["custom"]
    assert message["answer"]["status"] == "coaching_plan" and message["plan"] == card
    _, again = run(a.ActionShowPlan(), make_tracker({flow.PLAN: card}, form=None))
    assert again[0]["custom"]["plan"] == card


def test_show_my_plan_without_a_plan_offers_to_start_coaching(shared_fake_engine):
    _, said = run(a.ActionShowPlan(), make_tracker(form=None))
    assert said[0]["response"] == "utter_coach_no_plan"


def test_the_first_step_question_shows_the_recommendation_only_once_per_challenge(shared_fake_engine):
    tracker = make_tracker({**ANSWERED, flow.FIRST_STEP: None, flow.WHEN: None}, requested=flow.FIRST_STEP)
    events, said = run(a.ActionAskCoachFirstStep(), tracker)
    assert said[0]["custom"]["answer"]["status"] == "coaching_recommendation"
    assert said[1]["response"] == "utter_ask_coach_first_step"
    assert slots_set(events)[flow.RECOMMENDED] == "siloed_funding_and_competition"
    tracker = make_tracker({**ANSWERED, flow.FIRST_STEP: None, flow.RECOMMENDED: "siloed_funding_and_competition"})
    _, said = run(a.ActionAskCoachFirstStep(), tracker)
    assert [m["response"] for m in said] == ["utter_ask_coach_first_step"]


def test_the_health_result_names_the_weakest_theme(shared_fake_engine):
    answers = dict(zip(flow.HEALTH_STEPS, (5, 5, 4, 4, 1, 2)))
    events, said = run(a.ActionHealthResult(), make_tracker(answers, form=None))
    assert said[0]["custom"]["answer"]["status"] == "health_check_result"
    assert "The lowest area is **Relationships**" in said[0]["text"]
    assert "Your lowest answer was 1 of 5, for “People in the partner organisations trust each other" in said[0]["text"]
    # "why?" and "another enabler" afterwards refer to the enabler the result offered.
    assert slots_set(events)["answer_memory"]["enabler_id"] == "maintaining_open_frequent_communication"
