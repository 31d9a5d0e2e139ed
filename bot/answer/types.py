"""The answer as data. Channels render it; nothing downstream re-derives or retypes its quotes.

`AnswerPayload` is what crosses the process boundary as the Rasa custom payload
`{"answer": AnswerPayload}` on every answer message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, TypedDict

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


@dataclass(frozen=True)
class Quote:
    text: str
    item_id: str
    section: str


@dataclass
class Answer:
    """One composed answer. `text` is Markdown; canned replies leave it None and name a response."""

    status: str
    response: Optional[str] = None  # domain response to utter instead of `text` (declines etc.)
    text: Optional[str] = None
    enabler_id: Optional[str] = None
    challenge_id: Optional[str] = None
    example_id: Optional[str] = None
    fact_id: Optional[str] = None
    quotes: list[Quote] = field(default_factory=list)
    buttons: list[ButtonPayload] = field(default_factory=list)
    try_this: Optional[str] = None
    payload: Optional[AnswerPayload] = None

    @property
    def is_answer(self) -> bool:
        return self.status in (ANSWERED, ANSWERED_FACT)
