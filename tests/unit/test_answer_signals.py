"""Signals that refine a decision: expected answer type, unexplained words, spelling guard, examples."""

from __future__ import annotations

from bot.answer import compose
from bot.answer import types as t
from bot.retrieval.lexical import (DATE, DURATION, MONEY, NUMBER, PUBLICATION_DATE, SpellingCorrector,
                                  asks_about_participants, expected_answer, lookup_kind, stem, unexplained_words)


def test_when_questions_expect_a_date_and_how_many_questions_a_number():
    assert expected_answer("When was the research carried out?") is DATE
    assert expected_answer("what year is this from") is DATE
    assert expected_answer("how many leaders were interviewed") is NUMBER  # Table 1: any count of participants
    assert expected_answer("how do we build trust?") is None
    assert DATE.search("From January to March 2021, Ipsos MORI developed six case studies")
    assert NUMBER.search("develop six case studies") and not NUMBER.search("to join up services")


def test_words_that_only_look_like_a_date_or_figure_question_are_not_one():
    # A "when" clause before the question, "how much" after "realise", and a typed "intervewed".
    assert expected_answer("When the report talks about collaboration, what is it actually describing?") is None
    assert expected_answer("When was the fieldwork done, and how?") is DATE
    assert expected_answer("Did Age UK realise how much the fire service actually does?") is None
    assert lookup_kind("Did Age UK realise how much the fire service actually does?") is None
    assert expected_answer("How much did the PPE factory cost?") is MONEY
    assert asks_about_participants("How many Kent leaders were intervewed?")
    assert asks_about_participants("how many interveiws in total") and not asks_about_participants("how many interventions")
    # The form alone: "who are the NLC?" is told from a request for a person by the knowledge's names (scope.py).
    assert lookup_kind("who are the NLC?") == "person" and lookup_kind("who chairs the ICB?") == "person"


def test_a_reference_is_not_a_figure_nor_a_rate_a_duration():
    assert not NUMBER.search("support during COVID-19, as shown in Figure 1 and Table 1")
    assert NUMBER.search("the Trust’s order of 15,500 gowns a day")
    how_long = expected_answer("How long did it take to get the factory up and running?")
    assert how_long is DURATION
    assert not how_long.search("the Trust’s order of 15,500 gowns a day")  # a rate, not how long
    assert how_long.search("established in six weeks rather than the usual 18-24 months")
    assert not expected_answer("When did the taskforces start?").search("in six weeks")  # how long is not when


def test_how_many_wants_a_number_of_what_is_counted():
    trials = expected_answer("How many jury trials did the Nightingale courts hear?")
    assert not trials.search("in six weeks rather than the usual 18-24 months")
    assert trials.search("they heard 120 jury trials")
    assert expected_answer("how many gowns a day did they make").search("the Trust’s order of 15,500 gowns a day")
    assert expected_answer("how many case studies are there?").search("develop six case studies of collaboration")
    # "People" counts anyone, so 37 participants answer it; "leaders in the network" are not the interviewees.
    table_1 = "Ipsos MORI interviewed 37 participants from a wide range of organisations"
    assert expected_answer("how many people in total?").search(table_1)
    assert expected_answer("Roughly how many people's views is this all based on?").search(table_1)
    assert not expected_answer("How many leaders are in the NLC network?").search(table_1)


def test_a_cost_wants_money_not_any_number():
    cost = expected_answer("What did it cost to set up the Northumbria PPE factory?")
    assert cost is MONEY
    assert not cost.search("the Trust’s order of 15,500 gowns a day") and cost.search("a £2 million budget")


def test_the_spelling_guard_fixes_misspellings_but_leaves_real_words_alone():
    speller = SpellingCorrector(["bureaucracy", "rain", "partners"], min_ratio=0.8, english=["train"])
    assert speller.correct("beaurocracy") == "bureaucracy"
    assert speller.correct("train") == "train"  # English, just not in the report
    assert speller.correct_text("Too much Beaurocracy with partnars") == "Too much bureaucracy with partners"


def test_words_the_knowledge_never_mentions_are_reported():
    corpus = frozenset(stem(w) for w in ["funding", "partners", "trust", "budget"])
    speller = SpellingCorrector(["funding", "partners", "trust", "budget"], 0.8)
    assert unexplained_words("how do I apply for furlough for my partners", corpus, speller) == ["apply", "furlough"]
    assert unexplained_words("partnars dont trust us", corpus, speller) == []


def test_each_unexplained_word_lowers_confidence_until_the_question_is_declined(fake_engine):
    question = "Adopting facilitative styles of leadership"
    assert compose.compose_answer(question, fake_engine).status == t.ANSWERED
    noisy = question + " zyxwv qwert plokij mnbvc"
    run = compose.Run(question=noisy, engine=fake_engine, memory=compose.Memory())
    compose.check_input(run)
    compose.retrieve(run)
    assert len(run.retrieval.unexplained) == 4
    d = fake_engine.settings.decision
    doubt = d.unexplained_penalty * min(4, d.unexplained_max)
    declined = compose.decline_if_out_of_scope(run)
    assert (declined is not None) == (run.retrieval.items[0].score - doubt < d.decline_below)


def test_a_problem_like_a_worked_example_is_answered_with_what_helps(fake_engine, knowledge):
    # The homelessness example shows the challenge of complicated internal systems; a leader
    # describing that problem (no case named, no question asked) gets the challenge's enabler.
    example = knowledge["homelessness_taskforce_processes"]
    problem = example.quotes[1]  # "This made it harder to share learning across regions ..." (no name)
    assert compose.compose_answer(problem, fake_engine, stages=[compose.check_input, compose.retrieve,
                                                                 _top_is(example.id)]).status == "top"
    answer = compose.compose_answer(problem, fake_engine)
    assert answer.status == t.ANSWERED
    assert answer.enabler_id in knowledge["excessive_internal_systems"].enablers


def test_a_question_naming_the_case_gets_the_case(fake_engine):
    answer = compose.compose_answer("What happened with the Homelessness Prevention Taskforce and local authority "
                                    "processes?", fake_engine)
    assert answer.status == t.ANSWERED_FACT
    assert answer.fact_id in ("homelessness_taskforce_processes", "hmpps_homelessness")


def _top_is(item_id):
    def stage(run):
        assert run.retrieval.items[0].item_id == item_id
        return t.Answer(status="top")
    return stage


def test_a_share_wants_a_percentage_and_a_part_wants_a_count_of_that_part():
    rate = expected_answer("What was the response rate for the research?")
    assert not rate.search("From January to March 2021, Ipsos MORI developed six case studies")
    assert rate.search("62% of leaders said so")
    women = expected_answer("How many of the 37 interviewees were women?")
    assert not women.search("37 leaders took part in the research")  # the whole, not the part asked for
    assert women.search("21 women were interviewed")


def test_a_total_is_not_answered_by_a_rate():
    quote = "The factory met the Trust’s order of 15,500 gowns a day."
    assert expected_answer("how many gowns did the factory make?").search(quote)
    assert not expected_answer("How many gowns did the factory make in total over the pandemic?").search(quote)
    assert expected_answer("how many gowns in total?").search("it made 300,000 gowns in all")
    assert not expected_answer("How many gowns did the factory make overall, start to finish?").search(quote)


def test_a_publication_date_is_not_answered_by_the_fieldwork_dates():
    fieldwork = "From January to March 2021, Ipsos MORI developed six case studies exploring collaboration"
    assert expected_answer("When was this executive summary published?") is PUBLICATION_DATE
    assert not PUBLICATION_DATE.search(fieldwork)
    assert PUBLICATION_DATE.search("It was published in June 2021.")
    assert expected_answer("when was the research carried out?") is DATE


def test_who_is_a_name_the_report_describes_asks_what_the_body_is():
    from bot.answer.scope import asks_what_a_body_is

    names = ["Age UK", "Kent", "Kent Fire and Rescue", "NLC", "National Leadership Centre"]
    assert asks_what_a_body_is("who are the NLC?", names)
    assert asks_what_a_body_is("Who are the National Leadership Centre when they're at home?", names)
    assert asks_what_a_body_is("who is Kent Fire and Rescue?", names)
    assert not asks_what_a_body_is("who chairs Age UK?", names)
    assert not asks_what_a_body_is("who is Kent's chief fire officer?", names)
    assert not asks_what_a_body_is("who is the chief executive of Kent Fire and Rescue?", names)
    assert not asks_what_a_body_is("who is kentish town's MP?", names)
