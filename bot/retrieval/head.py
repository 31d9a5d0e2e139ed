"""A classification head over item ids: logistic regression on the same embeddings the index holds.

Nearest-text search scores an item by its single closest title, quote or bank question; the head
learns from all of an item's texts at once which directions of the embedding space belong to it.
Its probability for an item is added to the fused score (`head.weight` in coach.yml). It is trained
from the index's own vectors (so a cross-validation fold's head never sees held-out questions) and
cached beside the index, keyed by the index's fingerprint.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.retrieval.index import VectorIndex
from bot.retrieval.model_cache import cache_key, load_arrays, save_arrays


HEAD_FILE = "head.npz"


class Head:
    def __init__(self, classes: list[str], coef: np.ndarray, intercept: np.ndarray) -> None:
        self.classes = classes
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        logits = self.coef @ vector.astype(np.float32) + self.intercept
        logits -= logits.max()
        p = np.exp(logits)
        p /= p.sum()
        return dict(zip(self.classes, p.tolist()))

    @classmethod
    def train(cls, index: VectorIndex, regularisation: float) -> "Head":
        from sklearn.linear_model import LogisticRegression

        vectors = index.vectors()
        labels = [e.item_id for e in index.entries]
        model = LogisticRegression(C=regularisation, max_iter=300)
        model.fit(vectors, labels)
        return cls(list(model.classes_), model.coef_, model.intercept_)

    @classmethod
    def load_or_train(cls, index: VectorIndex, index_dir: Path, regularisation: float) -> "Head":
        key = cache_key(index_dir, regularisation)
        path = index_dir / HEAD_FILE
        stored = load_arrays(path, key)
        if stored is not None:
            return cls(list(stored["classes"]), stored["coef"], stored["intercept"])
        head = cls.train(index, regularisation)
        save_arrays(path, key, "head", classes=np.array(head.classes), coef=head.coef, intercept=head.intercept)
        return head
