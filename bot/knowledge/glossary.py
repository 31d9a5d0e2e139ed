"""Whether a message is about working with other organisations at all (a domain-vocabulary test).

A message that matches nothing confidently is asked "which of these challenges is it?" only if it
talks about partners, agencies, joint work or trust between organisations; anything else (weather,
recipes, code, one organisation's HR case) is declined. The words are in `knowledge/glossary.yml`.

A glossary expanding public-sector jargon (ICB, S75, MASH...) was also tried here and removed: it did
not move bank cross-validation, the dev or the held-out figures (docs/adr/0009).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.errors import KnowledgeError
from bot.retrieval.lexical import tokens

FILE = "glossary.yml"


@dataclass(frozen=True)
class Glossary:
    # Stems of words that say a message is about working with partners ("partners", "agencies").
    collaboration_stems: frozenset[str] = frozenset()

    def about_collaboration(self, text: str) -> bool:
        """Whether the message mentions working with partners at all."""
        return not self.collaboration_stems.isdisjoint(tokens(text))


def load_glossary(knowledge_dir: Path) -> Glossary:
    """The vocabulary beside the knowledge (an empty one if there is no file)."""
    path = knowledge_dir / FILE
    if not path.exists():
        return Glossary()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cues = data.get("collaboration_words") if isinstance(data, dict) else None
    if not isinstance(cues, list) or not all(isinstance(w, str) for w in cues):
        raise KnowledgeError(str(path), 1, "expected 'collaboration_words:' as a list of words")
    return Glossary(frozenset(t for w in cues for t in tokens(w)))
