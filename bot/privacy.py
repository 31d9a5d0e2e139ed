"""Mask personal data that users type, wherever it is stored: tracker events, slots, bot messages, logs.

Leaders sometimes paste an email signature or a colleague's phone number into a question. The
report never needs them, so every channel masks them on the way in, the tracker store masks every
event it writes (bot/server/stores.py), and log records are masked as they are made.

Text is masked as it will be read, not only as it was typed: the input guard decodes HTML entities,
so `jo.bloggs&#64;council.gov.uk` becomes an address later. `mask_pii` therefore also looks at the
text after every decoding the bot applies (HTML entities, URL escapes, Unicode compatibility forms,
invisible format characters), repeatedly; when that reveals personal data, the decoded text is
masked and returned. Patterns favour recall on UK formats; a false positive only hides a few
characters of a question.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from typing import Any
from urllib.parse import unquote

EMAIL = re.compile(r"(?i)\b[a-z0-9._%+'-]+@[a-z0-9.-]+\.[a-z]{2,}\b")
# National Insurance numbers: two letters, six digits, a suffix A-D, with optional spaces or dashes.
# Deliberately wider than HMRC's valid prefixes, so HMRC's own example "QQ 12 34 56 C" and typos are masked.
NI_NUMBER = re.compile(r"(?i)\b[A-Z]{2}[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}[ -]?[A-D]\b")
# UK phone numbers: +44, 0044 or 44 (then an optional "(0)"), or 0, followed by 9-10 more digits,
# allowing spaces, dashes and brackets between them.
PHONE = re.compile(r"""(?<![\w+])(?:
      (?:\+|00)\s?44[\s\-]*(?:\(0\)[\s\-]*)?\(?(?:[\s\-()]*\d){9,10}
    | 44(?:[\s\-]*\d){10}
    | \(?0(?:[\s\-()]*\d){9,10}
    )(?!\d)""", re.X)

MASKS = (("[email]", EMAIL), ("[NI number]", NI_NUMBER), ("[phone]", PHONE))
URL_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
ANY_DIGIT = re.compile(r"\d")  # any Unicode digit, as the patterns' \d
MAX_DECODING_ROUNDS = 4  # "&amp;#64;" needs two; more than four is not text anyone typed


def _mask(text: str) -> str:
    # Every pattern needs an "@" or a digit; most stored text (an answer's quotes, ids, titles) has neither,
    # and this check is one C-speed scan instead of three regex passes. A stored Q&A turn is ~8 KB of text.
    if "@" not in text and not ANY_DIGIT.search(text):
        return text
    for label, pattern in MASKS:
        text = pattern.sub(label, text)
    return text


def decoded(text: str) -> str:
    """The text as the bot may come to read it: entities and URL escapes undone, Unicode normalised."""
    for _ in range(MAX_DECODING_ROUNDS):
        before = text
        text = html.unescape(text)
        if URL_ESCAPE.search(text):
            text = unquote(text)
        text = unicodedata.normalize("NFKC", text)
        # Zero-width spaces, joiners and other format characters, found among the text's distinct
        # characters (a few dozen) rather than by a Python loop over every character.
        formats = {ord(c): None for c in set(text) if not c.isascii() and unicodedata.category(c) == "Cf"}
        if formats:
            text = text.translate(formats)
        if text == before:
            break
    return text


def mask_pii(text: str) -> str:
    """The text with email addresses, UK phone numbers and NI numbers replaced by labels.

    Text that hides personal data behind an encoding is returned decoded and masked; anything
    else keeps its exact characters (so the report's quotes are never touched).
    """
    if not text:
        return text
    if text.isascii() and "&" not in text and "%" not in text:
        return _mask(text)  # nothing to decode: no entity, no URL escape, NFKC leaves ASCII as it is
    plain = decoded(text)
    if plain != text:
        masked_plain = _mask(plain)
        if masked_plain != plain:
            return masked_plain
    return _mask(text)


def mask_data(value: Any) -> Any:
    """`value` with every string inside it (dicts, lists, tuples) masked; the same object when nothing changed."""
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, dict):
        items = {k: mask_data(v) for k, v in value.items()}
        return items if any(items[k] is not value[k] for k in value) else value
    if isinstance(value, (list, tuple)):
        masked = [mask_data(v) for v in value]
        if all(m is v for m, v in zip(masked, value)):
            return value
        return type(value)(masked) if isinstance(value, list) else tuple(masked)
    return value


_log_masking_installed = False


def install_log_masking() -> None:
    """Mask personal data in every log record this process makes, whichever library logs it (idempotent)."""
    global _log_masking_installed
    if _log_masking_installed:
        return
    make_record = logging.getLogRecordFactory()

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a badly formatted record is logging's problem, not ours
            return record
        masked = mask_pii(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return record

    logging.setLogRecordFactory(masked_record)
    _log_masking_installed = True
