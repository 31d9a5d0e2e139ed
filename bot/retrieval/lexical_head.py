"""A classification head over item ids on the words themselves (character and word n-grams) and, beside them,
the question's embedding.

The embedding alone (MiniLM's view of a question) puts misspellings ("beurocracy"), acronyms (ICB, S75, LRF)
and short fragments in odd places. Character n-grams of 2–5 letters and word uni- and bigrams, weighted by
TF-IDF, give a logistic regression the spelling itself to learn from: "parntership" shares most of its
n-grams with "partnership". Reading the embedding in the same regression (`head.lexical_embedding_scale`)
lets each kind of feature make up for the other, which two separate heads whose probabilities were added
could not: bank cross-validation put the right item first for 86.8 % of in-scope questions against 83.9 %
with the two heads (ADR 0009, fifth addendum). Its probability for an item is added to the fused score
(`head.lexical_weight`).

The fitted vectoriser and regression are cached beside the index with pickle, keyed by the index's
fingerprint and the settings: the file is one `bot index` wrote on this machine, like the FAISS index beside it.
"""

from __future__ import annotations

import logging
import pickle
from pathlib import Path
from typing import Any, Optional

import numpy as np

from bot.retrieval.index import Entry
from bot.retrieval.model_cache import cache_key

log = logging.getLogger(__name__)

LEXICAL_HEAD_FILE = "lexical-head.pkl"


class LexicalHead:
    def __init__(self, vectoriser: Any, model: Any, embedding_scale: float = 0.0) -> None:
        self.vectoriser = vectoriser
        self.model = model
        self.embedding_scale = embedding_scale
        self.classes: list[str] = [str(c) for c in model.classes_]
        # One row of weights per n-gram: a question has a few hundred n-grams out of tens of thousands, so its
        # logits are those rows summed. sklearn's predict_proba multiplies by the whole matrix (10 ms a
        # question on this machine), and its transform builds sparse matrices for one short text (about
        # 1 ms); the same arithmetic by hand takes a fraction of that.
        weights = np.asarray(model.coef_.T)
        self.bias = np.asarray(model.intercept_)
        # Per vectoriser: its analyzer, its n-grams' columns, its idf, and where its columns start in the union.
        self.parts: list[tuple[Any, dict[str, int], np.ndarray, int]] = []
        offset = 0
        for _, tfidf in vectoriser.transformer_list:
            self.parts.append((tfidf.build_analyzer(), tfidf.vocabulary_, np.asarray(tfidf.idf_), offset))
            offset += len(tfidf.vocabulary_)
        self.weights = np.ascontiguousarray(weights[:offset])
        # The embedding's columns come after the n-grams' (none when the head reads n-grams only).
        self.embedding_weights = np.ascontiguousarray(weights[offset:]) * embedding_scale

    def logits(self, text: str, vector: Optional[np.ndarray] = None) -> np.ndarray:
        """TF-IDF as the fitted vectorisers compute it (sublinear tf, idf, l2 norm per vectoriser), summed
        into the regression's logits, plus the embedding's part when the head reads one."""
        logits = self.bias.astype(np.float64).copy()
        if len(self.embedding_weights):
            if vector is None:
                raise ValueError("this head reads the question's embedding too: pass it")
            logits += vector.astype(np.float64) @ self.embedding_weights
        for analyze, columns, idf, offset in self.parts:
            counts: dict[int, int] = {}
            for gram in analyze(text):
                column = columns.get(gram)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if not counts:
                continue
            index = np.fromiter(counts, dtype=np.int64, count=len(counts))
            values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[index]
            values /= np.linalg.norm(values)
            logits += values @ self.weights[index + offset]
        return logits

    def probabilities(self, text: str, vector: Optional[np.ndarray] = None) -> dict[str, float]:
        logits = self.logits(text, vector)
        if len(self.classes) == 2:  # a binary regression keeps one row: the second class's logit
            p1 = 1.0 / (1.0 + np.exp(-logits[0]))
            return dict(zip(self.classes, (1.0 - p1, p1)))
        p = np.exp(logits - logits.max())
        return dict(zip(self.classes, (p / p.sum()).tolist()))

    @classmethod
    def train(cls, entries: list[Entry], regularisation: float, vectors: Optional[np.ndarray] = None,
              embedding_scale: float = 0.0) -> "LexicalHead":
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_union

        vectoriser = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True))
        features = vectoriser.fit_transform([e.text for e in entries])
        if embedding_scale > 0:
            if vectors is None:
                raise ValueError("embedding_scale > 0 needs the entries' vectors")
            features = sparse.hstack([features, sparse.csr_matrix(vectors * embedding_scale)]).tocsr()
        # newton-cg: the same optimum as the default lbfgs, in a third of the iterations on these features
        model = LogisticRegression(C=regularisation, max_iter=1000, solver="newton-cg")
        model.fit(features, [e.item_id for e in entries])
        return cls(vectoriser, model, embedding_scale)

    @classmethod
    def load_or_train(cls, entries: list[Entry], index_dir: Optional[Path], regularisation: float,
                      vectors: Optional[np.ndarray] = None, embedding_scale: float = 0.0) -> "LexicalHead":
        """The cached head if it was trained on this index with these settings; else trained now (and cached)."""
        if index_dir is None:
            return cls.train(entries, regularisation, vectors, embedding_scale)
        key = cache_key(index_dir, regularisation, embedding_scale)
        path = index_dir / LEXICAL_HEAD_FILE
        if path.exists():
            try:
                with path.open("rb") as f:
                    stored = pickle.load(f)
                if stored.get("key") == key:
                    return cls(stored["vectoriser"], stored["model"], embedding_scale)
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
                log.info("lexical head: cache %s unreadable (%s); training again", path, exc)
        head = cls.train(entries, regularisation, vectors, embedding_scale)
        try:
            with path.open("wb") as f:
                pickle.dump({"key": key, "vectoriser": head.vectoriser, "model": head.model}, f)
        except OSError as exc:  # a read-only build folder: use the head, train it again next start
            log.warning("lexical head: could not cache in %s: %s", path, exc)
        return head
