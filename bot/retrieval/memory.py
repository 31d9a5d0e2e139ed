"""The knowledge searched from memory: the same hybrid retrieval over a numpy matrix, no FAISS, no files.

`bot index` writes a FAISS index that the running bot loads (bot/retrieval/index.py). Unit tests want
the same decisions without FAISS, a build folder or a real model: `InMemoryRetriever` embeds every
title, quote and question bank entry with the encoder it is given (tests/fakes.FakeEncoder in the
tests), keeps the vectors in one matrix, trains the item head on them, and scores exactly as
`HybridRetriever` does (ADR 0013).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from bot.config import Settings
from bot.knowledge.glossary import Glossary
from bot.knowledge.model import Knowledge
from bot.retrieval.encoder import Encoder
from bot.retrieval.heads import load_heads
from bot.retrieval.index import Entry, entries_for
from bot.retrieval.search import HybridRetriever, Mode


class InMemoryIndex:
    """Every entry's vector in one float32 matrix; a search is one matrix product (inner product, like
    the FAISS IndexFlatIP it stands in for, so cosine for the normalised vectors encoders return)."""

    def __init__(self, entries: list[Entry], matrix: np.ndarray) -> None:
        if len(entries) != len(matrix):
            raise ValueError(f"{len(entries)} entries but {len(matrix)} vectors")
        self.entries = entries
        self.matrix = np.asarray(matrix, dtype=np.float32)

    @classmethod
    def build(cls, knowledge: Knowledge, encoder: Encoder) -> "InMemoryIndex":
        entries = entries_for(knowledge)
        return cls(entries, encoder.encode([e.text for e in entries]))

    def search(self, query_vector: np.ndarray, k: int) -> list[tuple[Entry, float]]:
        scores = self.matrix @ query_vector.astype(np.float32).reshape(-1)
        best = np.argsort(-scores, kind="stable")[:max(0, min(k, len(self.entries)))]
        return [(self.entries[i], float(scores[i])) for i in best]

    def similarities(self, query_vector: np.ndarray) -> np.ndarray:
        return self.matrix @ query_vector.astype(np.float32).reshape(-1)

    def vectors(self) -> np.ndarray:
        return self.matrix


class InMemoryRetriever(HybridRetriever):
    """Hybrid retrieval over an `InMemoryIndex` built now from `knowledge` with `encoder`."""

    def __init__(self, knowledge: Knowledge, encoder: Encoder, settings: Settings,
                 glossary: Optional[Glossary] = None, mode: Mode = "hybrid") -> None:
        index = InMemoryIndex.build(knowledge, encoder)
        super().__init__(knowledge, index, encoder, settings.retrieval, mode, glossary,
                         load_heads(knowledge, index, settings.head))
