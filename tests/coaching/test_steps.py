"""The pure checks behind every coaching step: typed replies, button payloads, and what is refused."""

from __future__ import annotations

import pytest

from bot.coaching import steps
from bot.coaching.steps import Accepted, Refused

THEMES = {"motivations": "Motivations", "structures": "Structures", "relationships": "Relationships"}
STRUCTURES = {"organisational_hierarchies": "Organisational hierarchies",
              "siloed_funding_and_competition": "Siloed funding streams and competition"}
LONG = "partnership " * 420  # about 5,000 characters


def payload(step: str, value: str) -> str:
    return steps.choice_payload(step, value)


def test_a_button_payload_names_its_step_and_value():
    assert payload("stage", "stuck") == '/coach_choice{"coach_choice":"stage:stuck"}'
    assert steps.parse_payload(payload("stage", "stuck")) == ("coach_choice", "stage:stuck")
    assert steps.parse_payload("/ask_another_enabler") == ("ask_another_enabler", "")
    assert steps.parse_payload("our budgets are ring-fenced") is None


@pytest.mark.parametrize("check", [steps.check_purpose, steps.check_description, steps.check_first_step,
                                   steps.check_partners])
@pytest.mark.parametrize("bad, response", [("", "utter_coach_invalid_empty"), ("   ", "utter_coach_invalid_empty"),
                                           (None, "utter_coach_invalid_empty"),
                                           (LONG, "utter_coach_invalid_too_long"),
                                           ("asdfghjkl", "utter_coach_invalid_not_words"),
                                           ("🙂🙂", "utter_coach_invalid_not_words"),
                                           (payload("theme", "structures"), "utter_coach_invalid_wrong_step")])
def test_free_text_steps_refuse_empty_huge_nonsense_and_other_steps_buttons(check, bad, response):
    assert check(bad) == Refused(response)


def test_free_text_is_kept_in_the_leaders_words_with_markup_removed():
    assert steps.check_purpose("Reduce <b>reoffending</b> in Leeds") == Accepted("Reduce reoffending in Leeds")


def test_partners_from_a_button_or_from_free_text_naming_several_sectors():
    assert steps.check_partners(payload("partners", "nhs")) == Accepted({"sectors": ["nhs"], "detail": None})
    typed = steps.check_partners("the district council, a housing charity and the police")
    assert typed == Accepted({"sectors": ["local_authority", "police_fire", "voluntary"],
                              "detail": "the district council, a housing charity and the police"})
    assert steps.check_partners("Kirklees Together").value["sectors"] == ["other"]
    assert steps.check_partners(payload("partners", "aliens")) == steps.WRONG_STEP


@pytest.mark.parametrize("reply, stage", [(payload("stage", "stuck"), "stuck"), ("stuck", "stuck"),
                                          ("we're just starting", "starting"), ("it's under way", "under_way"),
                                          ("winding down", "ending"), ("starting", "starting")])
def test_the_stage_is_read_from_its_button_or_from_plain_words(reply, stage):
    assert steps.check_stage(reply) == Accepted(stage)


@pytest.mark.parametrize("bad, refused", [("", steps.EMPTY), (LONG, steps.TOO_LONG), ("banana", steps.NOT_AN_OPTION),
                                          (payload("theme", "structures"), steps.WRONG_STEP),
                                          (payload("stage", "finished"), steps.WRONG_STEP),
                                          ("/ask_another_enabler", steps.WRONG_STEP)])
def test_the_stage_refuses_nonsense_and_payloads_from_other_steps(bad, refused):
    assert steps.check_stage(bad) == refused


def test_the_theme_accepts_its_buttons_ids_and_typed_names():
    assert steps.check_theme(payload("theme", "relationships"), THEMES) == Accepted("relationships")
    assert steps.check_theme("structures", THEMES) == Accepted("structures")
    assert steps.check_theme("I think it's relationships", THEMES) == Accepted("relationships")


@pytest.mark.parametrize("bad, refused", [("", steps.EMPTY), (LONG, steps.TOO_LONG), ("all of them", steps.NOT_AN_OPTION),
                                          (payload("theme", "money"), steps.WRONG_STEP),
                                          (payload("stage", "stuck"), steps.WRONG_STEP)])
def test_the_theme_refuses_nonsense_and_other_payloads(bad, refused):
    assert steps.check_theme(bad, THEMES) == refused


def test_the_challenge_accepts_this_themes_buttons_titles_numbers_and_something_else():
    assert steps.check_challenge(payload("challenge", "organisational_hierarchies"), STRUCTURES) == \
        Accepted("organisational_hierarchies")
    assert steps.check_challenge("Siloed funding streams and competition", STRUCTURES) == \
        Accepted("siloed_funding_and_competition")
    assert steps.check_challenge("2", STRUCTURES) == Accepted("siloed_funding_and_competition")
    assert steps.check_challenge(payload("challenge", "other"), STRUCTURES) == Accepted("other")
    assert steps.check_challenge("something else", STRUCTURES) == Accepted("other")


def test_a_challenge_typed_in_own_words_is_kept_as_a_description_to_match():
    assert steps.check_challenge("nobody will share their budget", STRUCTURES) == \
        Accepted(("describe", "nobody will share their budget"))


@pytest.mark.parametrize("bad, refused", [("", steps.EMPTY), (LONG, steps.TOO_LONG), ("qwertyuiop", steps.NOT_WORDS),
                                          (payload("challenge", "competing_priorities"), steps.WRONG_STEP),
                                          (payload("theme", "structures"), steps.WRONG_STEP)])
def test_the_challenge_refuses_a_button_from_another_themes_list(bad, refused):
    assert steps.check_challenge(bad, STRUCTURES) == refused


@pytest.mark.parametrize("reply, yes", [(payload("confirm", "yes"), True), (payload("confirm", "no"), False),
                                        ("yes", True), ("Yes, that's it", True), ("nope", False), ("no", False)])
def test_the_confirmation_reads_yes_and_no(reply, yes):
    assert steps.check_confirmation(reply) == Accepted(yes)


@pytest.mark.parametrize("bad, refused", [("", steps.EMPTY), ("maybe", steps.NOT_AN_OPTION), (LONG, steps.NOT_AN_OPTION),
                                          (payload("score", "3"), steps.WRONG_STEP)])
def test_the_confirmation_refuses_anything_else(bad, refused):
    assert steps.check_confirmation(bad) == refused


@pytest.mark.parametrize("reply, when", [(payload("when", "next_week"), "Next week"), ("Friday", "Friday"),
                                         ("by the end of June", "by the end of June"), ("12/07", "12/07")])
def test_when_accepts_a_button_or_any_words_with_a_time(reply, when):
    assert steps.check_when(reply) == Accepted(when)


@pytest.mark.parametrize("bad, refused", [("", steps.EMPTY), ("banana", steps.NO_WHEN), (LONG, steps.TOO_LONG),
                                          (payload("stage", "stuck"), steps.WRONG_STEP),
                                          (payload("when", "yesterday"), steps.WRONG_STEP)])
def test_when_refuses_words_without_a_time_and_other_buttons(bad, refused):
    assert steps.check_when(bad) == refused


@pytest.mark.parametrize("reply, score", [(payload("score", "1"), 1), ("5", 5), ("3/5", 3), ("agree", 4),
                                          ("strongly disagree", 1)])
def test_a_health_check_score_is_one_to_five(reply, score):
    assert steps.check_score(reply) == Accepted(score)


@pytest.mark.parametrize("bad, refused", [("", steps.EMPTY), ("6", steps.NOT_AN_OPTION), ("0", steps.NOT_AN_OPTION),
                                          (LONG, steps.NOT_AN_OPTION), (payload("score", "9"), steps.WRONG_STEP),
                                          (payload("theme", "structures"), steps.WRONG_STEP)])
def test_a_health_check_score_refuses_anything_else(bad, refused):
    assert steps.check_score(bad) == refused


def test_a_typed_question_at_a_button_step_is_recognised_but_a_one_word_answer_is_not():
    assert steps.is_question("how do we overcome siloed funding?", "ask_question")
    assert not steps.is_question("stuck", "ask_question")
    assert not steps.is_question(payload("stage", "stuck"), "coach_choice")


def test_an_opening_message_prefills_the_stage_and_the_partners_it_names():
    found = steps.prefill_from_opening("I'm starting a partnership with the council and don't know where to begin")
    assert found == {"stage": "starting", "partners": {"sectors": ["local_authority"], "detail": None}}
    assert steps.prefill_from_opening("our joint project is stuck") == {"stage": "stuck"}
    assert steps.prefill_from_opening("/start_coaching") == {}


def test_at_a_free_text_step_only_an_explicit_question_is_answered_instead_of_kept():
    assert steps.is_plain_question("how do we overcome siloed funding?", "ask_question")
    assert not steps.is_plain_question("joining up support for families leaving care", "ask_question")


def test_what_an_opening_prefilled_is_told_back_to_the_leader():
    assert steps.describe_prefill({"stage": "stuck", "partners": {"sectors": ["local_authority"], "detail": None}}) == \
        'From what you said, I\'ve noted that the collaboration is *stuck* and the partners include ' \
        '*Local authority*. Say "go back" later to change it.'
