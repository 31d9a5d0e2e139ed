"""Hybrid retrieval: dense MiniLM similarity (FAISS) fused with BM25, scored per knowledge item.

Each item is represented by many texts — its title, quotes and a bank of leader-style questions — so
the dense score of an item is its best-matching text. The two signals are fused on an absolute
0..1 scale (not rank fusion), so a question that matches nothing well keeps a low score and can be
declined. `mode` switches to a single signal for the baselines in `make eval`.

The answer stages see a `Retriever` (the protocol below), never FAISS: `HybridRetriever` searches
whatever `VectorIndex` it is given — the FAISS index `bot index` builds, or the numpy one in
`bot/retrieval/memory.py` that unit tests use (ADR 0013).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from bot.config import RetrievalSettings
from bot.retrieval.encoder import Encoder
from bot.knowledge.glossary import Glossary
from bot.retrieval.heads import Heads
from bot.retrieval.index import VectorIndex
from bot.knowledge.model import Kind, Knowledge
from bot.retrieval.lexical import BM25, tokens, unexplained_words

Mode = Literal["hybrid", "dense", "bm25"]


@dataclass(frozen=True)
class ItemScore:
    item_id: str
    score: float   # fused (or single-signal) score used for decisions
    dense: float   # best cosine between the query and any of the item's texts
    lexical: float  # BM25 saturated to 0..1
    head: float = 0.0  # the item head's probability (0 when the head is off)
    learned: float = 0.0  # what the trained heads (item and n-gram) added to `score`

    @property
    def searched(self) -> float:
        """The score on the search signals alone (dense and BM25), without what the heads learnt: a head is
        trained to pick one item, so with it every bare keyword would look unambiguous."""
        return self.score - self.learned


@dataclass
class Retrieval:
    """Everything one search found: items best first, and per-quote similarities for fact answers."""

    query: str
    items: list[ItemScore]
    quote_scores: dict[tuple[str, int], float] = field(default_factory=dict)
    unexplained: list[str] = field(default_factory=list)  # query words no in-scope item mentions
    off_topic: float = 0.0  # the off-topic model's probability that the message is not about the report (0: no model)

    @property
    def best_dense(self) -> float:
        return max((h.dense for h in self.items), default=0.0)


class Retriever(Protocol):
    """What the answer stages need of a search (`Engine.retriever`)."""

    glossary: Glossary   # the collaboration vocabulary: a low-scoring message using it is asked about, not declined

    def retrieve(self, query: str) -> Retrieval:
        """Every knowledge item scored against the query, best first."""
        ...


def item_document(knowledge: Knowledge, item_id: str) -> str:
    item = knowledge[item_id]
    return " ".join((item.title, *item.quotes, *item.questions))


class HybridRetriever:
    def __init__(self, knowledge: Knowledge, index: VectorIndex, encoder: Encoder,
                 settings: RetrievalSettings, mode: Mode = "hybrid", glossary: Glossary | None = None,
                 heads: Heads = Heads()) -> None:
        self.knowledge = knowledge
        self.heads = heads
        self.head = heads.item
        self.head_weight = heads.item_weight
        self.glossary = glossary or Glossary()
        self.index = index
        self.encoder = encoder
        self.settings = settings
        self.mode = mode
        english = getattr(encoder, "known_words", lambda: frozenset())()
        self.bm25 = BM25({i: item_document(knowledge, i) for i in knowledge.items},
                         k1=settings.bm25_k1, b=settings.bm25_b,
                         spelling_min_ratio=settings.spelling_min_ratio, english=english)
        # An item's dense score is its best text: the entries are kept grouped by item (`order`), so that is one
        # numpy reduction over the query's similarities, not a Python loop over every entry. The fused search's
        # dense signal reads the adapted space (bot/retrieval/adapter.py); the baselines, the heads and the
        # quotes' similarities keep the base one.
        item_of = [e.item_id for e in index.entries]
        self.order = np.array(sorted(range(len(item_of)), key=lambda n: item_of[n]), dtype=np.int64)
        self.starts = np.array([n for n, at in enumerate(self.order) if n == 0 or
                                item_of[at] != item_of[self.order[n - 1]]], dtype=np.int64)
        self.grouped_items = [item_of[self.order[n]] for n in self.starts]
        self.quote_rows = np.array([n for n, e in enumerate(index.entries) if e.field == "quote"], dtype=np.int64)
        self.quote_keys = [(index.entries[n].item_id, index.entries[n].position) for n in self.quote_rows]
        self.adapted: np.ndarray | None = None
        if heads.adapter is not None and mode == "hybrid":
            self.adapted = heads.adapter.apply(index.vectors()[self.order])
        self.in_scope_stems = frozenset(
            t for item in knowledge.items.values() if item.kind is not Kind.OUT_OF_SCOPE
            for t in tokens(item_document(knowledge, item.id)))

    def with_mode(self, mode: Mode) -> "HybridRetriever":
        """The same knowledge, index, encoder and head searched with one signal only (the eval baselines)."""
        return HybridRetriever(self.knowledge, self.index, self.encoder, self.settings, mode, self.glossary,
                               self.heads)

    def _dense(self, query: str) -> tuple[dict[str, float], dict[tuple[str, int], float], np.ndarray]:
        vector: np.ndarray = self.encoder.encode([query])[0]
        # Every entry, not a top k: the index is small (a few thousand texts), and an item's score is its
        # best text, so a cut-off would drop items whose best text ranks just below it.
        similarities = self.index.similarities(vector)
        quotes = dict(zip(self.quote_keys, similarities[self.quote_rows].tolist()))
        if self.adapted is not None:
            grouped = self.adapted @ self.heads.adapter.apply(vector)[0]
        else:
            grouped = similarities[self.order]
        best = dict(zip(self.grouped_items, np.maximum.reduceat(grouped, self.starts).tolist())) if len(grouped) else {}
        return best, quotes, vector

    def retrieve(self, query: str) -> Retrieval:
        s = self.settings
        asked = query
        query = self.glossary.literal(query)  # "giving us headaches" is searched as "causing us problems"
        # The dense model and the n-gram head have no spell checker: give them the corrected question.
        corrected = self.bm25.speller.correct_text(query)
        dense, quotes, vector = self._dense(corrected) if self.mode != "bm25" else ({}, {}, None)
        raw_lexical = self.bm25.scores(query) if self.mode != "dense" else {}
        hybrid = self.mode == "hybrid" and vector is not None
        h = self.heads
        head = h.item.probabilities(vector) if hybrid and h.item is not None and h.item_weight > 0 else {}
        ngram = h.lexical.probabilities(corrected, vector) if hybrid and h.lexical is not None and h.lexical_weight > 0 \
            else {}
        off_topic = h.off_topic.probability(vector) if hybrid and h.off_topic is not None else 0.0
        scored = []
        for item_id in self.knowledge.items:
            d = max(dense.get(item_id, 0.0), 0.0)
            raw = raw_lexical.get(item_id, 0.0)
            lex = raw / (raw + s.bm25_saturation) if raw > 0 else 0.0
            learned = 0.0
            if self.mode == "dense":
                score = d
            elif self.mode == "bm25":
                score = lex
            else:
                learned = h.item_weight * head.get(item_id, 0.0) + h.lexical_weight * ngram.get(item_id, 0.0)
                score = s.dense_weight * d + s.lexical_weight * lex + learned
            scored.append(ItemScore(item_id, score, d, lex, head.get(item_id, 0.0), learned))
        scored.sort(key=lambda h: h.score, reverse=True)
        return Retrieval(query=asked, items=scored, quote_scores=quotes,
                         unexplained=unexplained_words(query, self.in_scope_stems, self.bm25.speller),
                         off_topic=off_topic)
