"""Reading a leader's reply at any coaching step: button payloads, typed words, and the polite refusals.

Every reply arrives as text: either typed, or a button payload such as
`/coach_choice{"coach_choice":"stage:stuck"}` whose `stage:` prefix names the step the button
belongs to, so an old button pressed at the wrong step is refused rather than accepted.
A refusal names a domain response (`utter_coach_invalid_*`); the form then asks again.
The steps themselves, and what each accepts, are in bot/coaching/steps.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Union

from bot.answer import guard
from bot.answer import types as t

CHOICE_INTENT = "coach_choice"
CHOICE_ENTITY = "coach_choice"
MAX_FREE_TEXT = 500   # a purpose, a description or a first step: a sentence or two
_PAYLOAD = re.compile(r"^\s*/(?P<intent>[a-z_]+)(?P<entities>\{.*\})?\s*$", re.S)
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


@dataclass(frozen=True)
class Accepted:
    value: Any


@dataclass(frozen=True)
class Refused:
    response: str   # the domain response that says, politely, what was wrong


Checked = Union[Accepted, Refused]

EMPTY = Refused("utter_coach_invalid_empty")
TOO_LONG = Refused("utter_coach_invalid_too_long")
NOT_WORDS = Refused("utter_coach_invalid_not_words")
WRONG_STEP = Refused("utter_coach_invalid_wrong_step")
NOT_AN_OPTION = Refused("utter_coach_invalid_option")


def choice_payload(step: str, value: str) -> str:
    """The button payload for one option of one step."""
    return f'/{CHOICE_INTENT}{{"{CHOICE_ENTITY}":"{step}:{value}"}}'


def parse_payload(text: str) -> Optional[tuple[str, str]]:
    """(intent, choice) for a button payload such as `/coach_choice{...}`; None for typed text.

    The choice is "" for payloads of other intents (an old "Another enabler" button, say).
    """
    match = _PAYLOAD.match(text or "")
    if not match:
        return None
    choice = ""
    if match.group("entities"):
        try:
            entities = json.loads(match.group("entities"))
        except ValueError:
            entities = {}
        choice = str(entities.get(CHOICE_ENTITY, "")) if isinstance(entities, dict) else ""
    return match.group("intent"), choice


def button_choice(step: str, text: str) -> Optional[Checked]:
    """Accepted(value) for this step's button, WRONG_STEP for any other payload, None for typed text."""
    parsed = parse_payload(text)
    if parsed is None:
        return None
    intent, choice = parsed
    prefix, _, value = choice.partition(":")
    if intent != CHOICE_INTENT or prefix != step or not value:
        return WRONG_STEP
    return Accepted(value)


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w'/ -]+", " ", text.lower()).split())


def is_wordlike(token: str) -> bool:
    """A token that could be a word: has a vowel, no long consonant run, no key-row mash."""
    token = token.lower()
    if not re.search(r"[aeiouy]", token) or re.search(r"[^aeiouy\W\d_]{5,}", token):
        return False
    if re.search(r"(.)\1\1", token):
        return False
    return not (len(token) >= 4 and any(token in row for row in _KEYBOARD_ROWS))


def looks_like_words(text: str) -> bool:
    tokens = re.findall(r"[^\W\d_]+", text)
    if not tokens:
        return False
    return sum(is_wordlike(tok) for tok in tokens) * 2 >= len(tokens)


def free_text(raw: Any, max_chars: int = MAX_FREE_TEXT) -> Checked:
    """A sentence or two in the leader's words (button payloads and nonsense refused)."""
    if not isinstance(raw, str) or not raw.strip():
        return EMPTY
    if parse_payload(raw) is not None:
        return WRONG_STEP
    if len(raw) > max_chars:
        return TOO_LONG
    checked = guard.check(raw, max_chars)
    if checked.status in (t.EMPTY, t.NO_TEXT):
        return NOT_WORDS if checked.status == t.NO_TEXT else EMPTY
    if checked.status is not None or not looks_like_words(checked.text):
        return NOT_WORDS
    return Accepted(checked.text)


def typed_option(text: str, words: Mapping[str, tuple[str, ...]]) -> Optional[str]:
    """The option whose cue words the typed text mentions (exactly one), else None."""
    said = f" {normalise(text)} "
    found = [key for key, cues in words.items() if any(f" {cue} " in said for cue in cues)]
    return found[0] if len(found) == 1 else None


def one_of(step: str, raw: Any, options: Mapping[str, Any], words: Mapping[str, tuple[str, ...]]) -> Checked:
    """A reply at a step with a fixed list of options: an option id, this step's button for one, or
    typed words that name exactly one option (`words` maps each option to its cue words)."""
    if not isinstance(raw, str) or not raw.strip():
        return EMPTY
    if raw in options:
        return Accepted(raw)
    button = button_choice(step, raw)
    if button is not None:
        return button if not isinstance(button, Accepted) or button.value in options else WRONG_STEP
    if len(raw) > MAX_FREE_TEXT:
        return TOO_LONG
    typed = typed_option(raw, words)
    return Accepted(typed) if typed else NOT_AN_OPTION
