"""Where the models trained from an index (the heads, the off-topic model) keep their weights: beside the index,
under a key made of the index's fingerprint and the model's settings, so a changed bank or setting retrains
them and a cross-validation fold's models never see the fold's held-out questions."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Optional

import numpy as np

from bot.retrieval.index import META_FILE

log = logging.getLogger(__name__)


def cache_key(index_dir: Path, *settings: object) -> str:
    """The index's fingerprint and the model's settings ("<fingerprint>:16.0")."""
    meta = json.loads((index_dir / META_FILE).read_text(encoding="utf-8"))
    return ":".join([str(meta.get("fingerprint")), *map(str, settings)])


def load_arrays(path: Path, key: str) -> Optional[dict[str, np.ndarray]]:
    """The arrays cached at `path` under `key`; None if there are none, or they belong to another key."""
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as stored:
        return {name: stored[name] for name in stored.files} if str(stored["key"]) == key else None


def save_arrays(path: Path, key: str, what: str, **arrays: np.ndarray) -> None:
    try:
        np.savez(path, key=np.array(key), **arrays)
    except OSError as exc:  # a read-only build folder: use the model, train it again next start
        log.warning("%s: could not cache in %s: %s", what, path, exc)
