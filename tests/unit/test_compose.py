"""The answer pipeline's stages, payload and follow-ups, on the real knowledge with a fake encoder."""

from __future__ import annotations

import pytest

from bot.answer import compose
from bot.answer import types as t
from bot.knowledge.model import Kind
from bot.render.markdown import to_markdown

PAYLOAD_KEYS = {"status", "answer_id", "enabler", "challenge", "example", "fact", "try_this", "citations", "buttons",
                "blocks", "response"}


def _must_not_run(run):
    raise AssertionError("a stage after an early stop ran")


def test_an_early_stop_skips_the_remaining_stages(fake_engine):
    answer = compose.compose_answer("   ", fake_engine, stages=[compose.check_input, _must_not_run])
    assert answer.status == t.EMPTY
    assert answer.response == "utter_unanswerable_empty"


@pytest.mark.parametrize("message, status", [("", t.EMPTY), ("🙂", t.NO_TEXT), ("x" * 5000, t.TOO_LONG),
                                             ("如何建立信任", t.LANGUAGE)])
def test_unusable_input_never_reaches_retrieval(fake_engine, message, status):
    stages = [compose.check_input, _must_not_run]
    assert compose.compose_answer(message, fake_engine, stages=stages).status == status


def test_a_question_in_an_enablers_own_words_is_answered_with_that_enabler(fake_engine):
    answer = compose.compose_answer("Adopting facilitative styles of leadership", fake_engine)
    assert answer.status == t.ANSWERED
    assert answer.enabler_id == "adopting_facilitative_leadership"


def test_the_payload_names_the_enabler_by_its_table2_title_and_cites_verbatim_quotes(fake_engine, knowledge, report_text):
    answer = compose.compose_answer("Adopting facilitative styles of leadership", fake_engine)
    payload = answer.payload
    assert set(payload) == PAYLOAD_KEYS
    assert payload["enabler"] == {"id": "adopting_facilitative_leadership",
                                  "title": "Adopting facilitative styles of leadership", "theme": "Relationships"}
    assert payload["citations"], "an answer always cites"
    for citation in payload["citations"]:
        assert report_text.contains(citation["quote"])
        assert citation["source"] == "Collaboration Executive Summary, National Leadership Centre / Ipsos MORI (2021)"
    assert payload["example"]["id"] == "east_ayrshire_facilitators"
    assert payload["example"]["shows"] == "enabler"
    assert payload["try_this"] == knowledge["adopting_facilitative_leadership"].try_this
    assert {"title": "Another enabler", "payload": "/ask_another_enabler"} in payload["buttons"]


def test_the_markdown_text_carries_the_quote_citation_and_example(fake_engine, knowledge):
    answer = compose.compose_answer("Adopting facilitative styles of leadership", fake_engine)
    enabler = knowledge["adopting_facilitative_leadership"]
    assert f"> {enabler.quotes[0]}" in to_markdown(answer)
    assert "— *Collaboration Executive Summary*, National Leadership Centre / Ipsos MORI (2021), Relationships: Enablers of collaboration" in to_markdown(answer)
    assert "**Example from the report: East Ayrshire Vibrant Communities programme**" in to_markdown(answer)
    assert f"**Try this:** {enabler.try_this}" in to_markdown(answer)


def test_an_enabler_without_its_own_example_says_so_honestly(fake_engine):
    answer = compose.answer_topic(fake_engine, "dedicated_flexible_funding", compose.Memory())
    assert answer.example_id is None
    assert "The report gives no worked example of this enabler." in to_markdown(answer)
    assert answer.payload["example"] is None


def test_an_example_of_the_challenge_is_labelled_as_such(fake_engine):
    answer = compose.answer_topic(fake_engine, "existing_cross_sector_structures", compose.Memory())
    assert answer.payload["example"]["shows"] == "challenge"
    assert "this example shows the challenge it answers" in to_markdown(answer)


def test_a_chosen_challenge_is_answered_with_its_first_enabler_and_named(fake_engine, knowledge):
    answer = compose.answer_topic(fake_engine, "geographical_and_physical_distance", compose.Memory())
    assert answer.enabler_id == knowledge["geographical_and_physical_distance"].enablers[0]
    assert answer.payload["challenge"]["title"] == "Geographical and physical distance"
    assert "That sounds like **Geographical and physical distance**" in to_markdown(answer)


def test_an_unknown_topic_is_declined_not_crashed(fake_engine):
    assert compose.answer_topic(fake_engine, "no_such_item", compose.Memory()).status == t.OUT_OF_SCOPE


def test_another_enabler_never_repeats_one_already_shown(fake_engine, knowledge):
    memory = compose.Memory(last_query="our funding is siloed", challenge_id="siloed_funding_and_competition")
    seen = []
    for _ in range(len(knowledge.of_kind(Kind.ENABLER))):
        answer = compose.another_enabler(fake_engine, memory)
        assert answer.status == t.ANSWERED
        assert answer.enabler_id not in seen
        seen.append(answer.enabler_id)
        memory.shown_enablers.append(answer.enabler_id)
    assert seen[:2] == list(knowledge["siloed_funding_and_competition"].enablers)
    assert compose.another_enabler(fake_engine, memory).status == t.NOTHING_MORE


def test_show_example_gives_the_whole_example_and_another_gives_a_different_one(fake_engine, knowledge):
    memory = compose.Memory(enabler_id="adopting_facilitative_leadership", example_id="east_ayrshire_facilitators")
    first = compose.show_example(fake_engine, memory)
    assert first.example_id == "east_ayrshire_facilitators"
    assert [c["quote"] for c in first.payload["citations"]] == list(knowledge["east_ayrshire_facilitators"].quotes)
    assert "(6 leaders interviewed)" in to_markdown(first)
    memory.shown_examples.append(first.example_id)
    second = compose.show_example(fake_engine, memory, another=True)
    assert second.example_id not in (None, first.example_id)


def test_the_overview_lists_every_enabler_title_by_theme(fake_engine, knowledge):
    answer = compose.enablers_overview(fake_engine)
    for enabler in knowledge.of_kind(Kind.ENABLER):
        assert enabler.title in to_markdown(answer)
    assert [b["title"] for b in answer.button_payloads] == ["Motivations", "Structures", "Relationships"]


def test_the_example_sentence_shown_is_the_one_closest_to_the_question(fake_engine, knowledge):
    from bot.retrieval.search import ItemScore, Retrieval

    example = knowledge["nightingale_courts_programme"]
    last = len(example.quotes) - 1
    retrieval = Retrieval(query="q", items=[ItemScore(example.id, 0.5, 0.5, 0.5)],
                          quote_scores={(example.id, n): (0.9 if n == last else 0.1) for n in range(last + 1)})
    # "This meant it took six weeks…" points back, so the sentence before it comes too.
    assert compose.best_sentences(example, retrieval) == [example.quotes[last - 1], example.quotes[last]]
    assert compose.best_sentences(example, None) == [example.quotes[0]]
    middle = {(example.id, n): (0.9 if n == 1 else 0.1) for n in range(last + 1)}
    assert compose.best_sentences(example, Retrieval(query="q", items=retrieval.items, quote_scores=middle)) == \
        [example.quotes[1]]


def test_an_example_sentence_that_points_back_is_shown_after_the_one_it_needs(knowledge):
    from bot.retrieval.search import ItemScore, Retrieval

    example = knowledge["kent_fire_age_uk"]
    assert example.quotes[1].startswith("This meant they had not considered")
    retrieval = Retrieval(query="q", items=[ItemScore(example.id, 0.5, 0.5, 0.5)],
                          quote_scores={(example.id, 0): 0.2, (example.id, 1): 0.8})
    assert compose.best_sentences(example, retrieval) == list(example.quotes[:2])


def test_a_case_box_that_fits_the_question_clearly_better_displaces_the_enablers_own(fake_engine, knowledge):
    from bot.retrieval.search import ItemScore, Retrieval

    enabler = knowledge["streamlining_decision_making"]
    candidates = [e.id for e in knowledge.examples_for(enabler.id)] + [
        e.id for c in knowledge.challenges_for(enabler.id) for e in knowledge.examples_for(c.id)]
    own, other = candidates[0], next(c for c in candidates if c != candidates[0])
    margin = fake_engine.settings.decision.example_margin
    close = Retrieval(query="q", items=[ItemScore(own, 0.5, 0.5, 0.5), ItemScore(other, 0.5 + margin / 2, 0, 0)])
    clear = Retrieval(query="q", items=[ItemScore(own, 0.5, 0.5, 0.5), ItemScore(other, 0.5 + 2 * margin, 0, 0)])
    assert compose.pick_example(fake_engine, enabler, None, [], close).id == own
    assert compose.pick_example(fake_engine, enabler, None, [], clear).id == other
