"""The passage stage (bot/answer/passages.py) on the real report with a fake encoder: what it adds to an item's
answer, when it answers alone, when it declines, and that everything it quotes is verbatim and cited."""

from __future__ import annotations

import dataclasses

import pytest

from bot.retrieval.search import Retrieval
from bot.render import to_markdown
from bot.answer import compose, passages
from bot.answer import types as t
from bot.knowledge.source import fold_space


def items_decline(run):
    """Stands in for the item stages declining, so the passage stage decides alone."""
    return compose.canned(t.OUT_OF_SCOPE)


ONLY_PASSAGES = [compose.check_input, compose.retrieve, items_decline]


@pytest.fixture()
def engine(fake_engine):
    """The fake engine with permissive passage thresholds (the fake encoder's cosines are not MiniLM's)."""
    s = fake_engine.settings
    loose = dataclasses.replace(s.passages, answer_min=0.2, dense_min=0.1, add_min=0.2, lacks_min=0.1)
    return dataclasses.replace(fake_engine, settings=dataclasses.replace(s, passages=loose))


def shown(answer: t.Answer) -> str:
    return fold_space(" ".join(q.text for q in answer.quotes))


def test_the_engine_holds_every_passage_of_the_report_with_the_items_that_quote_it(fake_engine):
    search = fake_engine.passages
    assert search is not None and len(search.passages) >= 45
    assert "variation_in_funding_periods" in search.items[
        "structures/challenges-for-collaboration/siloed-funding-streams-and-competition-for"]


def test_no_item_answers_but_a_passage_does_the_report_says_it_with_section_and_challenge(engine, knowledge, report_text):
    answer = compose.compose_answer("why can organisations not guarantee funds for a joint bid for commissioned services",
                                    engine, stages=ONLY_PASSAGES)
    assert answer.status == t.ANSWERED_FACT
    assert to_markdown(answer).startswith("The report says:")
    assert "cannot guarantee funds over the necessary timescales" in shown(answer)
    assert "Structures: Challenges for collaboration" in to_markdown(answer)
    assert "**Variation in funding periods**" in to_markdown(answer)  # the challenge the passage belongs to
    assert answer.challenge_id == "variation_in_funding_periods"
    citation = answer.payload["citations"][0]
    assert citation["section"] == "Structures: Challenges for collaboration"
    assert fold_space(citation["quote"]) == shown(answer)
    assert answer.button_payloads[0]["payload"].startswith("/choose_topic")


def test_a_case_box_is_cited_by_its_title(engine):
    answer = compose.compose_answer("who visited venues to assess their suitability as courts", engine,
                                    stages=ONLY_PASSAGES)
    assert "local stakeholders from the legal system" in shown(answer)
    assert "case example: Nightingale Courts" in answer.payload["citations"][0]["section"]


def test_a_figure_no_passage_holds_is_declined_saying_what_the_report_does_say(engine):
    answer = compose.compose_answer("what percentage of leaders said collaboration was better in the pandemic?",
                                    engine, stages=ONLY_PASSAGES)
    assert answer.status == t.NOT_IN_REPORT
    assert to_markdown(answer).startswith("The report does not give that figure. What it does say:")
    assert "the majority of leaders reporting that collaboration was better" in shown(answer)


def test_contact_details_stay_declined_whatever_a_passage_matches(engine):
    answer = compose.compose_answer("what's the phone number for Kent Fire and Rescue Service", engine,
                                    stages=ONLY_PASSAGES)
    assert answer.status == t.OUT_OF_SCOPE and not answer.quotes


def test_a_persons_name_is_never_answered_with_a_card(engine):
    answer = compose.compose_answer("who was the director of the Vibrant Communities programme in East Ayrshire?", engine)
    assert answer.status == t.NOT_IN_REPORT
    assert to_markdown(answer).startswith("The report does not give that name.")
    assert "East Ayrshire" in shown(answer)


def test_an_item_answer_gains_the_sentence_that_answers_without_repeating_what_it_shows(engine):
    question = "why is it hard to put in a joint bid for commissioned services?"
    items_answer = [compose.check_input, compose.retrieve, compose.choose_and_render]
    plain = compose.choose_and_render(run_of(question, engine))
    answer = compose.compose_answer(question, engine, stages=items_answer)
    assert answer.enabler_id == plain.enabler_id and answer.status == plain.status == t.ANSWERED  # the same card
    assert plain.quotes == answer.quotes[:-1]
    assert "cannot guarantee funds over the necessary timescales" in shown(answer)
    assert "The report's words closest to your question:" in to_markdown(answer)
    assert to_markdown(answer).index("closest to your question") < to_markdown(answer).index("**Try this:**")
    assert len(answer.payload["citations"]) == len(answer.quotes)
    again = passages.add_best_words(compose.Run("x", engine, compose.Memory(), text=answer.quotes[-1].text,
                                                retrieval=Retrieval("x", [])),
                                    answer, engine.passages.search(answer.quotes[-1].text))
    assert again.quotes == answer.quotes  # already shown: nothing added twice


def run_of(question: str, engine) -> compose.Run:
    run = compose.Run(question, engine, compose.Memory())
    compose.check_input(run)
    compose.retrieve(run)
    return run


def test_unusable_input_and_clarifications_are_left_alone(engine):
    assert compose.compose_answer("", engine).status == t.EMPTY
    assert compose.compose_answer("如何建立信任", engine).status == t.LANGUAGE


def test_every_passage_quote_is_whole_sentences_verbatim_in_the_report(engine, knowledge):
    from bot.knowledge.loader import _Loader

    _, source = _Loader(engine.settings.knowledge_dir).load_source()
    for question in ("joint bid for commissioned services", "what did offender managers grapple with",
                     "how many gowns a day", "who commissioned Ipsos MORI", "home working burnout illness"):
        answer = compose.compose_answer(question, engine, stages=ONLY_PASSAGES)
        for quote in answer.quotes:
            assert source.contains(quote.text), quote.text
            assert quote.text[0].isupper() or quote.text[0] in "‘(", quote.text


def test_a_long_passage_is_quoted_by_its_best_sentences_under_the_limit(engine):
    hit = next(h for h in engine.passages.search("who commissioned Ipsos MORI to develop case studies", k=10)
               if h.passage.id.startswith("introduction/"))
    words = passages.quote_window(hit, 300)
    assert len(words) <= 300 and "The NLC commissioned Ipsos MORI" in words
    assert words in hit.passage.text
    assert passages.quote_window(hit, 5000) == hit.passage.text


def test_passage_vectors_are_embedded_once_and_reused_like_the_items(tmp_path, knowledge):
    from bot.knowledge.segment import report_passages
    from bot.retrieval.passage_search import build_passage_vectors, load_passage_vectors
    from tests.conftest import ROOT
    from tests.fakes import FakeEncoder

    passages_ = report_passages(ROOT / "knowledge")
    encoder = FakeEncoder()
    texts, embedded = build_passage_vectors(passages_, encoder, tmp_path)
    assert texts == embedded > len(passages_)  # each passage and, for longer ones, each sentence
    assert build_passage_vectors(passages_, encoder, tmp_path) == (texts, 0)
    # One passage edited: only its texts are embedded again.
    edited = [dataclasses.replace(p, text=p.text + " Extra words.") if n == 0 else p for n, p in enumerate(passages_)]
    assert 0 < build_passage_vectors(edited, encoder, tmp_path)[1] < 10
    assert load_passage_vectors(edited, encoder, tmp_path).shape[0] == texts + 1


def test_validate_names_a_passage_that_is_not_verbatim(report_text):
    from bot.knowledge.segment import check_verbatim, report_passages
    from tests.conftest import ROOT

    passages_ = report_passages(ROOT / "knowledge")
    wrong = [dataclasses.replace(passages_[0], text=passages_[0].text.replace("Leadership", "Leadershp"))]
    problems = check_verbatim(wrong, report_text)
    assert len(problems) == 1 and passages_[0].id in problems[0] and "lines 3-10" in problems[0]


@pytest.mark.parametrize("question, asks", [
    ("Which trust did Kent work with?", True),
    ("In which councils did the research take place?", True),
    ("what's the name of the company that made the gowns?", True),
    # a relative clause is no question about an organisation
    ("We compete with our VCSE partners for grants, which kills any trust.", False),
    ("Funding is annual, which councils hate.", False),
])
def test_a_request_for_an_organisations_name_is_told_from_a_relative_clause(question, asks):
    assert bool(passages.ASKS_FOR_AN_ORGANISATION.search(question)) is asks
