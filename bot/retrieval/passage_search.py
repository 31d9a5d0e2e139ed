"""Search over the report's passages (bot/knowledge/segment.py), beside the curated items.

The same encoder and the same BM25 as the items, fused the same way (`retrieval.dense_weight`,
`lexical_weight`, `bm25_saturation`). A passage is embedded whole and sentence by sentence; its dense
score is its best text, and the sentence scores pick which of its sentences answer the question.
The vectors are small (about 150 texts), so they live in one NumPy file beside the FAISS index
(`build/index/passages.npz`), cached by text like the items' (`make index` embeds only new text).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal, Optional

import numpy as np

from bot.config import RetrievalSettings
from bot.knowledge.model import Knowledge
from bot.knowledge.segment import Passage
from bot.knowledge.source import fold_space
from bot.retrieval.encoder import Encoder
from bot.retrieval.index import _text_key
from bot.retrieval.lexical import BM25

log = logging.getLogger(__name__)
PASSAGES_FILE = "passages.npz"
Mode = Literal["hybrid", "dense", "bm25"]


@dataclass(frozen=True)
class PassageHit:
    passage: Passage
    score: float                  # fused (or single-signal) score
    dense: float                  # best cosine of the passage or one of its sentences
    lexical: float                # BM25 saturated to 0..1
    sentence_scores: tuple[float, ...]  # per sentence of the passage, fused the same way
    items: tuple[str, ...] = ()   # ids of the knowledge items that quote this passage

    @property
    def best_sentence(self) -> int:
        return int(np.argmax(self.sentence_scores))


def _texts(passages: list[Passage]) -> list[str]:
    """Each passage, then each of its sentences when it has more than one."""
    texts = []
    for p in passages:
        texts.append(p.text)
        if len(p.sentences) > 1:
            texts += list(p.sentences)
    return texts


def _fingerprint(passages: list[Passage], model: str) -> str:
    digest = hashlib.sha256(model.encode())
    for text in _texts(passages):
        digest.update(b"\x00" + text.encode())
    return digest.hexdigest()


def build_passage_vectors(passages: list[Passage], encoder: Encoder, index_dir: Path) -> tuple[int, int]:
    """Embed what is new and write the vectors; returns (texts, embedded)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / PASSAGES_FILE
    cache: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path) as stored:
            meta = json.loads(str(stored["meta"]))
            cache = dict(zip(meta["keys"], stored["vectors"]))
    texts = _texts(passages)
    keys = [_text_key(encoder.name, t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts) if k not in cache}.items())
    if missing:
        cache.update(zip((k for k, _ in missing), encoder.encode([t for _, t in missing])))
    meta = {"model": encoder.name, "fingerprint": _fingerprint(passages, encoder.name), "keys": keys}
    np.savez(path, vectors=np.stack([cache[k] for k in keys]).astype(np.float32), meta=json.dumps(meta))
    return len(texts), len(missing)


def load_passage_vectors(passages: list[Passage], encoder: Encoder, index_dir: Path) -> np.ndarray:
    """The vectors `make index` wrote; embedded now (and written) if missing or stale, so a fresh
    checkout or a test index still searches passages."""
    path = index_dir / PASSAGES_FILE
    if path.exists():
        with np.load(path) as stored:
            meta = json.loads(str(stored["meta"]))
            if meta.get("fingerprint") == _fingerprint(passages, encoder.name):
                return stored["vectors"]
    log.info("embedding the report's passages into %s", path)
    build_passage_vectors(passages, encoder, index_dir)
    with np.load(path) as stored:
        return stored["vectors"]


def link_items(passages: list[Passage], knowledge: Knowledge) -> dict[str, tuple[str, ...]]:
    """For each passage, the knowledge items that quote it (a quote lies inside the passage)."""
    linked: dict[str, tuple[str, ...]] = {}
    for p in passages:
        text = fold_space(p.text)
        linked[p.id] = tuple(dict.fromkeys(item.id for item, quote in knowledge.all_quotes()
                                           if fold_space(quote) in text))
    return linked


class RecentQueries:
    """An encoder that remembers the vectors of the last few single texts it embedded, so the passage
    search re-uses the question's vector from the item search instead of embedding it again (about 4 ms
    of a turn's 5–6 ms on 2 cores). Everything else is passed through to the wrapped encoder."""

    SIZE = 8

    def __init__(self, encoder: Encoder) -> None:
        self.wrapped = encoder
        self._recent: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str):
        return getattr(self.wrapped, name)

    def encode(self, texts, progress: bool = False) -> np.ndarray:
        if len(texts) != 1:
            return self.wrapped.encode(texts, progress=progress)
        with self._lock:
            known = self._recent.get(texts[0])
        if known is None:
            known = self.wrapped.encode(texts)[0]
            with self._lock:
                if len(self._recent) >= self.SIZE:
                    self._recent.pop(next(iter(self._recent)))
                self._recent[texts[0]] = known
        return known[None, :]


class PassageSearch:
    def __init__(self, passages: list[Passage], vectors: np.ndarray, encoder: Encoder,
                 settings: RetrievalSettings, knowledge: Knowledge, mode: Mode = "hybrid",
                 correct: Optional[Callable[[str], str]] = None) -> None:
        self.passages = passages
        # How the question is spelt for the encoder: as the item search spells it, so RecentQueries hits.
        self.correct = correct
        self.by_id = {p.id: p for p in passages}
        self.encoder = encoder
        self.settings = settings
        self.mode = mode
        self.items = link_items(passages, knowledge)
        # Row of each passage's own vector and of each of its sentences' vectors.
        self._rows: list[tuple[int, list[int]]] = []
        row = 0
        for p in passages:
            n = len(p.sentences)
            self._rows.append((row, [row] if n == 1 else list(range(row + 1, row + 1 + n))))
            row += 1 if n == 1 else 1 + n
        self.vectors = vectors
        english = getattr(encoder, "known_words", lambda: frozenset())()
        k1, b, ratio = settings.bm25_k1, settings.bm25_b, settings.spelling_min_ratio
        self.bm25 = BM25({p.id: p.text for p in passages}, k1=k1, b=b, spelling_min_ratio=ratio, english=english)
        self.sentence_bm25 = BM25({f"{p.id}#{n}": s for p in passages for n, s in enumerate(p.sentences)},
                                  k1=k1, b=b, spelling_min_ratio=ratio, english=english)

    @classmethod
    def in_memory(cls, passages: list[Passage], encoder: Encoder, settings: RetrievalSettings, knowledge: Knowledge,
                  correct: Optional[Callable[[str], str]] = None) -> "PassageSearch":
        """Embedded now, nothing cached on disk (unit tests, with the fake encoder)."""
        return cls(passages, encoder.encode(_texts(passages)), encoder, settings, knowledge, correct=correct)

    @classmethod
    def load(cls, passages: list[Passage], encoder: Encoder, index_dir: Path, settings: RetrievalSettings,
             knowledge: Knowledge, correct: Optional[Callable[[str], str]] = None) -> "PassageSearch":
        return cls(passages, load_passage_vectors(passages, encoder, index_dir), encoder, settings, knowledge,
                   correct=correct)

    def with_mode(self, mode: Mode) -> "PassageSearch":
        single = object.__new__(PassageSearch)
        single.__dict__.update(self.__dict__)
        single.mode = mode
        return single

    def _saturate(self, raw: float) -> float:
        return raw / (raw + self.settings.bm25_saturation) if raw > 0 else 0.0

    def _fuse(self, dense: float, lexical: float) -> float:
        if self.mode == "dense":
            return dense
        if self.mode == "bm25":
            return lexical
        return self.settings.dense_weight * dense + self.settings.lexical_weight * lexical

    def search(self, query: str, k: int = 5) -> list[PassageHit]:
        """The `k` best passages for the question, best first."""
        cosines = np.zeros(len(self.vectors), dtype=np.float32)
        if self.mode != "bm25":
            vector = self.encoder.encode([(self.correct or self.bm25.speller.correct_text)(query)])[0]
            cosines = self.vectors @ vector
        lexical = self.bm25.scores(query) if self.mode != "dense" else {}
        sentence_lexical = self.sentence_bm25.scores(query) if self.mode != "dense" else {}
        hits = []
        for p, (own, sentence_rows) in zip(self.passages, self._rows):
            dense = max(0.0, float(max(cosines[own], *(cosines[r] for r in sentence_rows))))
            lex = self._saturate(lexical.get(p.id, 0.0))
            sentences = tuple(self._fuse(max(0.0, float(cosines[r])),
                                         self._saturate(sentence_lexical.get(f"{p.id}#{n}", 0.0)))
                              for n, r in enumerate(sentence_rows))
            hits.append(PassageHit(p, self._fuse(dense, lex), dense, lex, sentences, self.items[p.id]))
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:k]
