"""Follow-ups and corrections over the answer memory (bot/answer/followups.py), with the fake encoder.

What they say must come from the memory (the enabler, example and case study last shown) and be
verbatim and cited; the real-model, whole-conversation versions are in tests/server.
"""

from __future__ import annotations

import pytest

from bot.answer import compose, followups
from bot.answer import types as t
from bot.knowledge.model import Kind
from bot.render.markdown import to_markdown

ENABLER_SHOWN = compose.Memory(last_query="how do we make decisions faster across partners",
                               enabler_id="streamlining_decision_making",
                               challenge_id="organisational_hierarchies",
                               example_id="nightingale_courts_programme",
                               shown_enablers=["streamlining_decision_making"],
                               shown_examples=["nightingale_courts_programme"],
                               case_study_id="hmcts_nightingale_courts", example_quotes_shown=1)
KENT_SHOWN = compose.Memory(last_query="what did Kent Fire and Rescue do during covid?", fact_id="kent_fire_rescue",
                            case_study_id="kent_fire_rescue")


def _verbatim(answer: t.Answer, report_text) -> None:
    assert answer.payload is not None and answer.payload["citations"]
    for citation in answer.payload["citations"]:
        assert report_text.contains(citation["quote"]), citation["quote"]
        assert f"> {citation['quote']}" in to_markdown(answer)


def test_why_gives_the_enablers_reasoning_and_the_challenge_it_answers(fake_engine, report_text):
    answer = followups.follow_up("why?", fake_engine, ENABLER_SHOWN)
    assert answer is not None and answer.status == t.ANSWERED
    assert to_markdown(answer).startswith(
        "The report's reasoning for **Streamlining or flattening decision-making structures**")
    assert "It answers a challenge the report names under Structures, **Organisational hierarchies**" in to_markdown(answer)
    _verbatim(answer, report_text)


def test_who_names_the_case_study_behind_the_example(fake_engine, report_text):
    answer = followups.follow_up("who did that?", fake_engine, ENABLER_SHOWN)
    assert to_markdown(answer).startswith(
        "That was **Her Majesty’s Courts and Tribunal Service, Nightingale Courts**, one of the report's six case "
        "studies (5 leaders were interviewed for it, Table 1).")
    _verbatim(answer, report_text)


def test_in_practice_shows_the_rest_of_the_example_then_another_never_the_same_sentences(fake_engine, report_text):
    first = followups.follow_up("what does that mean in practice?", fake_engine, ENABLER_SHOWN)
    shown_first = fake_engine.knowledge["nightingale_courts_programme"].quotes[0]
    assert first.example_id == "nightingale_courts_programme" and shown_first not in to_markdown(first)
    _verbatim(first, report_text)
    after = compose.Memory(**{**ENABLER_SHOWN.as_slot(), "example_quotes_shown": 0b1111})  # all four sentences
    second = followups.follow_up("what does that mean in practice?", fake_engine, after)
    assert second.example_id != "nightingale_courts_programme"
    assert to_markdown(second).startswith("Another example from the report")
    _verbatim(second, report_text)


def test_in_practice_shows_the_sentences_not_yet_shown_whichever_were_shown(fake_engine, report_text):
    quotes = fake_engine.knowledge["nightingale_courts_programme"].quotes
    shown_last_two = compose.Memory(**{**ENABLER_SHOWN.as_slot(), "example_quotes_shown": 0b1100})
    answer = followups.follow_up("what does that mean in practice?", fake_engine, shown_last_two)
    assert answer.example_id == "nightingale_courts_programme"
    assert quotes[0] in to_markdown(answer) and quotes[1] in to_markdown(answer)
    assert quotes[2] not in to_markdown(answer) and quotes[3] not in to_markdown(answer)
    _verbatim(answer, report_text)


def test_in_practice_after_every_example_says_so_and_repeats_none(fake_engine):
    every = [e.id for e in fake_engine.knowledge.of_kind(Kind.EXAMPLE)]
    seen_all = compose.Memory(**{**ENABLER_SHOWN.as_slot(), "example_quotes_shown": 0b1111, "shown_examples": every})
    answer = followups.follow_up("what does that mean in practice?", fake_engine, seen_all)
    assert answer is not None and answer.status == t.NOTHING_MORE and answer.example_id is None


def test_that_one_is_the_case_study_last_shown_and_its_numbers_come_from_table_1(fake_engine, report_text):
    answer = followups.follow_up("how many people did they interview for that one?", fake_engine, KENT_SHOWN)
    assert to_markdown(answer).startswith("For **Kent Fire and Rescue Service, Responding to COVID-19**, 5 leaders were "
                                  "interviewed (Table 1 of the report).")
    _verbatim(answer, report_text)


def test_tell_me_more_about_a_named_case_gives_the_case_and_its_worked_example(fake_engine, report_text):
    answer = followups.follow_up("tell me more about Bristol", fake_engine, compose.Memory())
    assert "**The Stepping Up Leadership Programme, Bristol** is one of the report's six case studies" in to_markdown(answer)
    assert "The report's worked example from it, **Stepping Up Leadership Programme, Bristol**" in to_markdown(answer)
    _verbatim(answer, report_text)


def test_which_enabler_matters_most_is_the_reports_own_finding_that_they_combine(fake_engine, report_text):
    answer = followups.follow_up("which enabler matters most?", fake_engine, compose.Memory())
    assert "> Effective collaboration is built upon a combination of factors relating to motivations, structures " \
           "and relationships." in to_markdown(answer)
    assert "interacting and overlapping in diverse ways" in to_markdown(answer)
    _verbatim(answer, report_text)


def test_a_question_naming_a_case_is_answered_from_its_sentences_but_a_phone_number_is_not(fake_engine, report_text):
    answer = followups.case_question("what did Kent do with the ambulance service?", fake_engine)
    assert answer is not None and "supporting the local ambulance service’s pandemic response" in to_markdown(answer)
    _verbatim(answer, report_text)
    assert followups.case_question("what's the phone number for Kent Fire and Rescue?", fake_engine) is None
    assert followups.case_question("who runs the Kent local elections?", fake_engine) is None


@pytest.mark.parametrize("text", ["why do partners not trust each other?", "who funds the NHS?", "who are you?",
                                  "how do we overcome siloed funding?", "what helps with trust?"])
def test_real_questions_are_not_taken_for_follow_ups(fake_engine, text):
    assert followups.follow_up(text, fake_engine, ENABLER_SHOWN) is None


def test_follow_ups_need_something_shown_first(fake_engine):
    assert followups.follow_up("why?", fake_engine, compose.Memory()) is None
    assert followups.follow_up("who did that?", fake_engine, compose.Memory()) is None


@pytest.mark.parametrize("text, correction, added", [
    ("no, that's not what I meant — the issue is partners don't trust us", True, "partners don't trust us"),
    ("that answer wasn't right", True, ""), ("wrong", True, ""),
    ("no, the problem is nobody shares data", True, "nobody shares data"),
    ("nope.", True, ""), ("you've misunderstood, I meant trust between partners", True, "trust between partners"),
    ("how do we share data?", False, None), ("not helpful", False, None),
    ("no one will share their budgets", False, None), ("the timing is not right for our partners", False, None),
    ("wrong incentives keep partners apart", False, None), ("partners feel misunderstood", False, None)])
def test_corrections_are_recognised_and_their_new_words_kept(text, correction, added):
    assert followups.is_correction(text) is correction
    if correction:
        assert followups.new_words(text) == added


def test_a_correction_never_repeats_the_previous_enabler(fake_engine, report_text):
    answer, query = followups.correct("no, that's not what I meant, the issue is partners don't trust us",
                                      fake_engine, ENABLER_SHOWN)
    assert answer.status == t.ANSWERED and answer.enabler_id != "streamlining_decision_making"
    assert to_markdown(answer).startswith("Thanks — reading it again with what you've added:")
    assert query == "partners don't trust us. how do we make decisions faster across partners"
    _verbatim(answer, report_text)


def test_a_bare_correction_offers_the_nearest_other_challenges_as_buttons(fake_engine):
    answer, query = followups.correct("that answer wasn't right", fake_engine, ENABLER_SHOWN)
    assert answer.status == t.CLARIFICATION and query is None
    assert len(answer.button_payloads) == 3
    assert all(b["payload"].startswith('/choose_topic{"topic_id":') for b in answer.button_payloads)
    assert '"organisational_hierarchies"' not in " ".join(b["payload"] for b in answer.button_payloads)


@pytest.mark.parametrize("text, share", [("can I email this to my team?", True), ("share", True),
                                         ("send it to my director", True), ("share my plan", True),
                                         ("how do we share data with partners?", False), ("shared purpose", False)])
def test_asking_to_email_or_share_is_recognised(text, share):
    assert followups.wants_to_share(text) is share


def test_a_second_correction_offers_nothing_this_thread_already_answered(fake_engine):
    # The thread showed two enablers (the first rejected by a correction, the second by this one).
    twice = compose.Memory(last_query=ENABLER_SHOWN.last_query, enabler_id="dedicated_flexible_funding",
                           challenge_id="siloed_funding_and_competition",
                           shown_enablers=["streamlining_decision_making", "dedicated_flexible_funding"])
    answer, _ = followups.correct("that answer wasn't right", fake_engine, twice)
    offered = {b["payload"] for b in answer.button_payloads}
    knowledge = fake_engine.knowledge
    rejected = {c.id for e in twice.shown_enablers for c in knowledge.challenges_for(e)}
    assert rejected >= {"organisational_hierarchies", "siloed_funding_and_competition"}
    assert len(offered) == 3 and not [p for p in offered for c in rejected if f'"{c}"' in p]
