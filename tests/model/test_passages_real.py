"""The report's passages with the real MiniLM model: the issue's detail questions, declines, verbatim quotes,
and `bot search`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot import cli
from bot.render import to_markdown
from bot.answer import compose
from bot.answer import types as t
from bot.knowledge.loader import _Loader
from bot.knowledge.source import fold_space

pytestmark = pytest.mark.model
EVAL = Path(__file__).resolve().parents[1] / "eval"


def shown(answer: t.Answer) -> str:
    return fold_space(" ".join(q.text for q in answer.quotes))


# The five detail questions of issue 15 (they are also in tests/eval/detail_dev_set.yml, which tunes on them).
ISSUE_QUESTIONS = [
    ("what did Kent Fire and Rescue do for the ambulance service?",
     "as well as supporting the local ambulance service’s pandemic response"),
    ("why is it hard to put in a joint bid for commissioned services?",
     "cannot guarantee funds over the necessary timescales"),
    ("why could home working put collaborative projects at risk?", "given the risk of illness or burnout"),
    ("who went on the site visits to check venues for the courts?", "local stakeholders from the legal system"),
    ("apart from the PPE factory, what did Northumbria set up with the council and CCGs?",
     "a new discharge pathway for patients from hospital to local care homes"),
]


@pytest.mark.parametrize("question, words", ISSUE_QUESTIONS)
def test_the_issues_detail_questions_show_the_sentence_that_answers(real_engine, question, words):
    answer = compose.compose_answer(question, real_engine)
    assert answer.is_answer
    assert words in shown(answer)


def test_a_percentage_the_report_does_not_give_is_declined_with_what_it_says(real_engine):
    answer = compose.compose_answer("What percentage of leaders said collaboration improved?", real_engine)
    assert answer.status == t.NOT_IN_REPORT
    assert "majority of leaders" in shown(answer)


def test_a_date_the_report_gives_is_never_said_to_be_missing(real_engine):
    # The best item (how the case studies were chosen) holds no date; the Methodology passage does.
    answer = compose.compose_answer("When was the fieldwork for the six case studies carried out?", real_engine)
    assert answer.status == t.ANSWERED_FACT
    assert "From January to March 2021" in shown(answer)
    assert "does not give" not in to_markdown(answer)


@pytest.mark.parametrize("question", [
    "How many jury trials did the Nightingale courts hear?",        # its numbers count weeks and months
    "How many elderly people did Kent FRS support while they were self isolating?",  # only "COVID-19" has digits
    "What did it cost to set up the Northumbria PPE factory?",     # 15,500 gowns is not a cost
    "When did the HMPPS homelessness prevention taskforces start?",
])
def test_a_figure_of_another_kind_is_not_taken_for_the_one_asked(real_engine, question):
    answer = compose.compose_answer(question, real_engine)
    assert answer.status == t.NOT_IN_REPORT, to_markdown(answer)
    assert to_markdown(answer).startswith("The report does not give that")


@pytest.mark.parametrize("question, words", [
    ("how many gowns a day did the Northumbria factory make?", "15,500 gowns a day"),
    ("how long did it take to set up the Nightingale courts?", "six weeks rather than the usual 18-24 months"),
])
def test_the_figure_the_report_gives_still_answers(real_engine, question, words):
    answer = compose.compose_answer(question, real_engine)
    assert answer.is_answer and words in shown(answer)


def test_a_name_the_report_does_not_give_is_said_to_be_missing(real_engine):
    answer = compose.compose_answer("What's the name of the textiles company that made PPE with Northumbria "
                                    "Healthcare?", real_engine)
    assert to_markdown(answer).startswith("The report does not give that name.")


@pytest.mark.parametrize("question, name", [
    ("which charity did Kent Fire and Rescue work with?", "Age UK"),
    ("what was the name of the programme that sped up opening court venues?",
     "Additional Courts and Tribunal Capacity Programme"),
])
def test_a_name_the_report_gives_answers(real_engine, question, name):
    answer = compose.compose_answer(question, real_engine)
    assert answer.is_answer and name in shown(answer)


def test_a_date_the_report_lacks_is_still_said_to_be_missing(real_engine):
    answer = compose.compose_answer("what year was the Bristol programme launched?", real_engine)
    assert to_markdown(answer).startswith("The report does not give that date.")


@pytest.mark.parametrize("question, row", [
    ("how many leaders from the Northumbria response were interviewed?", "Responding to COVID-19 in Northumbria 7"),
    ("How many people from Kent Fire and Rescue took part in the interviews?",
     "Kent Fire and Rescue Service, Responding to COVID-19 5"),
])
def test_how_many_took_part_in_a_named_case_quotes_its_row_of_table_1(real_engine, question, row):
    assert row in shown(compose.compose_answer(question, real_engine))


@pytest.mark.parametrize("question, case", [
    ("how much did the Nightingale courts cost?", "Nightingale Courts"),
    # The words match no passage well (no passage talks money about Kent), but the case is named.
    ("what was the budget of the Kent partnership?", "Kent"),
])
def test_a_cost_the_report_does_not_give_is_declined_with_what_it_says_of_the_case(real_engine, question, case):
    answer = compose.compose_answer(question, real_engine)
    assert answer.status == t.NOT_IN_REPORT
    assert to_markdown(answer).startswith("The report does not give that figure.")
    assert case in shown(answer)


@pytest.mark.parametrize("question", ["what's the weather in Kent tomorrow?", "what's the council tax rate in Kent",
                                      "what's the phone number for Kent Fire and Rescue", "how do i renew my passport",
                                      "how many prisons are there in England", "is the council recruiting"])
def test_off_topic_questions_are_not_answered_from_passages(real_engine, question):
    answer = compose.compose_answer(question, real_engine)
    assert answer.status.startswith("unanswerable")
    assert "The report says:" not in to_markdown(answer)


def test_every_quote_in_every_detail_answer_is_verbatim_in_the_report(real_engine):
    _, source = _Loader(real_engine.settings.knowledge_dir).load_source()
    for name in ("detail_dev_set.yml", "detail_set.yml"):
        for case in yaml.safe_load((EVAL / name).read_text(encoding="utf-8"))["detail"]:
            answer = compose.compose_answer(case["q"], real_engine)
            for citation in (answer.payload or {}).get("citations", []):
                assert source.contains(citation["quote"]), (case["q"], citation["quote"])


def test_bot_search_prints_passages_with_section_id_and_score(capsys):
    assert cli.main(["search", "-k", "2", "joint", "bid", "for", "commissioned", "services"]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.split()[1] == "structures/challenges-for-collaboration/siloed-funding-streams-and-competition-for"
    assert "[Structures > Challenges for collaboration, lines 146-160]" in first
    assert float(first.split()[0]) > 0
    assert "cannot guarantee funds over the necessary timescales" in out
    assert cli.main(["search", "  "]) == 2
    assert "give some words" in capsys.readouterr().err


def test_with_the_items_declining_a_detail_question_is_answered_from_its_passage_at_the_real_thresholds(real_engine):
    # The items answer nearly every in-report question first, so force their decline to test the passage path.
    stages = [compose.check_input, compose.retrieve, lambda run: compose.canned(t.OUT_OF_SCOPE)]
    answer = compose.compose_answer("why might a partner be unable to join a joint bid for commissioned services?",
                                    real_engine, stages=stages)
    assert answer.status == t.ANSWERED_FACT and to_markdown(answer).startswith("The report says:")
    assert "cannot guarantee funds over the necessary timescales" in shown(answer)
    assert "Structures: Challenges for collaboration" in to_markdown(answer)
    declined = compose.compose_answer("what's the weather in Leeds tomorrow?", real_engine, stages=stages)
    assert declined.status == t.OUT_OF_SCOPE
