"""The index embeds every item's texts and re-embeds only what changed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bot.errors import IndexMissingError
from bot.retrieval.index import DenseIndex, build_index, entries_for
from tests.fakes import FakeEncoder


def test_a_rebuild_with_nothing_changed_embeds_nothing(knowledge, tmp_path):
    encoder = FakeEncoder()
    first = build_index(knowledge, encoder, tmp_path)
    assert first.embedded > 0 and first.entries == len(entries_for(knowledge))
    second = build_index(knowledge, encoder, tmp_path)
    assert (second.embedded, second.reused) == (0, second.entries)


def test_editing_one_question_re_embeds_only_that_question(knowledge, tmp_path):
    encoder = FakeEncoder()
    build_index(knowledge, encoder, tmp_path)
    item = knowledge["being_solutions_focused"]
    edited = dataclasses.replace(item, questions=item.questions[:-1] + ("a brand new way of asking this",))
    changed = dataclasses.replace(knowledge, items={**knowledge.items, item.id: edited})
    report = build_index(changed, encoder, tmp_path)
    assert report.embedded == 1


def test_loading_an_index_built_for_other_knowledge_is_refused(knowledge, tmp_path):
    encoder = FakeEncoder()
    build_index(knowledge, encoder, tmp_path)
    item = knowledge["being_solutions_focused"]
    changed = dataclasses.replace(knowledge, items={**knowledge.items, item.id: dataclasses.replace(item, questions=("new",))})
    with pytest.raises(IndexMissingError, match="run `bot index`"):
        DenseIndex.load(changed, tmp_path, encoder.name)


def test_search_returns_an_items_own_title_first(knowledge, tmp_path):
    encoder = FakeEncoder()
    build_index(knowledge, encoder, tmp_path)
    index = DenseIndex.load(knowledge, tmp_path, encoder.name)
    hits = index.search(encoder.encode(["Dedicated, flexible funding"])[0], 3)
    assert hits[0][0].item_id == "dedicated_flexible_funding"
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)


def test_similarities_are_every_entrys_inner_product_in_entry_order(knowledge, settings, tmp_path):
    """Retrieval takes an item's best text by position (one numpy reduction), so FAISS's best-first answer
    must come back in entry order, the in-memory stand-in must agree, and each item's dense score must be
    the best of its texts as a plain search would find it."""
    from bot.retrieval.memory import InMemoryIndex
    from bot.retrieval.search import HybridRetriever

    encoder = FakeEncoder()
    build_index(knowledge, encoder, tmp_path)
    index = DenseIndex.load(knowledge, tmp_path, encoder.name)
    query = encoder.encode(["partners dont trust us"])[0]
    expected = index.vectors() @ query
    assert np.allclose(index.similarities(query), expected, atol=1e-5)
    assert np.allclose(InMemoryIndex(index.entries, index.vectors()).similarities(query), expected, atol=1e-5)
    best: dict[str, float] = {}
    for entry, score in index.search(query, len(index.entries)):
        best[entry.item_id] = max(best.get(entry.item_id, -1.0), score)
    dense, quotes, _ = HybridRetriever(knowledge, index, encoder, settings.retrieval, "dense")._dense(
        "partners dont trust us")
    assert dense.keys() == best.keys()
    assert all(dense[i] == pytest.approx(best[i], abs=1e-5) for i in best)
    assert len(quotes) == sum(e.field == "quote" for e in index.entries)


def test_the_in_memory_retriever_scores_exactly_as_the_faiss_index_does(knowledge, fake_engine, tmp_path):
    """Unit tests search in memory (ADR 0013); that stand-in must decide as the real index would."""
    from bot.engine import Engine

    build_index(knowledge, FakeEncoder(), tmp_path)
    on_disk = Engine.build(dataclasses.replace(fake_engine.settings, index_dir=tmp_path), encoder=FakeEncoder(),
                           knowledge=knowledge)
    for question in ("partners dont trust us what do i do", "funding", "how did Kent Fire and Rescue work with Age UK?",
                     "when are the bins collected"):
        real, memory = on_disk.retriever.retrieve(question), fake_engine.retriever.retrieve(question)
        assert [h.item_id for h in memory.items[:10]] == [h.item_id for h in real.items[:10]], question
        for a, b in zip(memory.items, real.items):
            assert a.score == pytest.approx(b.score, abs=1e-5) and a.head == pytest.approx(b.head, abs=1e-5)
        assert memory.quote_scores.keys() == real.quote_scores.keys()


def test_the_dense_adapter_learns_the_same_map_from_the_faiss_index_and_from_memory(knowledge, fake_engine, tmp_path):
    from bot.retrieval.adapter import DenseAdapter

    build_index(knowledge, FakeEncoder(), tmp_path)
    on_disk = DenseAdapter.train(DenseIndex.load(knowledge, tmp_path, FakeEncoder.name), epochs=3, temperature=0.05)
    in_memory = DenseAdapter.train(fake_engine.retriever.index, epochs=3, temperature=0.05)
    assert np.allclose(on_disk.matrix, in_memory.matrix, atol=1e-5)
