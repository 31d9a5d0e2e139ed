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
    # "Working with the NHS", "getting the district councils on board", "the prison and the council aren't
    # connecting": a body named as the one worked with, or two bodies named together.
    works_with: Optional[re.Pattern[str]] = None
    # Figures of speech a leader uses for a problem ("the S75 is giving us headaches"), each with its plain
    # meaning; a model reads "headaches" as a medical question, so retrieval sees the plain words.
    figures_of_speech: tuple[tuple[re.Pattern[str], str], ...] = ()

    def about_collaboration(self, text: str) -> bool:
        """Whether the message mentions working with partners at all."""
        return not self.collaboration_stems.isdisjoint(tokens(text)) or self.names_a_partner(text)

    def names_a_partner(self, text: str) -> bool:
        """Whether the message names a body as one worked with ("working with the OPCC"), a stronger sign than
        a partnership word alone ("a partner meeting", "our ICS")."""
        return self.works_with is not None and self.works_with.search(text) is not None

    def literal(self, text: str) -> str:
        """`text` with its figures of speech in plain words (unchanged if it has none)."""
        for pattern, plain in self.figures_of_speech:
            text = pattern.sub(plain, text)
        return text


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
    figures = data.get("figures_of_speech", [])
    if not isinstance(figures, list) or not all(
            isinstance(f, dict) and isinstance(f.get("say"), str) and isinstance(f.get("means"), str) for f in figures):
        raise KnowledgeError(str(path), 1, "expected 'figures_of_speech:' as a list of {say: <regex>, means: <words>}")
    try:
        compiled = tuple((re.compile(rf"(?i)\b(?:{f['say']})\b"), f["means"]) for f in figures)
    except re.error as exc:
        raise KnowledgeError(str(path), 1, f"figures_of_speech: {exc}") from None
    return Glossary(frozenset(t for w in cues for t in tokens(w)), works_with_pattern(bodies), compiled)


def works_with_pattern(bodies: list[str]) -> Optional[re.Pattern[str]]:
    """A body of `bodies` named as a partner: "work(ing) [better / closely] with [the / our] <body>", "get
    the <body> on board / interested / involved", two bodies named together ("the prison and the council"), or
    "the <body>" doing something as a sentence's subject ("the fire service want in on everything").

    A body alone names no partner: "the NHS waiting list", "my work with the team".
    """
    if not bodies:
        return None
    names = "|".join(re.escape(b).replace(r"\ ", r"\s+") for b in sorted(bodies, key=len, reverse=True))
    det = r"(?:(?:the|our|local|other|their|a|an|all|neighbouring|two)\s+){0,2}"
    body = rf"{det}(?:{names})s?\b"
    worked_with = (r"\b(?:work|works|working|worked|deal|dealing|engage|engaging|get on|getting on)"
                   r"(?:\s+(?:better|closely|well|more|properly|effectively|together))?"
                   rf"\s+with\s+{body}")
    brought_in = (rf"\b(?:get|gets|getting|got|bring|brings|bringing|keep|keeping)\s+{body}(?:\s+\w+){{0,2}}?\s+"
                  r"(?:interested|on\s*board|involved|engaged|signed\s+up|round\s+the\s+table|to\s+the\s+table"
                  r"|to\s+engage|to\s+commit|to\s+(?:take|play)\s+part)\b")
    together = rf"\b{body}\s+(?:and|&)\s+{body}"
    # A body that does something to the leader's side, as the subject of a sentence: "the fire service want in
    # on everything", "the council keep letting us down", "the PCC keeps going over our head". ("Our council"
    # may be the leader's own employer, so only "the".)
    acts = (rf"(?:^|[.!?]\s+)the\s+(?:{names})s?(?:\s+(?:service|services))?\s+(?:want|wants|won'?t|will\s+not|keep|keeps"
            r"|refuse|refuses|never|always|just|don'?t|doesn'?t|insist|insists|expect|expects|treat|treats|seem|seems)\b")
    return re.compile(rf"(?i){worked_with}|{brought_in}|{together}|{acts}")
