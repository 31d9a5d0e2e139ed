"""A linear adapter for the dense signal: the base MiniLM space, turned so an item's texts sit together.

Why: fine-tuning the whole encoder on the banks (bot/retrieval/finetune.py) takes minutes on 2 cores.
Most of what it would teach — that "partners nod along, then nothing happens" and *Lack of ownership
or buy-in* belong together here — can be learnt by one 384 × 384 matrix on the vectors the index
already holds. It is trained with the same objective (in-batch negatives: each bank question against
another text of its item, every other item's text in the batch a negative) in numpy, in about two
seconds, and cached beside the index keyed by its fingerprint, so a cross-validation fold's adapter
never sees the fold's held-out questions. Only the fused (hybrid) search uses it; the heads, the
off-topic model, the quotes' similarities and the dense baseline keep the base space (ADR 0009,
third addendum, has what each choice measured).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from bot.retrieval.index import VectorIndex
from bot.retrieval.model_cache import cache_key, load_arrays, save_arrays

ADAPTER_FILE = "dense-adapter.npz"
BATCH = 64
LEARNING_RATE = 1e-3
SEED = 7


def _normalised(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    norms = np.linalg.norm(rows, axis=1, keepdims=True) + 1e-12
    return rows / norms, norms


class DenseAdapter:
    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix.astype(np.float32)

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """Unit vectors in the adapted space, one row per input row (a single vector gives one row)."""
        adapted = np.atleast_2d(vectors).astype(np.float32) @ self.matrix.T
        return _normalised(adapted)[0]

    @classmethod
    def train(cls, index: VectorIndex, epochs: int, temperature: float) -> Optional["DenseAdapter"]:
        """None when no item has two texts (nothing to pull together)."""
        vectors = index.vectors().astype(np.float64)
        labels = np.array([e.item_id for e in index.entries])
        texts_of: dict[str, np.ndarray] = {item: np.flatnonzero(labels == item) for item in set(labels.tolist())}
        anchors = np.array([n for n, e in enumerate(index.entries)
                            if e.field == "question" and len(texts_of[e.item_id]) > 1])
        if len(anchors) < 2:
            return None
        rng = np.random.default_rng(SEED)
        dim = vectors.shape[1]
        w = np.eye(dim)
        adam_m, adam_v, step = np.zeros_like(w), np.zeros_like(w), 0
        for _ in range(epochs):
            order = rng.permutation(anchors)
            for start in range(0, len(order), BATCH):
                batch = order[start:start + BATCH]
                if len(batch) < 2:
                    continue
                positives = np.array([_another(texts_of[labels[a]], a, rng) for a in batch])
                grad = _gradient(w, vectors[batch], vectors[positives], labels[batch], temperature)
                step += 1
                adam_m = 0.9 * adam_m + 0.1 * grad
                adam_v = 0.999 * adam_v + 0.001 * grad * grad
                w -= LEARNING_RATE * (adam_m / (1 - 0.9 ** step)) / (np.sqrt(adam_v / (1 - 0.999 ** step)) + 1e-8)
        return cls(w)

    @classmethod
    def load_or_train(cls, index: VectorIndex, index_dir: Optional[Path], epochs: int,
                      temperature: float) -> Optional["DenseAdapter"]:
        if index_dir is None:
            return cls.train(index, epochs, temperature)
        key = cache_key(index_dir, epochs, temperature, SEED)
        path = index_dir / ADAPTER_FILE
        stored = load_arrays(path, key)
        if stored is not None:
            return cls(stored["matrix"])
        adapter = cls.train(index, epochs, temperature)
        if adapter is not None:
            save_arrays(path, key, "dense adapter", matrix=adapter.matrix)
        return adapter


def _another(texts: np.ndarray, anchor: int, rng: np.random.Generator) -> int:
    """Another text of the anchor's item, at random."""
    others = texts[texts != anchor]
    return int(others[rng.integers(len(others))])


def _gradient(w: np.ndarray, anchors: np.ndarray, positives: np.ndarray, labels: np.ndarray,
              temperature: float) -> np.ndarray:
    """d(loss)/d(w) of the in-batch-negatives loss: cross-entropy of each anchor over the batch's positives,
    its own the target; another anchor's positive of the same item is masked (it is not a negative)."""
    x, x_norm = _normalised(anchors @ w.T)
    y, y_norm = _normalised(positives @ w.T)
    logits = x @ y.T / temperature
    same = labels[:, None] == labels[None, :]
    np.fill_diagonal(same, False)
    logits[same] = -np.inf
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    d_logits = (p - np.eye(len(anchors))) / len(anchors)
    d_x = d_logits @ y / temperature
    d_y = d_logits.T @ x / temperature
    # Back through the normalisation u = v / |v|: the part of the gradient along u does not count.
    d_x = (d_x - x * np.sum(d_x * x, axis=1, keepdims=True)) / x_norm
    d_y = (d_y - y * np.sum(d_y * y, axis=1, keepdims=True)) / y_norm
    return d_x.T @ anchors + d_y.T @ positives
