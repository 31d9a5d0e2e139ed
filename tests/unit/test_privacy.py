"""mask_pii: what users type is masked before it is stored or logged; ordinary questions are untouched."""

from __future__ import annotations

import pytest

from bot.privacy import mask_data, mask_pii


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
    ("+44 7700 900123", "[phone]"),
    ("or 0044 7700 900123.", "or [phone]."),
    ("447700900123", "[phone]"),
    ("+44 (0)20 7946 0958", "[phone]"),
    ("NI QQ-12-34-56-C", "NI [NI number]"),
    ("QQ123456C", "[NI number]"),
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


@pytest.mark.parametrize("typed, stored", [
    ("write to jo.bloggs&#64;council.gov.uk", "write to [email]"),
    ("call 07700&#32;900&#32;125", "call [phone]"),
    ("jo.bloggs&amp;#64;council.gov.uk", "[email]"),          # encoded twice
    ("jo%40council.gov.uk", "[email]"),                        # URL-encoded
    ("jo.bloggs＠council.gov.uk", "[email]"),                  # a full-width @ (Unicode compatibility form)
    ("０７７００ ９００１２３", "[phone]"),                      # full-width digits
    ("077\u200b00 900\u200b123", "[phone]"),                   # zero-width spaces between the digits
    ("QQ&#160;12&#160;34&#160;56&#160;C", "[NI number]"),
])
def test_personal_data_hidden_behind_an_encoding_is_masked_after_decoding(typed, stored):
    assert mask_pii(typed) == stored


def test_text_without_personal_data_keeps_its_exact_characters_even_when_encoded():
    for text in ("Kent Fire &amp; Rescue", "50% of partners", "“quoted” — dash…", "&lt;b&gt;"):
        assert mask_pii(text) == text


def test_the_report_and_the_knowledge_are_never_changed_by_masking(report_text):
    from pathlib import Path

    from tests.conftest import REPORT, ROOT
    assert mask_pii(REPORT.read_text(encoding="utf-8")) == REPORT.read_text(encoding="utf-8")
    for path in (ROOT / "knowledge").rglob("*.yml"):
        text = path.read_text(encoding="utf-8")
        assert mask_pii(text) == text, path
    assert Path(REPORT).exists()


def test_mask_data_masks_strings_inside_slots_and_payloads_without_editing_the_original():
    plan = {"context": {"purpose": "ask jo&#64;x.gov.uk", "partners": ["NHS", "07700 900123"]}, "when": "Friday"}
    masked = mask_data(plan)
    assert masked == {"context": {"purpose": "ask [email]", "partners": ["NHS", "[phone]"]}, "when": "Friday"}
    assert plan["context"]["purpose"] == "ask jo&#64;x.gov.uk", "the original is not edited in place"
    untouched = {"a": ["b", 1, None]}
    assert mask_data(untouched) is untouched
