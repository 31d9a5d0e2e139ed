"""What a leader's words say beyond the answer a step asked for.

A question typed mid-form ("what's an example of this?") is answered before the step is asked again;
"coach me" starts afresh; an opening such as "our project with the council is stuck" already answers the
stage and partners steps; a purpose naming "the district council and a housing charity" answers the
partners step; a difficulty typed at the theme step goes straight to "That sounds like ..., is that it?".
"""

from __future__ import annotations

import re
from typing import Any, Optional

from bot.coaching.replies import MAX_FREE_TEXT, looks_like_words, normalise, parse_payload, typed_option
from bot.coaching.steps import SECTOR_WORDS, SECTORS, STAGE_WORDS, STAGES

QUESTION_INTENTS = ("ask_question", "out_of_scope", "follow_up", "nlu_fallback")


def is_question(text: str, intent: Optional[str]) -> bool:
    """A typed question at a button step, which is answered before the step is asked again."""
    if not text or parse_payload(text) is not None or intent not in QUESTION_INTENTS:
        return False
    return looks_like_words(text) and (text.rstrip().endswith("?") or len(text.split()) >= 4)


# Steps whose answer is free text: a sentence typed there is read as the answer first, even when NLU
# hears "start coaching" in it ("partnership to get rough sleepers into housing with the council").
FREE_TEXT_STEPS = ("coach_purpose", "coach_partners", "coach_challenge_description", "coach_first_step",
                   "coach_step_when")
_START_COMMAND = re.compile(r"(?i)\b(coach(ing)?|start (again|over|afresh)|new plan|from scratch)\b")
MAX_START_COMMAND_WORDS = 8


def is_start_command(text: str) -> bool:
    """"coach me", "start coaching again", a /start_coaching button: a request to start afresh.
    A longer sentence or one that never mentions coaching is an answer, not a command."""
    if parse_payload(text or "") is not None:
        return True
    return len((text or "").split()) <= MAX_START_COMMAND_WORDS and bool(_START_COMMAND.search(text or ""))


def prefill_from_opening(text: str) -> dict[str, Any]:
    """What an opening such as "our joint project with the council is stuck" already tells us.

    Only the stage and the partners' sectors, and only when unambiguous; button payloads give nothing.
    """
    if not text or parse_payload(text) is not None or len(text) > MAX_FREE_TEXT:
        return {}
    found: dict[str, Any] = {}
    stage = typed_option(text, {k: v for k, v in STAGE_WORDS.items() if k in ("starting", "stuck", "ending")})
    if stage:
        found["stage"] = stage
    said = f" {normalise(text)} "
    sectors = [key for key, cues in SECTOR_WORDS.items() if key != "other" and any(f" {c} " in said for c in cues)]
    if sectors:
        found["partners"] = {"sectors": sectors, "detail": None}
    return found


REAL_QUESTION = re.compile(
    r"(?i)^\s*(what|how|why|who|whom|which|where|when|is|are|does|do|did|can you|could you|would you|will you|"
    r"tell me|show me|explain|give me)\b")
TENTATIVE = re.compile(r"(?i)^\s*(how about|what about|what if|maybe|perhaps|possibly|probably|should|shall|could we|"
                       r"can we|might|i (think|guess|suppose|could|might|should)|we (could|might|should))\b")


def is_real_question(text: str) -> bool:
    """A question to the coach, not a tentative answer: "what's an example of this?" is one;
    "maybe get the finance leads to map every budget line?" and "how about a joint budget?" are not."""
    return bool(REAL_QUESTION.match(text or "")) and not TENTATIVE.match(text or "")


def is_plain_question(text: str, intent: Optional[str]) -> bool:
    """At a free-text step only a real question ("what ...?") is answered; a tentative or
    question-shaped answer ("maybe get the finance leads together?") is the answer to the step."""
    return is_question(text, intent) and text.rstrip().endswith("?") and is_real_question(text)


# Sector cues that name an organisation rather than a topic: "improving mental health" names no partner.
_TOPIC_CUES = frozenset({"health", "mental health", "public health", "social care", "primary care", "county",
                         "reoffending", "district", "la", "other", "new", "business", "volunteers", "employer",
                         "employers"})


def partners_in(text: str) -> Optional[dict[str, Any]]:
    """The partners' sectors a purpose names ("with the district council and a housing charity")."""
    if not isinstance(text, str) or parse_payload(text) is not None:
        return None
    said = f" {normalise(text)} "
    sectors = [key for key, cues in SECTOR_WORDS.items()
               if any(f" {c} " in said for c in cues if c not in _TOPIC_CUES)]
    return {"sectors": sectors, "detail": None} if sectors else None


def describe_partners(found: dict[str, Any]) -> str:
    names = ", ".join(SECTORS[s] for s in found["sectors"])
    return (f"You mentioned the partners already, so I've noted them as *{names}*. "
            "Say \"go back\" if that's not right.")


def looks_like_a_problem(text: str) -> bool:
    """Words at the theme step that describe a difficulty ("nobody owns the budget") rather than
    choose a theme or ask the coach something."""
    return (isinstance(text, str) and parse_payload(text) is None and len(text.split()) >= 4
            and not is_real_question(text) and looks_like_words(text))


def describe_prefill(found: dict[str, Any]) -> str:
    """One line telling the leader what their opening already answered."""
    noted = []
    if "stage" in found:
        noted.append(f"the collaboration is *{STAGES[found['stage']].lower()}*")
    if "partners" in found:
        noted.append("the partners include *" + ", ".join(SECTORS[s] for s in found["partners"]["sectors"]) + "*")
    return f"From what you said, I've noted that {' and '.join(noted)}. Say \"go back\" later to change it."
