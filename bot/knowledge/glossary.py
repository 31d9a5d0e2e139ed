"""Whether a message is about working with other organisations at all (a domain-vocabulary test).

A message that matches nothing confidently is asked "which of these challenges is it?" only if it
talks about partners, agencies, joint work or trust between organisations; anything else (weather,
recipes, code, one organisation's HR case) is declined. The words are in `knowledge/glossary.yml`.

A glossary expanding public-sector jargon (ICB, S75, MASH...) was also tried here and removed: it did
not move bank cross-validation, the dev or the held-out figures (docs/adr/0009).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

from bot.errors import KnowledgeError
from bot.retrieval.lexical import tokens

FILE = "glossary.yml"


@dataclass(frozen=True)
class Glossary:
    # Stems of words that say a message is about working with partners ("partners", "agencies").
    collaboration_stems: frozenset[str] = frozenset()
    # "Working with the NHS", "work better with the fire service": a body named as the one worked with.
    works_with: Optional[re.Pattern[str]] = None

    def about_collaboration(self, text: str) -> bool:
        """Whether the message mentions working with partners at all."""
        return (not self.collaboration_stems.isdisjoint(tokens(text))
                or (self.works_with is not None and self.works_with.search(text) is not None))


def load_glossary(knowledge_dir: Path) -> Glossary:
    """The vocabulary beside the knowledge (an empty one if there is no file)."""
    path = knowledge_dir / FILE
    if not path.exists():
        return Glossary()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cues = data.get("collaboration_words") if isinstance(data, dict) else None
    if not isinstance(cues, list) or not all(isinstance(w, str) for w in cues):
        raise KnowledgeError(str(path), 1, "expected 'collaboration_words:' as a list of words")
    bodies = data.get("bodies_worked_with", [])
    if not isinstance(bodies, list) or not all(isinstance(w, str) for w in bodies):
        raise KnowledgeError(str(path), 1, "expected 'bodies_worked_with:' as a list of names")
    return Glossary(frozenset(t for w in cues for t in tokens(w)), works_with_pattern(bodies))


def works_with_pattern(bodies: list[str]) -> Optional[re.Pattern[str]]:
    """"work(ing) [better / closely / well] with [the / our / local] <body>" for any of `bodies`.

    The body must follow the verb: "the NHS waiting list" or "my work with the team" name no partner.
    """
    if not bodies:
        return None
    names = "|".join(re.escape(b).replace(r"\ ", r"\s+") for b in sorted(bodies, key=len, reverse=True))
    return re.compile(r"(?i)\b(?:work|works|working|worked|deal|dealing|engage|engaging|get on|getting on)"
                      r"(?:\s+(?:better|closely|well|more|properly|effectively|together))?"
                      r"\s+with\s+(?:the\s+|our\s+|local\s+|other\s+|their\s+|a\s+|an\s+)?"
                      rf"(?:{names})\b")
