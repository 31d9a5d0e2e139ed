"""mask_pii: what users type is masked before it is stored or logged; ordinary questions are untouched."""

from __future__ import annotations

import pytest

from bot.privacy import mask_pii


@pytest.mark.parametrize("typed, stored", [
    ("email jane.doe@council.gov.uk please", "email [email] please"),
    ("J.O'Neil+coach@NHS.NET", "[email]"),
    ("call 07700 900123", "call [phone]"),
    ("call +44 7700 900123", "call [phone]"),
    ("ring (020) 7946 0958 today", "ring [phone] today"),
    ("01632-960-001", "[phone]"),
    ("my NI is QQ 12 34 56 C", "my NI is [NI number]"),
    ("ab123456c", "[NI number]"),
    ("jane@x.gov.uk / 07700900123 / AB 12 34 56 D", "[email] / [phone] / [NI number]"),
])
def test_mask_pii_replaces_emails_phones_and_ni_numbers_with_labels(typed, stored):
    assert mask_pii(typed) == stored


@pytest.mark.parametrize("question", [
    "how do we overcome siloed funding?",
    "we had 12 partners and 3 boards in 2021",
    "what did the 2020-2021 research find about trust?",
    "",
])
def test_mask_pii_leaves_questions_without_personal_data_unchanged(question):
    assert mask_pii(question) == question
