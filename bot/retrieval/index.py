"""The dense index: every item's title, quotes and question bank embedded into one FAISS index.

`build_index` re-embeds only texts it has not embedded before with the same model (a cache keyed by
a hash of model name and text), so editing one question costs one embedding, not a full rebuild.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from bot.retrieval.encoder import Encoder
from bot.errors import IndexMissingError
from bot.knowledge.model import Knowledge

INDEX_FILE = "index.faiss"
META_FILE = "meta.json"
CACHE_FILE = "embedding-cache.npz"


@dataclass(frozen=True)
class Entry:
    """One embedded text: an item's title, one of its quotes, or one of its questions."""

    item_id: str
    field: str  # "title" | "quote" | "question"
    position: int
    text: str


class VectorIndex(Protocol):
    """What retrieval and the item head need of an index: its entries, a search and the vectors.

    `DenseIndex` (FAISS, on disk, built by `bot index`) is the real one; `bot.retrieval.memory.InMemoryIndex`
    (numpy, no FAISS) serves unit tests.
    """

    entries: list[Entry]

    def search(self, query_vector: np.ndarray, k: int) -> list[tuple[Entry, float]]: ...

    def similarities(self, query_vector: np.ndarray) -> np.ndarray:
        """The query's inner product with every entry, in entry order (one float32 array)."""
        ...

    def vectors(self) -> np.ndarray: ...


def entries_for(knowledge: Knowledge) -> list[Entry]:
    entries: list[Entry] = []
    for item in knowledge.items.values():
        entries.append(Entry(item.id, "title", 0, item.title))
        entries += [Entry(item.id, "quote", n, q) for n, q in enumerate(item.quotes)]
        entries += [Entry(item.id, "question", n, q) for n, q in enumerate(item.questions)]
    return entries


def fingerprint(entries: list[Entry], model_name: str) -> str:
    digest = hashlib.sha256(model_name.encode())
    for e in entries:
        digest.update(f"\x00{e.item_id}\x00{e.field}\x00{e.text}".encode())
    return digest.hexdigest()


def _text_key(model_name: str, text: str) -> str:
    return hashlib.sha256(f"{model_name}\x00{text}".encode()).hexdigest()


@dataclass
class BuildReport:
    entries: int
    embedded: int
    reused: int
    path: Path


def build_index(knowledge: Knowledge, encoder: Encoder, index_dir: Path, progress: bool = False) -> BuildReport:
    """Embed what changed, write the FAISS index and its metadata, and return what was done."""
    import faiss

    index_dir.mkdir(parents=True, exist_ok=True)
    entries = entries_for(knowledge)
    cache: dict[str, np.ndarray] = {}
    cache_path = index_dir / CACHE_FILE
    if cache_path.exists():
        with np.load(cache_path) as stored:
            cache = {key: stored[key] for key in stored.files}
    keys = [_text_key(encoder.name, e.text) for e in entries]
    missing = sorted({k: e.text for k, e in zip(keys, entries) if k not in cache}.items())
    if missing:
        vectors = encoder.encode([text for _, text in missing], progress=progress)
        cache.update({key: vector for (key, _), vector in zip(missing, vectors)})
    matrix = np.stack([cache[k] for k in keys]).astype(np.float32)
    index = faiss.IndexFlatIP(matrix.shape[1])
    index.add(matrix)
    faiss.write_index(index, str(index_dir / INDEX_FILE))
    np.savez(cache_path, **{k: cache[k] for k in set(keys)})  # drop vectors no entry uses any more
    meta = {
        "model": encoder.name,
        "dimension": int(matrix.shape[1]),
        "fingerprint": fingerprint(entries, encoder.name),
        "entries": [[e.item_id, e.field, e.position, e.text] for e in entries],
    }
    (index_dir / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=0), encoding="utf-8")
    return BuildReport(entries=len(entries), embedded=len(missing), reused=len(entries) - len(missing), path=index_dir)


@dataclass
class DenseIndex:
    """The loaded FAISS index with its entries, checked against the knowledge it must match."""

    index: object
    entries: list[Entry]
    model: str

    @classmethod
    def load(cls, knowledge: Knowledge, index_dir: Path, model_name: str) -> "DenseIndex":
        import faiss

        meta_path = index_dir / META_FILE
        if not meta_path.exists() or not (index_dir / INDEX_FILE).exists():
            raise IndexMissingError(f"no index in {index_dir}: run `bot index` (or `make index`)")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        entries = entries_for(knowledge)
        if meta.get("fingerprint") != fingerprint(entries, model_name):
            raise IndexMissingError(
                f"the index in {index_dir} was built for other knowledge or another model: run `bot index`")
        return cls(index=faiss.read_index(str(index_dir / INDEX_FILE)), entries=entries, model=model_name)

    def search(self, query_vector: np.ndarray, k: int) -> list[tuple[Entry, float]]:
        k = min(k, len(self.entries))
        scores, ids = self.index.search(query_vector.reshape(1, -1).astype(np.float32), k)
        return [(self.entries[i], float(s)) for s, i in zip(scores[0], ids[0]) if i >= 0]

    def similarities(self, query_vector: np.ndarray) -> np.ndarray:
        n = len(self.entries)
        scores, ids = self.index.search(query_vector.reshape(1, -1).astype(np.float32), n)
        out = np.full(n, -1.0, dtype=np.float32)
        found = ids[0] >= 0
        out[ids[0][found]] = scores[0][found]  # FAISS returns them best first; put them back in entry order
        return out

    def vectors(self) -> np.ndarray:
        """Every entry's vector, in entry order (the item head trains on them)."""
        return self.index.reconstruct_n(0, len(self.entries))  # type: ignore[attr-defined]
