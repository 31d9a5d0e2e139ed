"""Input checks that run before retrieval: empty, too long, no words, another script or language.

Kept free of Rasa so the NLU guard component, the answer pipeline and the channels share one rule.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from bot.answer import types as t
from bot.config import InputSettings, load_settings

_TAG = re.compile(r"<[^>]{0,200}>")
_SPACE = re.compile(r"\s+")
# Common Welsh function words that English questions do not contain.
_WELSH = frozenset("""sut beth pam pa ble pryd ydw ydy yw yw'r ydych mae yn yr y gyda efo ein eich fy dw dwi
rydw rydyn rydym gallwn gallaf allwch hoffwn helpu partneriaid partneriaeth cydweithio gydweithio
gweithio gweithio'n ni chi nhw ddim os oes ffordd orau gwell well sydd bod angen rhaid hefyd cyngor
iechyd arian cyllid ymddiriedaeth am ar o a i i'r â ag wrth dros heb ond neu
""".split())
# At least one of these must appear: words that are not also common English words.
_WELSH_MARKERS = frozenset("""sut beth pam pryd ydw ydy yw yw'r ydych mae dw dwi rydw rydyn rydym gallwn gallaf
allwch hoffwn cydweithio gydweithio partneriaid partneriaeth ddim ffordd ymddiriedaeth cyllid""".split())


@dataclass(frozen=True)
class Checked:
    text: str                 # the question to search with (tags removed, space folded)
    status: Optional[str]     # a status word when the input cannot be answered, else None


def strip_markup(text: str) -> str:
    """Remove HTML/script tags and decode entities: we search the words, not the markup."""
    text = re.sub(r"(?is)<(script|style)[^>]*>.*?</\1\s*>", " ", text)
    return html.unescape(_TAG.sub(" ", text))


def _letters(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c).startswith("L")]


def is_latin(ch: str) -> bool:
    return "LATIN" in unicodedata.name(ch, "")


def looks_welsh(text: str, min_share: float) -> bool:
    """At least one Welsh-only word, and at least `min_share` of the words Welsh."""
    found = re.findall(r"[a-zâêîôûŵŷ']+", text.lower())
    if not found:
        return False
    markers = sum(1 for w in found if w in _WELSH_MARKERS)
    welsh = sum(1 for w in found if w in _WELSH)
    return markers >= 1 and welsh / len(found) >= min_share


@lru_cache(maxsize=1)
def configured() -> InputSettings:
    """coach.yml's `input` section, read once: the rules for callers that pass only a length."""
    return load_settings().input


def check(raw: Optional[str], max_chars: int, rules: Optional[InputSettings] = None) -> Checked:
    """Decide whether a message can be searched at all, and clean it if so.

    `max_chars` is the caller's length limit (coach.yml `input.max_chars` for a question, a shorter one
    for a coaching reply); `rules` gives the script and language shares (default: coach.yml's).
    """
    rules = rules or configured()
    if raw is None or not raw.strip():
        return Checked("", t.EMPTY)
    if len(raw) > max_chars:
        return Checked("", t.TOO_LONG)
    text = _SPACE.sub(" ", strip_markup(raw)).strip()
    letters = _letters(text)
    if not letters:
        return Checked("", t.NO_TEXT)
    if sum(1 for c in letters if is_latin(c)) / len(letters) < rules.min_latin_share:
        return Checked(text, t.LANGUAGE)
    if looks_welsh(text, rules.welsh_word_share):
        return Checked(text, t.LANGUAGE)
    return Checked(text, None)
