"""`bot eval --detail`: the span comparison, the scoring of ours and the baselines, and the passage thresholds'
validation."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.errors import ConfigError
from bot.evaluate_detail import BM25_TOP, OURS, Normaliser, detail_table, evaluate_detail
from tests.conftest import REPORT
from tests.unit.test_config_and_cli import write_config

RAW = REPORT.read_text(encoding="utf-8")


def test_spans_are_compared_without_bullets_glued_markers_or_line_breaks():
    normalise = Normaliser(RAW)
    assert normalise("non-professional (with the public and service users). This is summarised in Figure 1.1") == \
        "non-professional (with the public and service users). This is summarised in Figure 1."
    assert normalise("▪ Organisational hierarchies can restrict who is involved") == \
        "Organisational hierarchies can restrict who is involved"
    assert normalise("> shared\n> outcomes.") == "shared outcomes."
    # A footnote's own number is not its words; a number that is part of the report's words stays.
    assert normalise("2 King et al. (2020) Organisational Effectiveness") == "King et al. (2020) Organisational Effectiveness"
    assert normalise("From January to March 2021, Ipsos MORI") == "From January to March 2021, Ipsos MORI"
    assert normalise("Her Majesty’s Courts and Tribunal Service, Nightingale Courts 5").endswith("Courts 5")


def test_ours_and_the_baselines_are_scored_on_the_same_questions(fake_engine, report_text):
    cases = [{"q": "joint bid for commissioned services cannot guarantee funds",
              "answer": "but are unable to because certain organisations cannot guarantee funds over the necessary"},
             {"q": "what is the capital of France", "answer": "TOTAL 37"}]
    results = evaluate_detail(fake_engine, cases, report_text, Normaliser(RAW))
    by_name = {r.system: r for r in results}
    assert [r.total for r in results] == [2, 2, 2]
    assert by_name[BM25_TOP].right == 1  # the funding bullet holds the first span; nothing holds "TOTAL 37" for France
    assert by_name[OURS].not_verbatim == 0
    assert any("capital of France" in m for m in by_name[OURS].misses)
    table = detail_table(results)
    assert table.count("\n") == 4 and "answer contains the report's answering words" in table


def test_a_missing_passage_threshold_names_the_file_and_key(tmp_path):
    path = write_config(tmp_path, lambda d: d["passages"].pop("answer_min"))
    with pytest.raises(ConfigError, match=r"coach.yml: passages.answer_min: missing"):
        load_settings(path)
