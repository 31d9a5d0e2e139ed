"""The engine: settings, knowledge, index and retriever, built once and shared.

Nothing heavy happens at import. The action server calls `load_engine()` at start-up so the first
user does not wait for the model; tests build engines with a fake encoder via `Engine.build`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from bot.config import Settings, load_settings
from bot.retrieval.encoder import Encoder
from bot.knowledge.glossary import load_glossary
from bot.retrieval.head import Head
from bot.retrieval.index import DenseIndex
from bot.knowledge import Knowledge, load_knowledge
from bot.retrieval.onnx_encoder import make_encoder
from bot.retrieval.passage_search import RecentQueries
from bot.retrieval.search import HybridRetriever, Mode

if TYPE_CHECKING:
    from bot.retrieval.passage_search import PassageSearch

log = logging.getLogger(__name__)


@dataclass
class Engine:
    settings: Settings
    knowledge: Knowledge
    retriever: HybridRetriever
    passages: Optional["PassageSearch"] = None  # the report's passages (issue 15); None: items only

    @classmethod
    def build(cls, settings: Settings, encoder: Optional[Encoder] = None, mode: Mode = "hybrid",
              knowledge: Optional[Knowledge] = None) -> "Engine":
        knowledge = knowledge or load_knowledge(settings.knowledge_dir)
        if encoder is None:
            name, path = model_for(settings, knowledge)
            encoder = make_encoder(name, settings.model.batch_size, settings.model.backend, settings.index_dir, path)
        encoder = RecentQueries(encoder)  # the passage search re-uses the question's vector (issue 15)
        index = DenseIndex.load(knowledge, settings.index_dir, encoder.name)
        glossary = load_glossary(settings.knowledge_dir)
        head = Head.load_or_train(index, settings.index_dir, settings.head.regularisation) \
            if settings.head.weight > 0 else None
        retriever = HybridRetriever(knowledge, index, encoder, settings.retrieval, mode, glossary, head,
                                    settings.head.weight)
        return cls(settings, knowledge, retriever, load_passage_search(settings, knowledge, retriever))

    def with_mode(self, mode: Mode) -> "Engine":
        """The same knowledge and index searched with one signal only (for the eval baselines)."""
        r = self.retriever
        return Engine(self.settings, self.knowledge,
                      HybridRetriever(self.knowledge, r.index, r.encoder, r.settings, mode, r.glossary,
                                      r.head, r.head_weight))


def load_passage_search(settings: Settings, knowledge: Knowledge, retriever: HybridRetriever) -> "PassageSearch":
    """The report's passages, searched with the items' encoder and spelling (so the question is embedded once)."""
    from bot.knowledge.segment import report_passages
    from bot.retrieval.passage_search import PassageSearch

    return PassageSearch.load(report_passages(settings.knowledge_dir), retriever.encoder, settings.index_dir,
                              settings.retrieval, knowledge, correct=retriever.bm25.speller.correct_text)


def model_for(settings: Settings, knowledge: Knowledge) -> tuple[str, Optional[str]]:
    """The embedding model's name and folder: the fine-tuned one for this knowledge, if configured."""
    from bot.errors import IndexMissingError
    from bot.retrieval.finetune import is_trained, trained_model

    trained = trained_model(settings.model, settings.finetune, knowledge)
    if trained is None:
        return settings.model.name, None
    if not is_trained(trained):
        raise IndexMissingError(f"no fine-tuned model for this knowledge in {trained.path}: run `bot index`")
    return trained.name, trained.path


_engine: Optional[Engine] = None
_lock = threading.Lock()


def load_engine() -> Engine:
    """The shared engine, built on first call (and warmed with one query so the model is loaded)."""
    global _engine
    with _lock:
        if _engine is None:
            engine = Engine.build(load_settings())
            engine.retriever.retrieve("warm up")
            log.info("knowledge and index loaded: %d items", len(engine.knowledge.items))
            _engine = engine
        return _engine


def set_engine(engine: Optional[Engine]) -> None:
    """Replace the shared engine (tests)."""
    global _engine
    _engine = engine
