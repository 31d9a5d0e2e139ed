"""Is the message about what the report covers at all? A binary model over the same embeddings.

The item head and the fused score place a message among the items; they cannot say that a message about
one team's sickness absence is about leadership in general rather than collaboration between
organisations, because it lands near *Adopting facilitative styles of leadership* either way. This model
is trained on the same vectors the index holds, with one label: does the text belong to an out-of-scope
topic (their question banks hold near-domain phrasings written for this) or to a real item? Classes are
weighted to their sizes. Its probability that a message is off-topic is `Retrieval.off_topic`; above
`decision.off_topic_above` the message is declined (bot/answer/scope.py, ADR 0009). Cached beside the
index, keyed by its fingerprint, so a cross-validation fold's model never sees the fold's questions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from bot.knowledge.model import Kind, Knowledge
from bot.retrieval.index import VectorIndex
from bot.retrieval.model_cache import cache_key, load_arrays, save_arrays


OFF_TOPIC_FILE = "off-topic.npz"


class OffTopicModel:
    def __init__(self, coef: np.ndarray, intercept: float) -> None:
        self.coef = coef.astype(np.float32).reshape(-1)
        self.intercept = float(intercept)

    def probability(self, vector: np.ndarray) -> float:
        """The probability that the message this vector embeds is off-topic."""
        logit = float(self.coef @ vector.astype(np.float32).reshape(-1)) + self.intercept
        return float(1.0 / (1.0 + np.exp(-logit)))

    @classmethod
    def train(cls, knowledge: Knowledge, index: VectorIndex, regularisation: float) -> Optional["OffTopicModel"]:
        """None when the knowledge has no out-of-scope topics to learn from."""
        from sklearn.linear_model import LogisticRegression

        labels = [knowledge[e.item_id].kind is Kind.OUT_OF_SCOPE for e in index.entries]
        if all(labels) or not any(labels):
            return None
        model = LogisticRegression(C=regularisation, max_iter=1000, class_weight="balanced")
        model.fit(index.vectors(), labels)
        return cls(model.coef_[0], model.intercept_[0])

    @classmethod
    def load_or_train(cls, knowledge: Knowledge, index: VectorIndex, index_dir: Optional[Path],
                      regularisation: float) -> Optional["OffTopicModel"]:
        if index_dir is None:
            return cls.train(knowledge, index, regularisation)
        key = cache_key(index_dir, regularisation)
        path = index_dir / OFF_TOPIC_FILE
        stored = load_arrays(path, key)
        if stored is not None:
            return cls(stored["coef"], float(stored["intercept"]))
        model = cls.train(knowledge, index, regularisation)
        if model is not None:
            save_arrays(path, key, "off-topic model", coef=model.coef, intercept=np.array(model.intercept))
        return model
