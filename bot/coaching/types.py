"""The coaching plan as data: what crosses the process boundary next to the answer payload.

A plan message carries the Rasa custom payload `{"answer": AnswerPayload, "plan": PlanPayload}`,
where the answer's `status` is `coaching_plan`. The web widget offers `plan` as a download
(`plan["markdown"]` is ready to save); Slack and Teams render it as a card from the fields.
Every `quote` in a plan is the report's words, verbatim, taken from the knowledge items.
"""

from __future__ import annotations

from typing import List, Optional, TypedDict

from bot.answer.types import CitationPayload, ExamplePayload

# Status words (category prefix as in bot.answer.types).
COACHING_RECOMMENDATION = "coaching_recommendation"  # the enablers for the chosen challenge
COACHING_PLAN = "coaching_plan"                      # the plan card
HEALTH_CHECK_RESULT = "health_check_result"          # the weakest theme from the quick health check
COACHING_PLAN_SHARED = "coaching_plan_shared"        # the plan offered as text to copy ("email this to my team")

PLAN_VERSION = 1


class ContextPayload(TypedDict):
    purpose: str                 # what the collaboration is for, in the leader's words
    partners: List[str]          # sector labels, e.g. ["NHS", "Local authority"]
    partners_detail: Optional[str]  # the leader's own description of the partners, if typed
    stage: str                   # "Just starting" | "Under way" | "Stuck" | "Ending"


class ChallengePayload(TypedDict):
    id: str
    title: str                   # exactly as in Table 2
    theme: str                   # "Motivations" | "Structures" | "Relationships"
    described_as: Optional[str]  # the leader's words, when they described it rather than picked it
    citations: List[CitationPayload]


class PlanEnablerPayload(TypedDict):
    id: str
    title: str                   # exactly as in Table 2
    theme: str
    reflective_question: Optional[str]  # our question for the leader; never a quote
    citations: List[CitationPayload]


class PlanPayload(TypedDict):
    version: int                 # PLAN_VERSION; bumped when a field changes meaning
    context: ContextPayload
    challenge: ChallengePayload
    enablers: List[PlanEnablerPayload]  # at most two, best first
    example: Optional[ExamplePayload]   # a case example from the report for the first enabler
    first_step: str              # the leader's own first step
    when: str                    # when they will take it, in their words (and how it was read, in brackets)
    summary: str                 # three lines: "Challenge: …", "First step: …", "When: …"
    markdown: str                # the whole plan as Markdown (summary first), for download or e-mail


class SharePayload(TypedDict):
    """Next to `answer` and `plan` when the leader asks to e-mail or share the plan: the coach sends
    no e-mail itself; channels show `note` and offer `text` to copy (the widget as a download)."""
    note: str                    # what the coach says about sharing
    text: str                    # the plan as plain text, summary first
    filename: str                # for a download, e.g. "collaboration-plan.txt"
