"""The engine: settings, knowledge and retriever, built once by whoever runs the bot and handed on.

Nothing heavy happens at import, and there is no shared engine to reach for: the action server
builds one with `start_engine()` at start-up and gives it to every action it registers
(bot/server/action_server.py, actions/__init__.py); the CLI and `make eval` build their own; unit tests
use `Engine.in_memory` with a fake encoder, which needs neither FAISS nor a build folder (ADR 0013).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from bot.config import Settings, load_settings
from bot.knowledge import Knowledge, load_knowledge
from bot.knowledge.glossary import load_glossary
from bot.retrieval.encoder import Encoder
from bot.retrieval.heads import load_heads
from bot.retrieval.index import DenseIndex
from bot.retrieval.memory import InMemoryRetriever
from bot.retrieval.onnx_encoder import make_encoder
from bot.retrieval.passage_search import RecentQueries
from bot.retrieval.search import HybridRetriever, Mode, Retriever

if TYPE_CHECKING:
    from bot.retrieval.passage_search import PassageSearch

log = logging.getLogger(__name__)


@dataclass
class Engine:
    settings: Settings
    knowledge: Knowledge
    retriever: Retriever
    passages: Optional["PassageSearch"] = None  # the report's passages (issue 15); None: items only

    @classmethod
    def build(cls, settings: Settings, encoder: Optional[Encoder] = None, mode: Mode = "hybrid",
              knowledge: Optional[Knowledge] = None) -> "Engine":
        """The real engine: the FAISS index and heads that `bot index` wrote to `settings.index_dir`."""
        knowledge = knowledge or load_knowledge(settings.knowledge_dir)
        if encoder is None:
            name, path = model_for(settings, knowledge)
            encoder = make_encoder(name, settings.model.batch_size, settings.model.backend, settings.index_dir, path)
        encoder = RecentQueries(encoder)  # the passage search re-uses the question's vector (issue 15)
        index = DenseIndex.load(knowledge, settings.index_dir, encoder.name)
        glossary = load_glossary(settings.knowledge_dir)
        retriever = HybridRetriever(knowledge, index, encoder, settings.retrieval, mode, glossary,
                                    load_heads(knowledge, index, settings.head, settings.index_dir))
        return cls(settings, knowledge, retriever, load_passage_search(settings, knowledge, retriever))

    @classmethod
    def in_memory(cls, settings: Settings, encoder: Encoder, knowledge: Optional[Knowledge] = None) -> "Engine":
        """The knowledge embedded now and searched from memory: no FAISS, nothing read from or written to
        the build folder (unit tests, with tests/fakes.FakeEncoder)."""
        from bot.knowledge.segment import report_passages
        from bot.retrieval.passage_search import PassageSearch

        knowledge = knowledge or load_knowledge(settings.knowledge_dir)
        retriever = InMemoryRetriever(knowledge, encoder, settings, load_glossary(settings.knowledge_dir))
        passages = PassageSearch.in_memory(report_passages(settings.knowledge_dir), encoder, settings.retrieval,
                                           knowledge, correct=retriever.bm25.speller.correct_text)
        return cls(settings, knowledge, retriever, passages)

    def with_mode(self, mode: Mode) -> "Engine":
        """The same knowledge and index searched with one signal only (for the eval baselines)."""
        if not isinstance(self.retriever, HybridRetriever):
            raise TypeError(f"{type(self.retriever).__name__} has no single-signal modes")
        return Engine(self.settings, self.knowledge, self.retriever.with_mode(mode))


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


def start_engine(settings: Optional[Settings] = None) -> Engine:
    """The real engine from coach.yml, warmed with one query so the first user does not wait for the
    model. Raises a CoachError (bad settings, knowledge or index) for the caller to report in one line."""
    engine = Engine.build(settings or load_settings())
    engine.retriever.retrieve("warm up")
    log.info("knowledge and index loaded: %d items", len(engine.knowledge.items))
    return engine
