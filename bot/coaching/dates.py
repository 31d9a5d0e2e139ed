"""Reading a loose "when" the way a UK leader says it: "by Friday", "next week", "end of month",
"sometime after Easter", "end of Q1", "by the 14th", "asap, prob next month tbh".

`read_when(text, today)` never refuses: what it cannot read is kept in the leader's own words
(`When.reading` is then None). What it can read is resolved to a date and said back in words, so
the leader sees the interpretation and can correct it ("go back"). Quarters are UK financial-year
quarters (April start: Q1 is April to June), the usual reading in UK public services; the reading
says so. Easter is computed (Gregorian computus), never looked up.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Optional

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_ABBR = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4,
                 "sat": 5, "sun": 6}
MONTHS = tuple(calendar.month_name)[1:]
_MONTH_KEYS = {m.lower(): n for n, m in enumerate(MONTHS, start=1)} | {
    m.lower()[:3]: n for n, m in enumerate(MONTHS, start=1)} | {"sept": 9}
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "couple of": 2,
            "few": 3}


@dataclass(frozen=True)
class When:
    said: str                  # the leader's words, trimmed
    by: Optional[date] = None  # the latest date the words mean; None when they could not be read
    reading: Optional[str] = None  # how they were read, in words ("by Friday 4 December 2026")

    @property
    def label(self) -> str:
        """What the plan shows: the leader's words, and the reading when there is one."""
        return f"{self.said} ({self.reading})" if self.reading else self.said


def day(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}"


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday: the anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day_ = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day_ + 1)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(d: date, n: int) -> tuple[int, int]:
    index = d.year * 12 + d.month - 1 + n
    return index // 12, index % 12 + 1


# --- the phrasings, most specific first ------------------------------------------------------------

Reader = Callable[[re.Match, date], Optional[tuple[date, str]]]
_READERS: list[tuple[re.Pattern, Reader]] = []


def reads(pattern: str) -> Callable[[Reader], Reader]:
    def register(fn: Reader) -> Reader:
        _READERS.append((re.compile(pattern), fn))
        return fn
    return register


@reads(r"\b(before|after|over|at|by)?\s*(the\s+)?easter\b")
def _easter(m: re.Match, today: date) -> tuple[date, str]:
    sunday = easter_sunday(today.year)
    if sunday + timedelta(days=1) < today:
        sunday = easter_sunday(today.year + 1)
    monday = sunday + timedelta(days=1)
    when = m.group(1)
    if when == "after":
        start = monday + timedelta(days=1)
        return start, f"from {day(start)}, the day after Easter Monday"
    if when in ("before", "by"):
        thursday = sunday - timedelta(days=3)
        return thursday, f"by {day(thursday)}, before the Easter weekend"
    return monday, f"over Easter ({day(sunday - timedelta(days=2))} to {day(monday)})"


@reads(r"\b(end of |by the end of |by end of |by |in |during |before )?(the )?(next )?q([1-4])\b")
def _quarter(m: re.Match, today: date) -> tuple[date, str]:
    q = int(m.group(4))
    # UK financial year: Q1 April-June, Q2 July-September, Q3 October-December, Q4 January-March.
    fy_start = today.year if today.month >= 4 else today.year - 1
    first_month = (4 + 3 * (q - 1) - 1) % 12 + 1
    year = fy_start + (1 if q == 4 else 0)
    end = month_end(year, first_month + 2)
    if end < today:
        year += 1
        end = month_end(year, first_month + 2)
    start = date(year, first_month, 1)
    fy_first = start.year if q < 4 else start.year - 1
    fy = f"{fy_first}/{(fy_first + 1) % 100:02d}"
    return end, (f"by {day(end)}: Q{q} of the {fy} financial year, {start:%B} to {end:%B %Y} "
                 "(UK financial-year quarters, starting in April)")


@reads(r"\b(?:by |before |end of |on )?(?:the )?(\d{1,2})(?:st|nd|rd|th)?(?: of)? "
       r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
       r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b(?: (\d{4}))?")
def _day_month(m: re.Match, today: date) -> Optional[tuple[date, str]]:
    month = _MONTH_KEYS.get(m.group(2)[:4] if m.group(2).startswith("sept") else m.group(2)[:3])
    return _dated(int(m.group(1)), month, m.group(3), today)


@reads(r"\b(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?\b")
def _numeric(m: re.Match, today: date) -> Optional[tuple[date, str]]:
    year = m.group(3)
    if year and len(year) == 2:
        year = f"20{year}"
    # UK order: day first.
    return _dated(int(m.group(1)), int(m.group(2)), year, today)


def _dated(d: int, month: Optional[int], year: Optional[str], today: date) -> Optional[tuple[date, str]]:
    if month is None:
        return None
    y = int(year) if year else today.year
    try:
        target = date(y, month, d)
        if not year and target < today:
            target = date(y + 1, month, d)
    except ValueError:
        return None
    return target, f"by {day(target)}"


@reads(r"\b(by |before |on |for )?the (\d{1,2})(st|nd|rd|th)\b")
def _ordinal(m: re.Match, today: date) -> Optional[tuple[date, str]]:
    n = int(m.group(2))
    year, month = today.year, today.month
    for _ in range(3):
        if n <= calendar.monthrange(year, month)[1] and date(year, month, n) >= today:
            target = date(year, month, n)
            return target, f"by {day(target)}"
        year, month = add_months(date(year, month, 1), 1)
    return None


@reads(r"\b(end of |by the end of |by end of |by |in |during |before |early |mid |mid-|late )?"
       r"(january|february|march|april|june|july|august|september|october|november|december|"
       r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\b(?: (\d{4}))?")
def _month(m: re.Match, today: date) -> tuple[date, str]:
    month = _MONTH_KEYS[m.group(2)[:4] if m.group(2).startswith("sept") else m.group(2)[:3]]
    year = int(m.group(3)) if m.group(3) else (today.year if month >= today.month else today.year + 1)
    if (m.group(1) or "").strip() == "before":
        target = date(year, month, 1) - timedelta(days=1)
        return target, f"by {day(target)}, before {date(year, month, 1):%B %Y}"
    end = month_end(year, month)
    return end, f"by {day(end)}, in {end:%B %Y}"


@reads(r"\b(end of |by the end of |by end of |by |before )?(the )?(this |next )?month(?: end|-end)?\b")
def _month_rel(m: re.Match, today: date) -> tuple[date, str]:
    year, month = add_months(today, 1) if m.group(3) == "next " else (today.year, today.month)
    end = month_end(year, month)
    if m.group(3) == "next " and not m.group(1):
        return end, f"next month: {end:%B %Y}, by {day(end)}"
    return end, f"by {day(end)}, the end of {end:%B}"


@reads(r"\b(end of |by the end of |by end of |by )?(the )?(this |next )?(financial )?year\b")
def _year(m: re.Match, today: date) -> tuple[date, str]:
    if m.group(4):
        end = date(today.year if today.month < 4 else today.year + 1, 3, 31)
        if m.group(3) == "next ":
            end = date(end.year + 1, 3, 31)
        return end, f"by {day(end)}, the end of the financial year"
    year = today.year + (1 if m.group(3) == "next " else 0)
    return date(year, 12, 31), f"by {day(date(year, 12, 31))}"


@reads(r"\b(?:in|within|inside)( the next)? (a|an|one|two|three|four|five|six|couple of|few|\d{1,2}) "
       r"(days?|weeks?|fortnights?|months?)\b")
def _within(m: re.Match, today: date) -> tuple[date, str]:
    raw = m.group(2)
    n = int(raw) if raw.isdigit() else _NUMBERS[raw]
    unit = m.group(3).rstrip("s")
    if unit == "month":
        year, month = add_months(today, n)
        target = date(year, month, min(today.day, calendar.monthrange(year, month)[1]))
    else:
        target = today + timedelta(days=n * {"day": 1, "week": 7, "fortnight": 14}[unit])
    return target, f"by {day(target)}"


@reads(r"\b(a|in a) fortnight\b")
def _fortnight(m: re.Match, today: date) -> tuple[date, str]:
    target = today + timedelta(days=14)
    return target, f"by {day(target)}"


@reads(r"\b(next|this|on|by|before|from|this coming|coming)?\s*(monday|tuesday|wednesday|thursday|friday|saturday|"
       r"sunday|mon|tues|tue|weds|wed|thurs|thur|thu|fri|sat|sun)\b")
def _weekday(m: re.Match, today: date) -> tuple[date, str]:
    name = m.group(2)
    wd = WEEKDAYS.index(name) if name in WEEKDAYS else _WEEKDAY_ABBR[name]
    if m.group(1) == "next":
        # "next Friday" is read as the Friday of next week (and said back, so a leader who meant
        # this Friday can say so).
        monday = today + timedelta(days=7 - today.weekday())
        target = monday + timedelta(days=wd)
    else:
        target = today + timedelta(days=(wd - today.weekday()) % 7)
    return target, f"{'by ' if m.group(1) in ('by', 'before') else ''}{day(target)}"


@reads(r"\b(end of |by the end of |by end of |by |during |in |before )?(the )?(this |next )week\b")
def _week(m: re.Match, today: date) -> tuple[date, str]:
    friday = today + timedelta(days=(4 - today.weekday()) % 7)
    if m.group(3) == "next ":
        monday = today + timedelta(days=7 - today.weekday())
        friday = monday + timedelta(days=4)
        return friday, f"next week: the week beginning {day(monday)}, by {day(friday)}"
    return friday, f"this week, by {day(friday)}"


@reads(r"\b(end of |by the end of |by end of |by )(the )?week\b|\bweek'?s end\b")
def _end_of_week(m: re.Match, today: date) -> tuple[date, str]:
    friday = today + timedelta(days=(4 - today.weekday()) % 7)
    return friday, f"by {day(friday)}"


@reads(r"\b(tomorrow|tmrw|tmr)\b")
def _tomorrow(m: re.Match, today: date) -> tuple[date, str]:
    return today + timedelta(days=1), day(today + timedelta(days=1))


@reads(r"\b(today|tonight|this (morning|afternoon|evening))\b")
def _today(m: re.Match, today: date) -> tuple[date, str]:
    return today, f"today, {day(today)}"


ASAP = re.compile(r"\b(asap|a\.s\.a\.p|as soon as (possible|i can|we can)|immediately|straight away|right away|"
                  r"right now|now)\b")


def read_when(text: str, today: date) -> When:
    """The leader's words with the date they mean, or just their words when none can be read."""
    said = " ".join((text or "").split())
    low = said.lower().replace("&", " and ").replace("’", "'")
    low = re.sub(r"[^\w/.' -]+", " ", low)
    low = " ".join(low.split())
    for pattern, reader in _READERS:
        match = pattern.search(low)
        if match is None:
            continue
        found = reader(match, today)
        if found is None:
            continue
        target, reading = found
        if ASAP.search(low):
            reading = f"as soon as possible, and at the latest {reading}"
        return When(said, target, reading)
    if ASAP.search(low):
        return When(said, today, f"as soon as possible, starting {day(today)}")
    return When(said)
