"""Sentence encoders: the real sentence-transformers one, loaded lazily and offline, behind a protocol.

Unit tests hand the pipeline a small deterministic encoder instead (tests/fakes.py), so they never
load a model.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from bot.errors import ConfigError

# Never reach for a model hub: intranets (and this build machine) have no internet.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Encoder(Protocol):
    name: str

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""


def resolve_model_path(name: str) -> str:
    """A local folder, or a pip-installed model package (its module name with '_' for '-')."""
    if Path(name).is_dir():
        return str(Path(name).resolve())
    module = name.replace("-", "_")
    spec = importlib.util.find_spec(module) if module.isidentifier() else None
    if spec is not None and spec.submodule_search_locations:
        package_dir = Path(list(spec.submodule_search_locations)[0])
        for candidate in [package_dir, *sorted(p for p in package_dir.rglob("*") if p.is_dir())]:
            if (candidate / "config.json").exists() and (candidate / "modules.json").exists():
                return str(candidate)
        for candidate in [package_dir, *sorted(p for p in package_dir.rglob("*") if p.is_dir())]:
            if (candidate / "config.json").exists():
                return str(candidate)
    # Otherwise a name for sentence-transformers to find in the local Hugging Face cache.
    return name


class SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 (or the configured model), loaded on first use and kept."""

    backend = "torch"

    def __init__(self, name: str, batch_size: int = 32, path: str | None = None) -> None:
        self.name = name
        self.batch_size = batch_size
        # A fine-tuned model has a logical name (base model + fingerprint, which keys the index) and
        # lives in a folder under build/ (bot/retrieval/finetune.py); other models are found by name.
        self.path = path or resolve_model_path(name)
        self._model = None
        self._lock = threading.Lock()  # one tokeniser, shared state: one caller at a time (bot.server.prefetch)

    def known_words(self) -> frozenset[str]:
        """Whole English words in the model's tokenizer vocabulary (for the spelling guard)."""
        vocab = Path(self.path) / "vocab.txt"
        if not vocab.exists():
            return frozenset()
        return frozenset(w for w in vocab.read_text(encoding="utf-8").split() if w.isalpha() and w.islower())

    def _load(self):
        if self._model is None:
            from sentence_transformers import SentenceTransformer  # heavy: import on first use

            path = self.path
            try:
                self._model = SentenceTransformer(path, device="cpu")
            except Exception as exc:  # noqa: BLE001 - turned into one readable line
                raise ConfigError("coach.yml", "model.name",
                                  f"cannot load embedding model '{self.name}' from '{path}' offline: {exc}") from exc
        return self._model

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        with self._lock:
            model = self._load()
            vectors = model.encode(list(texts), batch_size=self.batch_size, show_progress_bar=progress,
                                   normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32)
