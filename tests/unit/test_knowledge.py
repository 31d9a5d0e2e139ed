"""The knowledge files load, match the report and the tables, and bad edits are reported by file:line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.knowledge.loader import validate_knowledge
from bot.knowledge.model import Kind
from bot.knowledge.source import LineRange, SourceText

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_knowledge_is_valid(settings):
    knowledge, errors = validate_knowledge(settings.knowledge_dir)
    assert errors == []
    assert knowledge is not None


def test_every_table2_cell_is_an_item_with_the_exact_title(knowledge, report_text):
    table = report_text.table2()
    assert sorted(table) == ["motivations", "relationships", "structures"]
    for theme, columns in table.items():
        assert sorted(columns["challenges"]) == sorted(c.title for c in knowledge.challenges_in(theme))
        assert sorted(columns["enablers"]) == sorted(e.title for e in knowledge.enablers_in(theme))
    assert sum(len(c["challenges"]) for c in table.values()) == 15
    assert sum(len(c["enablers"]) for c in table.values()) == 14


def test_wrapped_table_cells_are_joined():
    assert "Buy-in from all organisational levels and collaborators" in \
        SourceText((ROOT / "knowledge/source/collaboration-executive-summary.txt").read_text()).table2()["motivations"]["enablers"]


def test_the_six_case_studies_carry_table1_counts_totalling_37(knowledge):
    studies = knowledge.of_kind(Kind.CASE_STUDY)
    assert len(studies) == 6
    assert sum(s.participants for s in studies) == 37


def test_every_item_the_user_can_see_has_quotes_a_section_and_a_question_bank(knowledge):
    for item in knowledge.items.values():
        assert item.questions, item.id
        if item.kind is not Kind.OUT_OF_SCOPE:
            assert item.quotes and item.section, item.id


def test_every_challenge_links_to_enablers_and_every_example_to_something(knowledge):
    for challenge in knowledge.of_kind(Kind.CHALLENGE):
        assert 1 <= len(challenge.enablers) <= 2
        assert all(knowledge[e].kind is Kind.ENABLER for e in challenge.enablers)
    for example in knowledge.of_kind(Kind.EXAMPLE):
        assert example.enablers or example.challenges
        assert knowledge[example.case_study].kind is Kind.CASE_STUDY


def test_every_quote_is_verbatim_in_the_report_as_shipped(knowledge, report_text):
    # Independent of the loader: the raw report, white space folded, with the listed footnote
    # lines taken out only where a sentence was split around them.
    cleaned = SourceText(report_text.raw, (LineRange(100, 101), LineRange(150, 157)))
    for item, quote in knowledge.all_quotes():
        assert report_text.contains(quote) or cleaned.contains(quote), (item.id, quote)


def test_quotes_never_contain_pdf_artefacts(knowledge):
    for item, quote in knowledge.all_quotes():
        # A footnote's web address run into a sentence is an artefact; quoted alone it answers "is there a link?"
        assert "http" not in quote or re.fullmatch(r"https://\S+", quote), item.id
        assert not quote.rstrip().endswith((".1", ".2", ".3")), item.id


@pytest.fixture
def broken_copy(tmp_path, settings):
    target = tmp_path / "knowledge"
    shutil.copytree(settings.knowledge_dir, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_a_quote_that_is_not_verbatim_is_reported_with_file_and_line(broken_copy):
    path = broken_copy / "enablers.yml"
    _edit(path, "provided a clear, shared purpose to work together.", "provided a clear shared purpose to work together.")
    _, errors = validate_knowledge(broken_copy)
    line = _line_of(path, "provided a clear shared purpose")
    assert [str(e) for e in errors] == [
        f"{path}:{line}: quote of 'clear_shared_purpose' is not verbatim in the report: "
        "'The COVID-19 pandemic provided a clear shared purpose to work together'"]  # first 70 characters


def test_a_straight_apostrophe_for_a_curly_one_is_not_verbatim(broken_copy):
    path = broken_copy / "challenges.yml"
    _edit(path, "a ‘silo’ mentality", "a 'silo' mentality")
    _, errors = validate_knowledge(broken_copy)
    assert len(errors) == 1 and "not verbatim" in errors[0].reason


def test_a_link_to_a_missing_id_is_reported(broken_copy):
    path = broken_copy / "challenges.yml"
    _edit(path, "enablers: [clear_shared_purpose, focusing_on_outcomes]", "enablers: [clear_shared_purpose, no_such_enabler]")
    _, errors = validate_knowledge(broken_copy)
    assert [e.reason for e in errors] == ["links to missing enabler id 'no_such_enabler'"]
    assert errors[0].line == _line_of(path, "id: competing_priorities")


def test_a_missing_field_is_reported(broken_copy):
    path = broken_copy / "enablers.yml"
    _edit(path, "    try_this: Write the purpose", "    not_try_this: Write the purpose")
    _, errors = validate_knowledge(broken_copy)
    assert [e.reason for e in errors] == ["item 'clear_shared_purpose' is missing field 'try_this'"]


def test_a_title_that_differs_from_table2_is_reported(broken_copy):
    _edit(broken_copy / "enablers.yml", "title: Being solutions-focused", "title: Being solution focused")
    _, errors = validate_knowledge(broken_copy)
    reasons = [e.reason for e in errors]
    assert "title 'Being solution focused' is not a enabler of theme 'relationships' in Table 2" in reasons
    assert "Table 2 enablers cell 'Being solutions-focused' (relationships) has no item" in reasons


def test_invalid_yaml_is_reported_with_its_line(broken_copy):
    path = broken_copy / "facts.yml"
    path.write_text("facts:\n  - id: x\n   title: [unclosed\n", encoding="utf-8")
    _, errors = validate_knowledge(broken_copy)
    assert errors and errors[0].path == str(path) and "not valid YAML" in errors[0].reason
