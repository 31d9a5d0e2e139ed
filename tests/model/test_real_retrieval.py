"""The real MiniLM model and index on the real report: verbatim quotes everywhere, and key behaviours."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.answer import compose
from bot.answer import types as t
from bot.evaluate import evaluate, load_dev_set
from bot.render.markdown import to_markdown

pytestmark = pytest.mark.model
EVAL = Path(__file__).resolve().parents[1] / "eval"


def every_eval_question() -> list[str]:
    questions = []
    for name in ("dev_set.yml", "heldout_set.yml", "independent_set.yml"):
        data = yaml.safe_load((EVAL / name).read_text(encoding="utf-8"))
        questions += [case["q"] for case in data["in_scope"]] + list(data["off_topic"])
        questions += list(data.get("collaboration_problems") or [])
    return questions


def test_every_quote_in_every_eval_answer_is_verbatim_in_the_report(real_engine, report_text):
    checked = 0
    for question in every_eval_question():
        answer = compose.compose_answer(question, real_engine)
        if answer.payload is None:
            assert not answer.is_answer
            continue
        quotes = [c["quote"] for c in answer.payload["citations"]]
        quotes += (answer.payload["example"] or {}).get("quotes", [])
        for quote in quotes:
            assert report_text.contains(quote), (question, quote)
            assert f"> {quote}" in to_markdown(answer)  # and shown to the user exactly as cited
            checked += 1
    assert checked > 300


def test_follow_up_answers_quote_verbatim_too(real_engine, knowledge, report_text):
    memory = compose.Memory(last_query="partners dont trust us")
    for _ in range(len(knowledge.of_kind(compose.Kind.ENABLER))):
        answer = compose.another_enabler(real_engine, memory)
        memory.shown_enablers.append(answer.enabler_id)
        memory.enabler_id = answer.enabler_id
        example = compose.show_example(real_engine, memory)
        for a in (answer, example):
            assert all(report_text.contains(c["quote"]) for c in a.payload["citations"])


@pytest.mark.parametrize("question, enabler_theme", [
    ("partners dont trust us what do i do", "relationships"),
    ("our budgets are ring-fenced so we can't pool money", "structures"),
    ("too much red tape between agencies", "structures"),
    ("every agency has its own priorities and we keep pulling in different directions", "motivations"),
])
def test_leaders_problems_get_an_enabler_from_the_right_theme(real_engine, knowledge, question, enabler_theme):
    answer = compose.compose_answer(question, real_engine)
    assert answer.status == t.ANSWERED
    assert knowledge[answer.enabler_id].theme == enabler_theme


@pytest.mark.parametrize("question, item", [
    ("how many leaders were interviewed?", "participants_total"),
    ("when was the research carried out", "fieldwork_dates"),
    ("what does the report mean by collaboration", "definition_of_collaboration"),
])
def test_fact_questions_get_the_sentence_that_answers_them(real_engine, question, item):
    answer = compose.compose_answer(question, real_engine)
    assert (answer.status, answer.fact_id) == (t.ANSWERED_FACT, item)
    assert len(answer.payload["citations"]) == 1


@pytest.mark.parametrize("question, item", [
    # a "when" clause, not a date asked for (both were "the report does not give that date")
    ("When the report talks about collaboration, what is it actually describing?", "definition_of_collaboration"),
    # a named body asked about itself, not a person's name (was declined once "NLC" was taken out)
    ("who are the NLC?", "about_nlc"),
    # any name the report describes, not only the authors ("who chairs Age UK?" still asks for a person)
    ("who is Vibrant Communities?", "east_ayrshire_vibrant_communities"),
    ("who are Ipsos MORI?", "commission"),
])
def test_questions_that_only_look_like_look_ups_are_answered(real_engine, question, item):
    answer = compose.compose_answer(question, real_engine)
    assert (answer.status, answer.fact_id) == (t.ANSWERED_FACT, item)


def test_a_named_case_is_answered_from_the_case(real_engine):
    answer = compose.compose_answer("how did Kent Fire and Rescue work with Age UK?", real_engine)
    assert answer.fact_id in ("kent_fire_rescue", "kent_fire_age_uk")


@pytest.mark.parametrize("question", ["what's the weather like in Leeds", "how do I renew my passport",
                                      "what does the NHS spend on agency staff?", "what is 17 times 23",
                                      "can you give me legal advice about a contract dispute",
                                      # the figure of speech is kept when it is literal
                                      "I've got a bad headache, what should I take?",
                                      # party politics, though it shares "social care funding" with an enabler
                                      "Which political party has the best plan for funding social care?"])
def test_questions_the_report_does_not_cover_are_declined(real_engine, question):
    answer = compose.compose_answer(question, real_engine)
    assert answer.status == t.OUT_OF_SCOPE
    assert answer.enabler_id is None and answer.quotes == ()


@pytest.mark.parametrize("question", ["partners nod along at the steering group, then nothing happens back at base",
                                      "Nobody trusts anybody.",
                                      # an out-of-scope topic (law) nearly ties: asked about, not declined
                                      "legal stuff with our partners keeps tripping us up",
                                      # about partners only by the body worked with
                                      "how can we work better with the fire service",
                                      # a figure of speech the model reads as a medical question
                                      "the S75 agreement with health is giving us headaches",
                                      # the off-topic model is sure, but a body is named as the one worked with
                                      "any advice on working with the OPCC?",
                                      # "who pays for what" is an argument over money, not a request for a figure
                                      "endless arguments over who pays for what in the pooled budget",
                                      "the prison and the local council just aren't connecting",
                                      # a body as the subject of the sentence, doing something to the leader's side
                                      "The fire service keep muscling in on everything and it's causing friction"])
def test_a_collaboration_problem_is_never_flatly_declined(real_engine, question):
    answer = compose.compose_answer(question, real_engine)
    assert answer.status in (t.ANSWERED, t.CLARIFICATION)
    if answer.status == t.CLARIFICATION:
        assert answer.button_payloads[-1]["title"] == "None of these — let me rephrase"


def test_a_figure_the_report_does_not_give_is_said_plainly(real_engine):
    answer = compose.compose_answer("what percentage of leaders said collaboration was better?", real_engine)
    assert answer.status == t.NOT_IN_REPORT and answer.enabler_id is None
    assert to_markdown(answer).startswith("The report does not give that figure.")
    assert "majority" in answer.payload["citations"][0]["quote"]


@pytest.mark.parametrize("question, lead", [
    # what came after the report: its fieldwork ended in March 2021
    ("what did the 2024 review of the Nightingale courts find?", "The report draws on interviews from January to March 2021"),
    # its publication date: the fieldwork dates are not it
    ("when did the report come out?", "The report does not give that date."),
    # "Clinical Commissioning Groups" spells out "CCGs" and names none of them
    ("which CCGs did the Northumbria trust work with?", "The report does not give that name."),
    ("Were the interviews done on Teams or face to face?", "The report does not say how the interviews were held."),
    # it cites King et al. (2020) for one point, on power, resources and knowledge
    ("What did King et al. (2020) conclude about digital tools for collaboration?",
     "The report cites one literature review, King et al. (2020), for a single point"),
    # it says where the synthesis report is, not its web address
    ("can I have a link to the synthesis report", "The report does not give that web address."),
])
def test_what_the_report_does_not_give_is_said_plainly_with_what_it_does_say(real_engine, report_text, question, lead):
    answer = compose.compose_answer(question, real_engine)
    assert answer.status == t.NOT_IN_REPORT and answer.enabler_id is None
    assert to_markdown(answer).startswith(lead)
    assert answer.payload["citations"] and all(report_text.contains(c["quote"]) for c in answer.payload["citations"])


@pytest.mark.parametrize("question", ["are the homelessness taskforces still running?",
                                      "which one of the case studies worked best?",
                                      "order a taxi for the LRF debrief on Tuesday"])
def test_later_events_rankings_and_errands_are_never_answered(real_engine, question):
    answer = compose.compose_answer(question, real_engine)
    assert answer.status.startswith("unanswerable") and answer.enabler_id is None


def test_the_one_web_address_the_report_prints_is_given(real_engine):
    answer = compose.compose_answer("what's the web address of the King et al literature review?", real_engine)
    assert (answer.status, answer.fact_id) == (t.ANSWERED_FACT, "literature_power_asymmetries")
    assert answer.payload["citations"][0]["quote"].startswith("https://www.gov.uk/government/publications/")


@pytest.mark.parametrize("question", ["what does the literature say about unequal partners?",
                                      "what does the wider literature say on power imbalances between partners?"])
def test_the_point_the_report_takes_from_the_literature_is_answered_as_a_fact(real_engine, question):
    answer = compose.compose_answer(question, real_engine)
    assert (answer.status, answer.fact_id) == (t.ANSWERED_FACT, "literature_power_asymmetries")


def test_the_example_sentence_is_the_one_that_fits_the_question(real_engine, knowledge):
    answer = compose.compose_answer("a joint service takes us 18 months to set up", real_engine)
    assert answer.status == t.ANSWERED and answer.example_id
    shown = answer.payload["example"]["quotes"]
    assert any("18-24 months" in q for q in shown), shown


def test_the_dev_set_meets_the_accuracy_targets(real_engine):
    # The targets of the issue on our dev set: >= 95 % in-scope and >= 95 % of off-topic declined.
    result = evaluate(real_engine, load_dev_set(EVAL / "dev_set.yml"), "hybrid")
    in_scope = (result.enabler_correct + result.fact_correct) / (result.enabler_total + result.fact_total)
    declined = result.declined / result.off_topic_total
    assert in_scope >= 0.95, result.misses
    assert declined >= 0.95, result.misses


def test_a_bare_keyword_several_items_share_gets_a_clarification_and_an_items_own_keyword_an_answer(real_engine):
    asked = compose.compose_answer("funding", real_engine)  # three funding challenges and an enabler
    assert asked.status == t.CLARIFICATION
    assert sum("funding" in b["title"].lower() for b in asked.button_payloads) >= 2
    answered = compose.compose_answer("stakeholder buy-in", real_engine)
    assert answered.status == t.ANSWERED and answered.enabler_id == "buy_in_from_all_levels"
