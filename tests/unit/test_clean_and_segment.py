"""The cleaning step and the passages, on the report's real artefacts (lines quoted from the source file)."""

from __future__ import annotations

import pytest

from bot.knowledge.clean import clean, removed_words
from bot.knowledge.segment import check_verbatim, segment
from bot.knowledge.source import LineRange, SourceText
from tests.conftest import REPORT

RAW = REPORT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cleaned():
    return clean(RAW)


@pytest.fixture(scope="module")
def passages(cleaned):
    return segment(cleaned)


def by_start(passages, words: str):
    found = [p for p in passages if p.text.startswith(words)]
    assert len(found) == 1, words
    return found[0]


def body(cleaned) -> str:
    return "\n".join(line.text for line in cleaned.lines)


def test_the_raw_report_has_the_artefacts_these_tests_are_about():
    lines = RAW.splitlines()
    assert lines[97:102] == ["motivate different organisations if they feel they have little control over planning or", "",
                             "1 This framework was developed by Ipsos MORI on the basis of research looking at issues "
                             "facing public service leaders during the COVID-19",
                             "pandemic, commissioned by the National Leadership Centre.",
                             " decision-making. The wider literature highlights how real or perceived asymmetries in power,"]
    assert lines[103] == "leaving it vulnerable to manipulation.2"
    assert lines[52].endswith("This is summarised in Figure 1.1")
    assert lines[155].startswith("https://www.gov.uk/") and lines[153].startswith("s-the-system-literature-review")
    assert lines[206:208] == ["took six weeks rather than the usual 18-24 months to establish a new court.", " Relationships"]
    assert lines[275:278] == ["● Buy-in from all organisational levels", "", "and collaborators"]


def test_a_footnote_printed_mid_sentence_is_taken_out_and_the_sentence_joined_again(cleaned):
    text = body(cleaned)
    assert "little control over planning or\ndecision-making. The wider literature" in text
    assert "This framework was developed" not in text
    note = next(f for f in cleaned.footnotes if f.number == 1)
    assert note.text == ("This framework was developed by Ipsos MORI on the basis of research looking at issues facing "
                         "public service leaders during the COVID-19 pandemic, commissioned by the National Leadership Centre.")
    assert (note.first_line, note.last_line) == (100, 101)


def test_footnotes_and_urls_between_pages_go_and_the_bullet_carries_on(cleaned):
    text = body(cleaned)
    assert "implement a shared policy.\nThis is a challenge for organisations that might want to make a joint bid" in text
    assert "https://" not in text and "King et al." not in text and "NLC Experiences of COVID-19 report." not in text
    king = next(f for f in cleaned.footnotes if f.number == 2)
    assert king.text == "King et al. (2020) Organisational Effectiveness and Collaboration Across the System: Literature Review Summary"
    # The URL the PDF wrapped after "acros" is whole again, and the two link lines repeat it.
    assert king.urls[0].endswith("organisational-effectiveness-and-collaboration-across-the-system-literature-review-"
                                 "summary-by-dr-martin-king-professor-rob-wilson-sophie-wilson")
    assert set(cleaned.stray_urls) == set(king.urls)


def test_footnote_markers_glued_to_words_are_removed_and_nothing_else(cleaned):
    assert cleaned.markers == ((53, "1"), (104, "2"), (119, "3"))
    text = body(cleaned)
    assert "leaving it vulnerable to manipulation.\n" in text
    assert text.count("This is summarised in Figure 1.\n") == 1
    # A number ending a line that is not a footnote marker stays: Table 1's counts.
    assert "Nightingale Courts 5" in text and "TOTAL 37" in text


def test_a_heading_glued_under_a_case_box_is_split_off(cleaned):
    texts = [line.text for line in cleaned.lines]
    at = texts.index("Relationships")
    assert texts[at - 2:at + 2] == ["took six weeks rather than the usual 18-24 months to establish a new court.", "",
                                    "Relationships", ""]


def test_table_cells_wrapped_after_a_blank_line_are_joined(cleaned):
    texts = [line.text for line in cleaned.lines]
    assert "● Buy-in from all organisational levels and collaborators" in texts
    assert "● Siloed funding streams and competition" in texts
    assert "and collaborators" not in texts and "competition" not in texts


def test_cleaning_never_loses_or_changes_a_word(cleaned):
    assert removed_words(RAW, cleaned) == []
    kept = [w for line in cleaned.lines for w in line.text.split()]
    raw_words = RAW.split()
    # In order: every kept word is the next matching raw word (markers aside).
    position = 0
    for word in kept:
        while position < len(raw_words) and not raw_words[position].startswith(word):
            position += 1
        assert position < len(raw_words), word
        position += 1


def test_every_passage_is_verbatim_in_the_report(passages):
    source = SourceText(RAW, (LineRange(100, 101), LineRange(150, 157)))
    assert check_verbatim(passages, source) == []
    assert len(passages) >= 45


def test_passages_are_paragraphs_bullets_case_boxes_table_rows_and_footnotes(passages):
    kinds = {p.kind for p in passages}
    assert kinds == {"paragraph", "bullet", "example", "table_row", "footnote"}
    siloed = by_start(passages, "Siloed funding streams")
    assert siloed.kind == "bullet" and siloed.section == "Structures › Challenges for collaboration"
    assert siloed.text.endswith("cannot guarantee funds over the necessary timescales.")
    assert (siloed.first_line, siloed.last_line) == (146, 160)
    box = by_start(passages, "The creation of the Additional Courts")
    assert box.kind == "example" and box.section == "Structures › Enablers of collaboration"
    assert box.text.endswith("took six weeks rather than the usual 18-24 months to establish a new court.")
    row = by_start(passages, "Her Majesty’s Prison and Probation Service")
    assert row.kind == "table_row" and row.text == "Her Majesty’s Prison and Probation Service, Homelessness Prevention Taskforces 8"
    assert row.section == "Methodology › Table 1: Number of participants in the case study interviews"
    assert by_start(passages, "Kent Fire & Rescue Service established").section == "Collaboration in public services"
    assert by_start(passages, "King et al.").section == "Footnote 2"
    # Table 2's cells are the items' titles, not passages.
    assert not any(p.text.startswith("● ") or p.text == "Dedicated, flexible funding" for p in passages)


def test_sentences_split_at_sentence_ends_only(passages):
    king = by_start(passages, "King et al.")
    assert len(king.sentences) == 1  # "et al. (2020)" is not the end of a sentence
    siloed = by_start(passages, "Siloed funding streams")
    assert siloed.sentences[2].startswith("This is a challenge for organisations")


def test_ids_are_unique_readable_and_survive_edits_elsewhere(passages):
    ids = [p.id for p in passages]
    assert len(set(ids)) == len(ids)
    assert "structures/challenges-for-collaboration/siloed-funding-streams-and-competition-for" in ids
    # A paragraph added before, and a word changed at the end of another, leave the other ids alone.
    edited = RAW.replace("Methodology\n", "Methodology\nA new opening paragraph for this section.\n\n", 1)
    edited = edited.replace("delegation in times of crisis.", "delegation in a crisis.")
    again = [p.id for p in segment(clean(edited))]
    assert set(ids) <= set(again)
