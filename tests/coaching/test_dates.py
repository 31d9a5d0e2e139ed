"""The loose-date reader for the "when" step: UK phrasings, a fixed today, the reading said back."""

from __future__ import annotations

from datetime import date

import pytest

from bot.coaching.dates import easter_sunday, read_when

MONDAY = date(2026, 11, 30)


@pytest.mark.parametrize("year, sunday", [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
                                          (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)),
                                          (2038, date(2038, 4, 25))])
def test_easter_is_computed_for_any_year(year, sunday):
    assert easter_sunday(year) == sunday


@pytest.mark.parametrize("said, by, reading", [
    ("by Friday", date(2026, 12, 4), "by Friday 4 December 2026"),
    ("next Friday", date(2026, 12, 11), "Friday 11 December 2026"),
    ("next week", date(2026, 12, 11),
     "next week: the week beginning Monday 7 December 2026, by Friday 11 December 2026"),
    ("end of month", date(2026, 11, 30), "by Monday 30 November 2026, the end of November"),
    ("sometime after easter", date(2027, 3, 30),
     "from Tuesday 30 March 2027, the day after Easter Monday"),
    ("before Easter", date(2027, 3, 25),
     "by Thursday 25 March 2027, before the Easter weekend"),
    ("end of Q1", date(2027, 6, 30), "by Wednesday 30 June 2027: Q1 of the 2027/28 financial year, April to June "
                                     "2027 (UK financial-year quarters, starting in April)"),
    ("in Q4", date(2027, 3, 31), "by Wednesday 31 March 2027: Q4 of the 2026/27 financial year, January to March "
                                 "2027 (UK financial-year quarters, starting in April)"),
    ("by the 14th", date(2026, 12, 14), "by Monday 14 December 2026"),
    ("asap", MONDAY, "as soon as possible, starting Monday 30 November 2026"),
    ("asap, prob next month tbh", date(2026, 12, 31),
     "as soon as possible, and at the latest next month: December 2026, by Thursday 31 December 2026"),
    ("in two weeks", date(2026, 12, 14), "by Monday 14 December 2026"),
    ("14/03", date(2027, 3, 14), "by Sunday 14 March 2027"),
    ("by 3 February", date(2027, 2, 3), "by Wednesday 3 February 2027"),
    ("tomorrow", date(2026, 12, 1), "Tuesday 1 December 2026"),
])
def test_uk_phrasings_are_read_as_a_date_and_said_back(said, by, reading):
    when = read_when(said, MONDAY)
    assert (when.by, when.reading) == (by, reading)
    assert when.label == f"{said} ({reading})"


def test_easter_already_past_this_year_means_next_years():
    assert read_when("after Easter", date(2026, 2, 1)).by == date(2026, 4, 7)
    assert read_when("after Easter", date(2026, 5, 1)).by == date(2027, 3, 30)


@pytest.mark.parametrize("said", ["when the board next meets", "once the new chief exec is in post", "dunno"])
def test_words_without_a_date_are_kept_as_said(said):
    when = read_when(f"  {said} ", MONDAY)
    assert (when.said, when.by, when.reading, when.label) == (said, None, None, said)
