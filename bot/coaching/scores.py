"""Reading a health-check answer: a button, a digit ("maybe a 3?", "4/5"), a number word ("two") or
words ("mostly agree", "not really") become 1–5, and a typed answer is said back with its number."""

from __future__ import annotations

import re
from typing import Any, Optional

from bot.coaching.replies import (EMPTY, NOT_AN_OPTION, WRONG_STEP, Accepted, Checked, button_choice, normalise,
                                  parse_payload)
from bot.coaching.steps import MAX_WHEN

SCORE_WORDS = {  # longest first when read; "mostly agree" is agree (4), "not really" is disagree (2)
    "strongly disagree": 1, "totally disagree": 1, "completely disagree": 1, "not at all": 1, "definitely not": 1,
    "disagree": 2, "mostly disagree": 2, "tend to disagree": 2, "not really": 2, "not much": 2, "rarely": 2,
    "neutral": 3, "neither": 3, "not sure": 3, "unsure": 3, "don't know": 3, "dont know": 3, "sort of": 3,
    "somewhat": 3, "partly": 3, "in between": 3, "middling": 3, "so-so": 3, "so so": 3, "maybe": 3,
    "agree": 4, "mostly agree": 4, "tend to agree": 4, "mostly": 4, "largely": 4, "generally": 4, "yes mostly": 4,
    "strongly agree": 5, "totally agree": 5, "completely agree": 5, "absolutely": 5, "definitely": 5,
    "very much": 5, "fully agree": 5, "don't agree": 2, "dont agree": 2, "do not agree": 2, "yes": 4, "no": 2,
}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def check_score(raw: Any) -> Checked:
    """A health-check answer: 1 (strongly disagree) to 5 (strongly agree), as a button, a digit
    anywhere in a short reply ("maybe a 3?", "4/5"), a number word ("two") or words ("mostly agree")."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw in (1, 2, 3, 4, 5):
        return Accepted(int(raw))
    if not isinstance(raw, str) or not raw.strip():
        return EMPTY
    button = button_choice("score", raw)
    if button is not None:
        if isinstance(button, Accepted):
            return Accepted(int(button.value)) if button.value in "12345" and len(button.value) == 1 else WRONG_STEP
        return button
    if len(raw) > MAX_WHEN:
        return NOT_AN_OPTION
    said = normalise(raw).replace("’", "'")
    digits = set(re.findall(r"(?<![\d.])([0-9]+)(?:\.0)?(?![\d.])", said.replace("/ 5", "").replace("/5", "")
                            .replace("out of 5", "")))
    if len(digits) == 1:
        n = int(digits.pop())
        return Accepted(n) if 1 <= n <= 5 else NOT_AN_OPTION
    numbers = {NUMBER_WORDS[w] for w in said.split() if w in NUMBER_WORDS}
    if len(numbers) == 1 and not digits:
        return Accepted(numbers.pop())
    padded = f" {said} "
    for phrase in sorted(SCORE_WORDS, key=len, reverse=True):
        if f" {phrase} " in padded:
            return Accepted(SCORE_WORDS[phrase])
    return NOT_AN_OPTION


def score_in_words(raw: Any, score: int) -> Optional[str]:
    """How a typed answer was read ("mostly agree" -> 4), to say back; None for a button or a bare digit."""
    if not isinstance(raw, str) or parse_payload(raw) is not None or re.fullmatch(r"\s*[1-5]\s*", raw):
        return None
    return f"I've taken “{' '.join(raw.split())}” as {score} ({SCORE_LABELS[score].lower()})."


SCORE_LABELS = {1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree", 4: "Agree", 5: "Strongly agree"}
