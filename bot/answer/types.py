"""The answer as data: one frozen `Answer`, composed once; every text form is rendered from it at the edge.

An `Answer` holds what the pipeline chose (the items, the report's sentences, the buttons) and its
content as a list of blocks (bot/answer/blocks.py): our words, the report's words with their
citation, the enabler's and the example's headings, the step to try. Nothing in it is Markdown
about quotes: `bot/render` writes Markdown for REST and the widget, Block Kit for Slack, an Adaptive
Card for Teams and plain text for the CLI, each from the same blocks.

`AnswerPayload` (`Answer.payload`) is what crosses the process boundary as the Rasa custom payload
`{"answer": AnswerPayload}` on every answer message, canned replies included.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import List, Optional, Tuple, TypedDict

from bot.answer.blocks import Block, BlockPayload, Quotes, blocks_payload

# Status words, prefixed by category (see docs/adr/0003-retrieval-and-answer-pipeline.md).
ANSWERED = "answered"
ANSWERED_FACT = "answered_fact"
CLARIFICATION = "clarification"
OUT_OF_SCOPE = "unanswerable_out_of_scope"
# The question is about the report but asks for a figure, date or name it does not give: the answer says
# so and shows what the report does say (a decline with the report's words, never an enabler card).
NOT_IN_REPORT = "unanswerable_not_in_report"
EMPTY = "unanswerable_empty"
TOO_LONG = "unanswerable_too_long"
NO_TEXT = "unanswerable_no_text"
LANGUAGE = "unanswerable_language"
NOTHING_MORE = "unanswerable_nothing_more"
KNOWLEDGE_UNAVAILABLE = "error_knowledge_unavailable"


class CitationPayload(TypedDict):
    source: str   # "Collaboration Executive Summary, National Leadership Centre / Ipsos MORI (2021)"
    section: str  # where in the report, e.g. "Relationships: Enablers of collaboration"
    quote: str    # verbatim words of the report


class EnablerPayload(TypedDict):
    id: str
    title: str    # exactly as in Table 2
    theme: str    # "Motivations" | "Structures" | "Relationships"


class ExamplePayload(TypedDict):
    id: str
    title: str
    shows: str    # "enabler" when it illustrates the enabler; "challenge" when the challenge it answers
    quotes: List[str]
    citation: CitationPayload


class ButtonPayload(TypedDict):
    title: str
    payload: str  # a Rasa intent payload such as "/ask_another_enabler"


class AnswerPayload(TypedDict):
    status: str                     # one of the status words above
    answer_id: str                  # stable id for feedback on this answer
    enabler: Optional[EnablerPayload]
    challenge: Optional[EnablerPayload]  # the challenge the question described, if any
    example: Optional[ExamplePayload]
    fact: Optional[EnablerPayload]  # for fact answers: the item the sentence comes from
    try_this: Optional[str]         # our suggestion, grounded in the quote; never a quote itself
    citations: List[CitationPayload]
    buttons: List[ButtonPayload]
    blocks: List[BlockPayload]      # the content, in order; empty for a canned reply (its text is the
                                    # domain response named by `response`)
    response: Optional[str]         # canned replies: the domain response whose text is shown


@dataclass(frozen=True)
class Ref:
    """An item the answer is about: enabler, challenge or fact."""

    id: str
    title: str
    theme: str    # capitalised theme ("Relationships"), or "" for items outside the themes


@dataclass(frozen=True)
class Quote:
    """One sentence of the report shown in the answer, with the item it belongs to."""

    text: str
    item_id: str
    section: str
    source: str = ""  # "<document>, <publisher> (<year>)"

    @property
    def citation(self) -> CitationPayload:
        return {"source": self.source, "section": self.section, "quote": self.text}


@dataclass(frozen=True)
class Example:
    """The worked example shown, and whether it illustrates the enabler or the challenge it answers."""

    id: str
    title: str
    shows: str                # "enabler" | "challenge"
    quotes: Tuple[str, ...]   # the example's sentences shown (all of them if none was chosen)
    section: str
    source: str


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    def as_payload(self) -> ButtonPayload:
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class Answer:
    """One composed answer. Built by bot/answer/content.py (`answer`, `canned`); never changed afterwards."""

    status: str
    blocks: Tuple[Block, ...] = ()
    buttons: Tuple[Button, ...] = ()
    response: Optional[str] = None   # canned replies: the domain response to utter (declines etc.)
    enabler: Optional[Ref] = None
    challenge: Optional[Ref] = None
    example: Optional[Example] = None
    fact: Optional[Ref] = None
    try_this: Optional[str] = None

    @property
    def is_answer(self) -> bool:
        return self.status in (ANSWERED, ANSWERED_FACT)

    @property
    def is_canned(self) -> bool:
        return self.response is not None

    @property
    def quotes(self) -> Tuple[Quote, ...]:
        """Every sentence of the report the answer shows, in order: its citations."""
        return tuple(Quote(q, b.item_id, b.section, b.source)
                     for b in self.blocks if isinstance(b, Quotes) for q in b.quotes)

    @property
    def enabler_id(self) -> Optional[str]:
        return self.enabler.id if self.enabler else None

    @property
    def challenge_id(self) -> Optional[str]:
        return self.challenge.id if self.challenge else None

    @property
    def example_id(self) -> Optional[str]:
        return self.example.id if self.example else None

    @property
    def fact_id(self) -> Optional[str]:
        return self.fact.id if self.fact else None

    @property
    def button_payloads(self) -> List[ButtonPayload]:
        return [b.as_payload() for b in self.buttons]

    @property
    def answer_id(self) -> str:
        """Stable for the same content: the same answer shown twice gets the same id. Canned replies
        have none: there is nothing of the report in them to rate."""
        if self.is_canned:
            return ""
        content = json.dumps([self.status, self.response, self.enabler_id, self.example_id, self.fact_id,
                              blocks_payload(self.blocks)], ensure_ascii=False, sort_keys=True)
        return hashlib.sha1(content.encode()).hexdigest()[:12]

    @property
    def payload(self) -> AnswerPayload:
        example: Optional[ExamplePayload] = None
        if self.example is not None:
            ex = self.example
            example = {"id": ex.id, "title": ex.title, "shows": ex.shows, "quotes": list(ex.quotes),
                       "citation": {"source": ex.source, "section": ex.section, "quote": " ".join(ex.quotes)}}
        return {
            "status": self.status,
            "answer_id": self.answer_id,
            "enabler": _ref(self.enabler),
            "challenge": _ref(self.challenge),
            "example": example,
            "fact": _ref(self.fact),
            "try_this": self.try_this,
            "citations": [q.citation for q in self.quotes],
            "buttons": self.button_payloads,
            "blocks": blocks_payload(self.blocks),
            "response": self.response,
        }


def _ref(ref: Optional[Ref]) -> Optional[EnablerPayload]:
    return {"id": ref.id, "title": ref.title, "theme": ref.theme} if ref is not None else None
