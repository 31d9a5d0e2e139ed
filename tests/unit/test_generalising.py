"""Bank cross-validation, the item head, the fine-tuning inputs and the collaboration vocabulary."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bot import crossval
from bot.retrieval import finetune
from bot.retrieval.adapter import DenseAdapter, _gradient, _normalised
from bot.knowledge.glossary import load_glossary
from bot.retrieval.head import Head
from bot.retrieval.index import DenseIndex, build_index
from bot.retrieval.lexical_head import LEXICAL_HEAD_FILE, LexicalHead
from bot.retrieval.memory import InMemoryIndex
from bot.retrieval.off_topic import OffTopicModel
from bot.knowledge.model import Kind
from tests.fakes import FakeEncoder


def test_the_folds_split_every_bank_without_overlap_or_loss(knowledge):
    folds = crossval.split(knowledge, 5, seed=7)
    every = {(i.id, n) for i in knowledge.items.values() for n in range(len(i.questions))}
    assert set().union(*folds) == every and sum(len(f) for f in folds) == len(every)
    for item in knowledge.items.values():  # each bank is spread evenly, so no item loses its whole bank
        per_fold = [sum(1 for held in f if held[0] == item.id) for f in folds]
        assert max(per_fold) - min(per_fold) <= 1


def test_a_fold_takes_its_questions_out_of_the_knowledge_and_asks_them(knowledge):
    held = crossval.split(knowledge, 5, seed=7)[0]
    known = crossval.without(knowledge, held)
    asked = crossval.held_out_set(knowledge, held)
    kept = {q for i in known.items.values() for q in i.questions}
    questions = [c["q"] for c in asked["in_scope"]] + asked["off_topic"]
    assert len(questions) == len(held) and not kept & set(questions)
    oos = {q for i in knowledge.of_kind(Kind.OUT_OF_SCOPE) for q in i.questions}
    assert set(asked["off_topic"]) <= oos


def test_a_challenges_bank_question_counts_as_right_with_one_of_its_enablers(knowledge):
    challenge = knowledge.of_kind(Kind.CHALLENGE)[0]
    assert crossval.expected(knowledge, challenge.id) == {"enabler": list(challenge.enablers)}


def test_the_head_puts_an_items_own_title_on_that_item(knowledge, tmp_path):
    encoder = FakeEncoder()
    build_index(knowledge, encoder, tmp_path)
    index = DenseIndex.load(knowledge, tmp_path, encoder.name)
    head = Head.load_or_train(index, tmp_path, regularisation=16.0)
    probabilities = head.probabilities(encoder.encode(["Dedicated, flexible funding"])[0])
    assert max(probabilities, key=probabilities.get) == "dedicated_flexible_funding"
    assert abs(sum(probabilities.values()) - 1.0) < 1e-4
    again = Head.load_or_train(index, tmp_path, regularisation=16.0)  # from the cache beside the index
    assert np.allclose(again.coef, head.coef)


def test_the_fine_tuned_model_is_keyed_by_its_inputs(settings, knowledge):
    on = dataclasses.replace(settings.finetune, epochs=2)
    first = finetune.trained_model(settings.model, on, knowledge)
    assert first == finetune.trained_model(settings.model, on, knowledge)  # same inputs, same folder
    item = knowledge["being_solutions_focused"]
    changed = dataclasses.replace(knowledge, items={**knowledge.items, item.id: dataclasses.replace(
        item, questions=item.questions + ("a new way of asking",))})
    assert finetune.trained_model(settings.model, on, changed).path != first.path
    assert finetune.trained_model(settings.model, dataclasses.replace(on, epochs=0), knowledge) is None


def test_every_bank_question_is_an_anchor_once_an_epoch_against_another_text_of_its_item(knowledge):
    groups = finetune.training_groups(knowledge)
    steps = list(finetune.batches(groups, batch_size=32, epochs=2, seed=7))
    anchors = [(item_id, anchor) for batch in steps for item_id, anchor, _ in batch]
    questions = [(item_id, q) for item_id, group in groups.items() for q in group.questions]
    assert sorted(anchors) == sorted(questions * 2)
    for batch in steps:
        assert 2 <= len(batch) <= 32
        for item_id, anchor, positive in batch:
            assert positive != anchor and positive in groups[item_id].texts
    item = knowledge["being_solutions_focused"]
    assert groups[item.id].texts[0] == item.title and set(item.quotes) <= set(groups[item.id].texts)
    assert steps == list(finetune.batches(groups, batch_size=32, epochs=2, seed=7))  # a fixed seed repeats


def test_the_collaboration_vocabulary_tells_partner_problems_from_other_messages(settings):
    vocabulary = load_glossary(settings.knowledge_dir)
    assert vocabulary.about_collaboration("Nobody trusts anybody.")
    assert vocabulary.about_collaboration("the other agencies nod along and then nothing happens")
    assert not vocabulary.about_collaboration("what's the weather like in Leeds")
    assert not vocabulary.about_collaboration("my colleague keeps taking credit for my work")
    # bodies that are partnerships by definition
    assert vocabulary.about_collaboration("working with the ICB is a nightmare")
    assert vocabulary.about_collaboration("the LRF never meets between incidents")
    # a body named as the one worked with, but never a body on its own
    assert vocabulary.about_collaboration("working with the NHS is hard")
    assert vocabulary.about_collaboration("how can we work better with the fire service")
    assert not vocabulary.about_collaboration("what's the NHS waiting list in Kent?")
    assert not vocabulary.about_collaboration("working with my line manager is hard")
    # a body brought in, or two bodies named together
    assert vocabulary.names_a_partner("how do i get the district councils interested")
    assert vocabulary.names_a_partner("getting the GPs on board with the new pathway")
    assert vocabulary.names_a_partner("the prison and the local council just aren't connecting")
    assert vocabulary.names_a_partner("cross-border working with the neighbouring force isn't great")
    assert not vocabulary.names_a_partner("get the council tax bill sorted")
    assert not vocabulary.names_a_partner("a partner meeting next week")  # a partnership word, but no body
    # a body doing something to the leader's side, as the subject of a sentence ("our council" may be one's employer)
    assert vocabulary.names_a_partner("The fire service want in on everything and it's causing friction.")
    assert vocabulary.names_a_partner("We agreed it in March. The council keep letting us down.")
    assert not vocabulary.names_a_partner("our council keeps changing my rota")
    assert not vocabulary.names_a_partner("the NHS waiting list is too long")


def test_figures_of_speech_are_searched_in_plain_words_and_literal_words_are_kept(settings):
    vocabulary = load_glossary(settings.knowledge_dir)
    assert vocabulary.literal("the S75 agreement with health is giving us headaches") == \
        "the S75 agreement with health is causing us problems"
    assert vocabulary.literal("data sharing with the trust is a real headache") == "data sharing with the trust is a problem"
    assert vocabulary.literal("rank culture is killing us") == "rank culture is hurting us"
    for literal in ("I've got a headache, what should I take?", "my back is killing me", "headache tablets"):
        assert vocabulary.literal(literal) == literal


def test_a_bad_figure_of_speech_in_the_glossary_is_a_clear_error(tmp_path):
    from bot.errors import KnowledgeError

    (tmp_path / "glossary.yml").write_text("collaboration_words: [partner]\nfigures_of_speech:\n  - say: '(unclosed'\n"
                                           "    means: problem\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="figures_of_speech"):
        load_glossary(tmp_path)


def test_a_problem_told_about_we_or_they_is_told_from_questions_and_requests():
    from bot.retrieval.lexical import describes_a_shared_problem

    assert describes_a_shared_problem("everyone agrees it's a good idea but nobody wants to go first")
    assert not describes_a_shared_problem("what's the weather like for us in Leeds today")
    assert not describes_a_shared_problem("can you put a meeting in our diary for Friday")
    assert not describes_a_shared_problem("we are stuck")  # too short to say what the problem is


def test_a_request_for_a_document_is_no_problem_to_ask_about():
    from bot.retrieval.lexical import requests_information

    assert requests_information("We're formalising our joint working. Draft a partnership agreement between us and them.")
    assert requests_information("could you write me a poem about partnership")
    # the request may be any sentence of the message
    assert requests_information("Our partnership away day is in June. Which consultancy should we hire?")
    assert not requests_information("Our partners say which way we go is up to us. How do we decide?")
    assert not requests_information("we need to write a joint strategy, how do we agree it")
    assert not requests_information("partners nod along at the board and then nothing happens")


def test_the_ngram_head_reads_through_misspellings_and_caches_beside_the_index(knowledge, tmp_path):
    encoder = FakeEncoder()
    build_index(knowledge, encoder, tmp_path)
    # The funding items and their neighbours: enough to tell apart, quick to train.
    items = {"dedicated_flexible_funding", "siloed_funding_and_competition", "variation_in_funding_periods",
             "clear_shared_purpose", "being_solutions_focused", "oos_contact_details"}
    entries = [e for e in DenseIndex.load(knowledge, tmp_path, encoder.name).entries if e.item_id in items]
    head = LexicalHead.load_or_train(entries, tmp_path, regularisation=10.0)
    probabilities = head.probabilities("dedicatted flexibel fundng")
    assert max(probabilities, key=probabilities.get) == "dedicated_flexible_funding"
    assert abs(sum(probabilities.values()) - 1.0) < 1e-4
    # Summing the question's n-gram rows gives what sklearn's predict_proba gives, only faster.
    for text in ("dedicatted flexibel fundng", "Zzqx!", ""):  # the last two share no n-gram with the banks
        reference = head.model.predict_proba(head.vectoriser.transform([text]))[0]
        assert np.allclose([head.probabilities(text)[c] for c in head.classes], reference)
    again = LexicalHead.load_or_train(entries, tmp_path, regularisation=10.0)  # from the cache
    assert again.probabilities("dedicatted flexibel fundng") == probabilities
    (tmp_path / LEXICAL_HEAD_FILE).write_bytes(b"not a pickle")  # a damaged cache is trained again, not fatal
    assert LexicalHead.load_or_train(entries, tmp_path, 10.0).probabilities("fundng") == \
        head.probabilities("fundng")


def test_the_ngram_head_reading_the_embedding_too_gives_sklearns_probabilities(knowledge, tmp_path):
    from scipy import sparse

    encoder = FakeEncoder()
    build_index(knowledge, encoder, tmp_path)
    items = {"dedicated_flexible_funding", "siloed_funding_and_competition", "clear_shared_purpose",
             "oos_contact_details"}
    index = DenseIndex.load(knowledge, tmp_path, encoder.name)
    rows = [n for n, e in enumerate(index.entries) if e.item_id in items]
    entries, vectors = [index.entries[n] for n in rows], index.vectors()[rows]
    head = LexicalHead.load_or_train(entries, tmp_path, 10.0, vectors, embedding_scale=2.0)
    for text in ("dedicatted flexibel fundng", "a shared purpose", "Zzqx!"):
        vector = encoder.encode([text])[0]
        features = sparse.hstack([head.vectoriser.transform([text]), sparse.csr_matrix(vector[None] * 2.0)])
        reference = head.model.predict_proba(features.tocsr())[0]
        assert np.allclose([head.probabilities(text, vector)[c] for c in head.classes], reference)
    with pytest.raises(ValueError):
        head.probabilities("fundng")  # the embedding is part of its input
    # The scale is part of the cache key: an n-gram-only head is not read back as this one.
    assert LexicalHead.load_or_train(entries, tmp_path, 10.0).probabilities("fundng")


def test_the_off_topic_model_learns_the_out_of_scope_topics_and_caches(knowledge, tmp_path):
    encoder = FakeEncoder()
    build_index(knowledge, encoder, tmp_path)
    index = DenseIndex.load(knowledge, tmp_path, encoder.name)
    model = OffTopicModel.load_or_train(knowledge, index, tmp_path, regularisation=16.0)
    assert model is not None
    topic = knowledge.of_kind(Kind.OUT_OF_SCOPE)[0]
    off = [model.probability(v) for v in encoder.encode(list(topic.questions))]
    on = [model.probability(v) for v in encoder.encode(list(knowledge["dedicated_flexible_funding"].questions))]
    assert np.median(off) > 0.5 > np.median(on)
    again = OffTopicModel.load_or_train(knowledge, index, tmp_path, regularisation=16.0)
    assert np.allclose(again.coef, model.coef) and again.intercept == model.intercept
    no_topics = dataclasses.replace(knowledge, items={i.id: i for i in knowledge.items.values()
                                                      if i.kind is not Kind.OUT_OF_SCOPE})
    # Nothing to learn "off-topic" from: no model, and nothing is declined by it.
    assert OffTopicModel.train(no_topics, InMemoryIndex.build(no_topics, encoder), 16.0) is None


def test_a_message_the_off_topic_model_places_out_of_scope_is_declined(fake_engine, settings):
    from bot.answer import types as t
    from bot.answer.compose import Memory, Run, best_in_and_out, check_input, decline_if_out_of_scope, retrieve

    def scope(engine):
        run = Run(question="Dedicated, flexible funding", engine=engine, memory=Memory())
        check_input(run)
        retrieve(run)
        assert run.retrieval is not None and run.retrieval.off_topic > 0.0
        return decline_if_out_of_scope(run)

    def flagged(overruled_by: float):
        return dataclasses.replace(fake_engine, settings=dataclasses.replace(settings, decision=dataclasses.replace(
            settings.decision, off_topic_above=0.0, off_topic_overruled_by=overruled_by)))

    assert scope(fake_engine) is None  # in scope: the next stages answer it
    assert scope(flagged(9.0)).status == t.OUT_OF_SCOPE
    # ...unless the best item beats every out-of-scope topic by `off_topic_overruled_by`: a question that
    # plainly matches an item ("buy-in from frontline staff as well as the execs") is not declined for
    # sharing words with one organisation's HR.
    run = Run(question="Dedicated, flexible funding", engine=fake_engine, memory=Memory())
    check_input(run)
    retrieve(run)
    top, topic = best_in_and_out(fake_engine.knowledge, run.retrieval)
    margin = top.score - topic.score
    assert scope(flagged(margin - 0.01)) is None
    assert scope(flagged(margin + 0.01)).status == t.OUT_OF_SCOPE


def _same_item_neighbours(vectors: np.ndarray, labels: list[str]) -> float:
    """The share of bank questions whose nearest other text belongs to the same item."""
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    nearest = sims.argmax(axis=1)
    return float(np.mean([labels[n] == labels[i] for i, n in enumerate(nearest)]))


def test_the_dense_adapter_brings_an_items_texts_together_and_caches(knowledge, tmp_path):
    encoder = FakeEncoder()
    build_index(knowledge, encoder, tmp_path)
    index = DenseIndex.load(knowledge, tmp_path, encoder.name)
    adapter = DenseAdapter.load_or_train(index, tmp_path, epochs=10, temperature=0.05)
    assert adapter is not None
    labels = [e.item_id for e in index.entries]
    before = _same_item_neighbours(index.vectors(), labels)
    after = _same_item_neighbours(adapter.apply(index.vectors()), labels)
    assert after > before + 0.05, (before, after)
    assert np.allclose(np.linalg.norm(adapter.apply(index.vectors()[:5]), axis=1), 1.0, atol=1e-5)
    again = DenseAdapter.load_or_train(index, tmp_path, epochs=10, temperature=0.05)  # from the cache
    assert np.array_equal(again.matrix, adapter.matrix)
    retrained = DenseAdapter.train(index, epochs=10, temperature=0.05)  # seeded: the same matrix again
    assert np.allclose(retrained.matrix, adapter.matrix, atol=1e-6)


def test_the_dense_adapters_gradient_is_the_losss_derivative():
    rng = np.random.default_rng(0)
    w = np.eye(6) + 0.1 * rng.standard_normal((6, 6))
    anchors, positives = rng.standard_normal((5, 6)), rng.standard_normal((5, 6))
    labels = np.array(list("abcab"))  # two pairs share an item: masked, not negatives

    def loss(m):
        x, y = _normalised(anchors @ m.T)[0], _normalised(positives @ m.T)[0]
        logits = x @ y.T / 0.1
        same = labels[:, None] == labels[None, :]
        np.fill_diagonal(same, False)
        logits[same] = -np.inf
        logits -= logits.max(axis=1, keepdims=True)
        return -np.mean(np.diag(logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))))

    numeric = np.zeros_like(w)
    for i in range(6):
        for j in range(6):
            step = np.zeros_like(w)
            step[i, j] = 1e-6
            numeric[i, j] = (loss(w + step) - loss(w - step)) / 2e-6
    assert np.allclose(_gradient(w, anchors, positives, labels, 0.1), numeric, atol=1e-6)


def test_only_the_fused_search_reads_the_adapted_space(settings, knowledge):
    from bot.retrieval.heads import load_heads
    from bot.retrieval.search import HybridRetriever

    encoder = FakeEncoder()
    index = InMemoryIndex.build(knowledge, encoder)
    heads = load_heads(knowledge, index, dataclasses.replace(settings.head, adapter_epochs=5))
    assert heads.adapter is not None
    hybrid = HybridRetriever(knowledge, index, encoder, settings.retrieval, heads=heads)
    assert hybrid.adapted is not None and hybrid.with_mode("dense").adapted is None  # the baseline stays base
    question = "partners nod along at the board and then nothing happens"
    adapted = {h.item_id: h.dense for h in hybrid.retrieve(question).items}
    base = {h.item_id: h.dense for h in hybrid.with_mode("dense").retrieve(question).items}
    assert adapted != base
    off = load_heads(knowledge, index, dataclasses.replace(settings.head, adapter_epochs=0))
    assert off.adapter is None
