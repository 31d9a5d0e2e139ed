"""Public-sector jargon in plain words: "our ICB won't sign the S75" is searched as what it means.

The report never says ICB, MASH or VCSE; leaders do. `knowledge/glossary.yml` maps each term to plain
words the report and the question banks use, and the question (never an answer) is rewritten before
both the dense and the lexical search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import yaml

from bot.errors import KnowledgeError
from bot.lexical import tokens

FILE = "glossary.yml"


@dataclass(frozen=True)
class Glossary:
    terms: Mapping[str, str]
    # Stems of words that say a message is about working with other organisations ("partners",
    # "agencies", "joint"): such a message is asked about, never flatly declined (bot.answer.compose).
    collaboration_stems: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Longest first, so "section 75" is replaced before anything inside it.
        keys = sorted(self.terms, key=len, reverse=True)
        pattern = "|".join(re.escape(k) for k in keys) or r"(?!x)x"
        object.__setattr__(self, "_pattern", re.compile(rf"(?i)(?<![\w.])({pattern})(?![\w])"))
        object.__setattr__(self, "_lookup", {k.lower(): v for k, v in self.terms.items()})

    def expand(self, text: str) -> str:
        """The text with each jargon term replaced by its plain words."""
        return self._pattern.sub(lambda m: self._lookup[m.group(1).lower()], text)  # type: ignore[attr-defined]

    def about_collaboration(self, text: str) -> bool:
        """Whether the message (with jargon expanded) mentions working with partners at all."""
        return not self.collaboration_stems.isdisjoint(tokens(self.expand(text)))


def load_glossary(knowledge_dir: Path) -> Glossary:
    """The glossary beside the knowledge (an empty one if there is no file)."""
    path = knowledge_dir / FILE
    if not path.exists():
        return Glossary({})
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    terms = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(terms, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in terms.items()):
        raise KnowledgeError(str(path), 1, "expected 'terms:' mapping each term to plain words")
    cues = data.get("collaboration_words") or []
    if not isinstance(cues, list) or not all(isinstance(w, str) for w in cues):
        raise KnowledgeError(str(path), 1, "expected 'collaboration_words:' as a list of words")
    return Glossary(dict(terms), frozenset(t for w in cues for t in tokens(w)))
