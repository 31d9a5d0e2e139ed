"""Small deterministic fakes for unit tests: a hashed bag-of-words encoder (no model is loaded), the real
knowledge searched in memory with it (no FAISS, no build folder), and a clock.

Nothing here imports FAISS or Rasa: tests/unit/test_fast_units_stay_light.py checks it.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Optional, Sequence

import numpy as np

from bot.retrieval.lexical import tokens

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.engine import Engine
    from bot.knowledge import Knowledge


class FakeClock:
    """A monotonic clock the test moves by hand (`clock.now += seconds`)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeEncoder:
    name = "fake-hash-encoder"

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.calls: list[int] = []  # batch sizes, so tests can see what was (re-)embedded

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokens(text) or ["<empty>"]:
                bucket = int(hashlib.md5(token.encode()).hexdigest(), 16) % self.dimension
                out[row, bucket] += 1.0
            out[row] /= np.linalg.norm(out[row]) or 1.0
        return out


def in_memory_engine(settings: Optional["Settings"] = None, knowledge: Optional["Knowledge"] = None) -> "Engine":
    """The real knowledge and coach.yml thresholds, searched in memory with `FakeEncoder`: the whole answer
    pipeline (retrieval, item head, composition, follow-ups, coaching) without FAISS, a model or Rasa.

    It keeps the encoder's own space: the dense adapter is learnt for MiniLM's (and tested on its own in
    tests/unit/test_generalising.py); learnt over hashed words it would move the pipeline tests' scores."""
    import dataclasses

    from bot.config import load_settings
    from bot.engine import Engine

    settings = settings or load_settings()
    base_space = dataclasses.replace(settings, head=dataclasses.replace(settings.head, adapter_epochs=0))
    return Engine.in_memory(base_space, FakeEncoder(), knowledge)
