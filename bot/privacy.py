"""Mask personal data that users type, before it reaches the tracker store, logs or the index.

Leaders sometimes paste an email signature or a colleague's phone number into a question. The
report never needs them, so every channel masks them on the way in. Patterns favour recall on UK
formats; a false positive only hides a few characters of a question.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"(?i)\b[a-z0-9._%+'-]+@[a-z0-9.-]+\.[a-z]{2,}\b")
# National Insurance numbers: two letters, six digits, a suffix A-D. Deliberately wider than HMRC's
# valid prefixes, so HMRC's own example "QQ 12 34 56 C" and typos are masked too.
NI_NUMBER = re.compile(r"(?i)\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
# UK phone numbers: +44 or 0 followed by 9-10 more digits, allowing spaces, dashes and brackets.
PHONE = re.compile(r"(?<![\w+])(?:\+44\s?\(?0?\)?|\(?0)(?:[\s\-()]*\d){9,10}(?!\d)")

MASKS = (("[email]", EMAIL), ("[NI number]", NI_NUMBER), ("[phone]", PHONE))


def mask_pii(text: str) -> str:
    """The text with email addresses, UK phone numbers and NI numbers replaced by labels."""
    if not text:
        return text
    for label, pattern in MASKS:
        text = pattern.sub(label, text)
    return text
