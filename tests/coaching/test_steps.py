"""The pure checks behind every coaching step: typed replies, button payloads, and what is refused."""

from __future__ import annotations

from datetime import date

import pytest

from bot.coaching import cues, replies, scores, steps
from bot.coaching.replies import Accepted, Refused

THEMES = {"motivations": "Motivations", "structures": "Structures", "relationships": "Relationships"}
STRUCTURES = {"organisational_hierarchies": "Organisational hierarchies",
              "siloed_funding_and_competition": "Siloed funding streams and competition"}
LONG = "partnership " * 420  # about 5,000 characters


def payload(step: str, value: str) -> str:
    return replies.choice_payload(step, value)


def test_a_button_payload_names_its_step_and_value():
    assert payload("stage", "stuck") == '/coach_choice{"coach_choice":"stage:stuck"}'
    assert replies.parse_payload(payload("stage", "stuck")) == ("coach_choice", "stage:stuck")
    assert replies.parse_payload("/ask_another_enabler") == ("ask_another_enabler", "")
    assert replies.parse_payload("our budgets are ring-fenced") is None


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
    assert steps.check_partners(payload("partners", "aliens")) == replies.WRONG_STEP


@pytest.mark.parametrize("reply, stage", [(payload("stage", "stuck"), "stuck"), ("stuck", "stuck"),
                                          ("we're just starting", "starting"), ("it's under way", "under_way"),
                                          ("winding down", "ending"), ("starting", "starting")])
def test_the_stage_is_read_from_its_button_or_from_plain_words(reply, stage):
    assert steps.check_stage(reply) == Accepted(stage)


@pytest.mark.parametrize("bad, refused", [("", replies.EMPTY), (LONG, replies.TOO_LONG), ("banana", replies.NOT_AN_OPTION),
                                          (payload("theme", "structures"), replies.WRONG_STEP),
                                          (payload("stage", "finished"), replies.WRONG_STEP),
                                          ("/ask_another_enabler", replies.WRONG_STEP)])
def test_the_stage_refuses_nonsense_and_payloads_from_other_steps(bad, refused):
    assert steps.check_stage(bad) == refused


def test_the_theme_accepts_its_buttons_ids_and_typed_names():
    assert steps.check_theme(payload("theme", "relationships"), THEMES) == Accepted("relationships")
    assert steps.check_theme("structures", THEMES) == Accepted("structures")
    assert steps.check_theme("I think it's relationships", THEMES) == Accepted("relationships")


@pytest.mark.parametrize("bad, refused", [("", replies.EMPTY), (LONG, replies.TOO_LONG), ("all of them", replies.NOT_AN_OPTION),
                                          (payload("theme", "money"), replies.WRONG_STEP),
                                          (payload("stage", "stuck"), replies.WRONG_STEP)])
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


@pytest.mark.parametrize("bad, refused", [("", replies.EMPTY), (LONG, replies.TOO_LONG), ("qwertyuiop", replies.NOT_WORDS),
                                          (payload("challenge", "competing_priorities"), replies.WRONG_STEP),
                                          (payload("theme", "structures"), replies.WRONG_STEP)])
def test_the_challenge_refuses_a_button_from_another_themes_list(bad, refused):
    assert steps.check_challenge(bad, STRUCTURES) == refused


@pytest.mark.parametrize("reply, yes", [(payload("confirm", "yes"), True), (payload("confirm", "no"), False),
                                        ("yes", True), ("Yes, that's it", True), ("nope", False), ("no", False)])
def test_the_confirmation_reads_yes_and_no(reply, yes):
    assert steps.check_confirmation(reply) == Accepted(yes)


@pytest.mark.parametrize("bad, refused", [("", replies.EMPTY), ("maybe", replies.NOT_AN_OPTION), (LONG, replies.NOT_AN_OPTION),
                                          (payload("score", "3"), replies.WRONG_STEP)])
def test_the_confirmation_refuses_anything_else(bad, refused):
    assert steps.check_confirmation(bad) == refused


TODAY = date(2026, 11, 30)  # a Monday


@pytest.mark.parametrize("reply, label", [
    (payload("when", "next_week"), "Next week (by Friday 11 December 2026)"),
    ("Friday", "Friday (Friday 4 December 2026)"),
    ("by the end of June", "by the end of June (by Wednesday 30 June 2027, in June 2027)"),
    ("12/07", "12/07 (by Monday 12 July 2027)"),
    # Words it cannot read are kept as the leader said them, never refused.
    ("when the board next meets", "when the board next meets"), ("banana", "banana")])
def test_when_accepts_a_button_or_any_words_and_says_how_it_read_them(reply, label):
    checked = steps.check_when(reply, TODAY)
    assert isinstance(checked, Accepted) and checked.value.label == label


@pytest.mark.parametrize("bad, refused", [("", replies.EMPTY), (LONG, replies.TOO_LONG), ("qwrtzp xkcd", replies.NOT_WORDS),
                                          (payload("stage", "stuck"), replies.WRONG_STEP),
                                          (payload("when", "yesterday"), replies.WRONG_STEP)])
def test_when_refuses_only_empty_nonsense_or_other_buttons(bad, refused):
    assert steps.check_when(bad, TODAY) == refused


@pytest.mark.parametrize("reply, score", [(payload("score", "1"), 1), ("5", 5), ("3/5", 3), ("agree", 4),
                                          ("strongly disagree", 1), ("strongly agree", 5), ("mostly agree", 4),
                                          ("not really", 2), ("neutral", 3), ("maybe a 3?", 3), ("two", 2),
                                          ("3 out of 5", 3), ("I don't agree", 2), ("definitely not", 1)])
def test_a_health_check_score_is_one_to_five(reply, score):
    assert scores.check_score(reply) == Accepted(score)


@pytest.mark.parametrize("bad, refused", [("", replies.EMPTY), ("6", replies.NOT_AN_OPTION), ("0", replies.NOT_AN_OPTION),
                                          (LONG, replies.NOT_AN_OPTION), (payload("score", "9"), replies.WRONG_STEP),
                                          (payload("theme", "structures"), replies.WRONG_STEP)])
def test_a_health_check_score_refuses_anything_else(bad, refused):
    assert scores.check_score(bad) == refused


def test_a_score_in_words_is_said_back_with_its_number_but_a_button_or_digit_is_not():
    assert scores.score_in_words("mostly agree", 4) == "I've taken “mostly agree” as 4 (agree)."
    assert scores.score_in_words("maybe a 3?", 3) == "I've taken “maybe a 3?” as 3 (neither agree nor disagree)."
    assert scores.score_in_words("4", 4) is None and scores.score_in_words(payload("score", "4"), 4) is None


@pytest.mark.parametrize("text", ["maybe get the finance leads to map every budget line?",
                                  "how about a joint budget meeting?", "should I ask the chief executives first?",
                                  "could we pool one small budget?"])
def test_a_tentative_or_question_shaped_answer_is_the_answer_not_a_question(text):
    assert not cues.is_plain_question(text, "ask_question")


def test_a_real_question_at_a_free_text_step_is_still_a_question():
    assert cues.is_plain_question("what's an example of this?", "ask_question")
    assert cues.is_plain_question("how do other councils share budgets?", "ask_question")


def test_partners_named_in_the_purpose_are_found_but_a_topic_is_not_a_partner():
    assert cues.partners_in("Joining up support for families with the district council and a housing charity") == {
        "sectors": ["local_authority", "voluntary"], "detail": None}
    assert cues.partners_in("Improving mental health support for young people") is None
    assert cues.partners_in("Reducing reoffending among young adults") is None
    assert cues.partners_in(payload("stage", "stuck")) is None


@pytest.mark.parametrize("text, problem", [("nobody will share their budgets or staff with us", True),
                                           ("what's an example of this?", False), ("structures", False),
                                           (payload("theme", "structures"), False)])
def test_a_difficulty_described_at_the_theme_step_is_recognised(text, problem):
    assert cues.looks_like_a_problem(text) is problem


def test_a_typed_question_at_a_button_step_is_recognised_but_a_one_word_answer_is_not():
    assert cues.is_question("how do we overcome siloed funding?", "ask_question")
    assert not cues.is_question("stuck", "ask_question")
    assert not cues.is_question(payload("stage", "stuck"), "coach_choice")


def test_an_opening_message_prefills_the_stage_and_the_partners_it_names():
    found = cues.prefill_from_opening("I'm starting a partnership with the council and don't know where to begin")
    assert found == {"stage": "starting", "partners": {"sectors": ["local_authority"], "detail": None}}
    assert cues.prefill_from_opening("our joint project is stuck") == {"stage": "stuck"}
    assert cues.prefill_from_opening("/start_coaching") == {}


def test_at_a_free_text_step_only_an_explicit_question_is_answered_instead_of_kept():
    assert cues.is_plain_question("how do we overcome siloed funding?", "ask_question")
    assert not cues.is_plain_question("joining up support for families leaving care", "ask_question")


def test_what_an_opening_prefilled_is_told_back_to_the_leader():
    assert cues.describe_prefill({"stage": "stuck", "partners": {"sectors": ["local_authority"], "detail": None}}) == \
        'From what you said, I\'ve noted that the collaboration is *stuck* and the partners include ' \
        '*Local authority*. Say "go back" later to change it.'


def test_only_a_short_coaching_request_restarts_a_free_text_step():
    from bot.coaching.cues import is_start_command
    assert is_start_command("coach me") and is_start_command("start coaching again")
    assert is_start_command('/start_coaching{"coach_theme":"structures"}')
    assert not is_start_command("partnership to get rough sleepers into housing with the council")
    assert not is_start_command("a partnership with the ICB to start a joint frailty service")
