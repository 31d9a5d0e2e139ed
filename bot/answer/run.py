"""One run of the answer pipeline: the question, what each stage found so far, and the stage type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from bot.answer import types as t
from bot.answer.memory import Memory
from bot.engine import Engine
from bot.retrieval.search import Retrieval


@dataclass
class Run:
    question: str
    engine: Engine
    memory: Memory
    text: str = ""
    retrieval: Optional[Retrieval] = None
    ranked_enablers: list[tuple[str, float, Optional[str]]] = field(default_factory=list)


# A stage fills in the run, or stops it with the finished Answer (a canned status, a clarification, ...).
Stage = Callable[[Run], Optional[t.Answer]]
