"""The trained parts of retrieval, loaded (or trained) together from one index: the item head over the
embeddings, the lexical head over n-grams, the off-topic model and the dense adapter. `coach.yml`'s `head:`
section says which are on; each is cached beside the index by its fingerprint (`bot index` trains them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from bot.config import HeadSettings
from bot.knowledge.model import Knowledge
from bot.retrieval.adapter import DenseAdapter
from bot.retrieval.head import Head
from bot.retrieval.index import VectorIndex
from bot.retrieval.lexical_head import LexicalHead
from bot.retrieval.off_topic import OffTopicModel


@dataclass(frozen=True)
class Heads:
    item: Optional[Head] = None
    item_weight: float = 0.0
    lexical: Optional[LexicalHead] = None
    lexical_weight: float = 0.0
    off_topic: Optional[OffTopicModel] = None
    adapter: Optional[DenseAdapter] = None


def load_heads(knowledge: Knowledge, index: VectorIndex, settings: HeadSettings,
               index_dir: Optional[Path] = None) -> Heads:
    """Every head `settings` turns on; with `index_dir` None, trained now and kept in memory only."""
    item = None
    if settings.weight > 0:
        item = Head.load_or_train(index, index_dir, settings.regularisation) if index_dir is not None \
            else Head.train(index, settings.regularisation)
    lexical = None
    if settings.lexical_weight > 0:
        scale = settings.lexical_embedding_scale
        lexical = LexicalHead.load_or_train(index.entries, index_dir, settings.lexical_regularisation,
                                            index.vectors() if scale > 0 else None, scale)
    off_topic = OffTopicModel.load_or_train(knowledge, index, index_dir, settings.off_topic_regularisation) \
        if settings.off_topic_regularisation > 0 else None
    adapter = DenseAdapter.load_or_train(index, index_dir, settings.adapter_epochs, settings.adapter_temperature) \
        if settings.adapter_epochs > 0 else None
    return Heads(item, settings.weight, lexical, settings.lexical_weight, off_topic, adapter)
