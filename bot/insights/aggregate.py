"""Count usage events into the report's tables, suppressing small numbers.

Each cell counts events (questions, ratings, health checks) and the distinct conversations they came
from; a cell drawn from fewer than `min_conversations` conversations (5 by default, `insights:` in
coach.yml) is shown as "< 5", never as its number, so no one leader's questions can be picked out.
Conversations are counted per day (the conversation hash changes daily, bot.insights.events).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional

from bot.insights.events import (ANSWERED, CLARIFICATION, CORRECTED, DECLINED, ERROR, FUNNEL, HELPFUL,
                                 NOT_HELPFUL, THEMES)
from bot.insights.store import EVENT_COLUMNS

MIN_CONVERSATIONS = 5
COL = {name: i for i, name in enumerate(EVENT_COLUMNS)}
OUTCOMES = {ANSWERED: "Answered", CLARIFICATION: "Clarification asked", DECLINED: "Declined", ERROR: "Error"}
FEEDBACK = {HELPFUL: "Helpful", NOT_HELPFUL: "Not helpful", CORRECTED: "Corrected"}
STEPS = {"started": "Started coaching", "challenge": "Chose a challenge", "step": "Named a first step",
         "plan": "Got a plan"}
SCORE_BINS = {"1": "1 to 1.5", "2": "2 to 2.5", "3": "3 to 3.5", "4": "4 to 4.5", "5": "5"}


@dataclass(frozen=True)
class Value:
    count: int
    conversations: int
    suppressed: bool

    @property
    def shown(self) -> str:
        return f"< {self.threshold}" if self.suppressed else str(self.count)

    threshold: int = MIN_CONVERSATIONS


@dataclass
class Table:
    """One chart and the data table under it."""

    key: str
    title: str
    kind: str                     # "bar" (stacked bars, one per row) or "heat" (rows x groups grid)
    row_header: str
    unit: str                     # what a count is: "questions", "ratings", "conversations", ...
    groups: list[tuple[str, str]]  # (id, label) of the columns / bar segments
    rows: list[tuple[str, str]] = field(default_factory=list)  # (id, label), largest first
    cells: dict[tuple[str, str], Value] = field(default_factory=dict)
    totals: dict[str, Value] = field(default_factory=dict)
    extra: Optional[tuple[str, dict[str, str]]] = None  # a derived column: (header, row id -> text)
    note: str = ""

    def value(self, row: str, group: str) -> Value:
        return self.cells.get((row, group), Value(0, 0, False, self.threshold))

    threshold: int = MIN_CONVERSATIONS


@dataclass
class Report:
    since: Optional[float]
    until: float
    threshold: int
    headline: list[tuple[str, str]]
    tables: list[Table]


class _Counter:
    """count and distinct conversations per (row, group)."""

    def __init__(self) -> None:
        self.count: dict[tuple[str, str], int] = defaultdict(int)
        self.who: dict[tuple[str, str], set] = defaultdict(set)

    def add(self, row: str, group: str, conversation: str, n: int = 1) -> None:
        self.count[(row, group)] += n
        self.who[(row, group)].add(conversation)

    def table(self, table: Table, titles: Mapping[str, str], order: Optional[list[str]] = None) -> Table:
        t = table.threshold

        def value(count: int, who: set) -> Value:
            return Value(count, len(who), 0 < len(who) < t, t)

        rows: dict[str, list] = defaultdict(lambda: [0, set()])
        for (row, group), n in self.count.items():
            table.cells[(row, group)] = value(n, self.who[(row, group)])
            rows[row][0] += n
            rows[row][1] |= self.who[(row, group)]
        table.totals = {row: value(n, who) for row, (n, who) in rows.items()}
        ids = order if order is not None else sorted(rows, key=lambda r: (-rows[r][0], titles.get(r, r)))
        table.rows = [(r, titles.get(r, r)) for r in ids]
        return table


def week_of(hour: int) -> str:
    day = dt.datetime.fromtimestamp(hour, dt.timezone.utc).date()
    return (day - dt.timedelta(days=day.weekday())).isoformat()


def _share(table: Table, whole: int, header: str = "share") -> None:
    shares = {r: "suppressed" if table.totals[r].suppressed else f"{100 * table.totals[r].count / whole:.0f} %"
              for r, _ in table.rows if r in table.totals and whole}
    table.extra = (header, shares)


def aggregate(rows: Iterable[tuple], titles: Mapping[str, str], since: Optional[float], until: float,
              threshold: int = MIN_CONVERSATIONS) -> Report:
    """Every table of the report from usage-event rows (EVENT_COLUMNS order)."""
    c = COL
    counters = {k: _Counter() for k in ("ch_channel", "ch_week", "en_channel", "en_week", "outcomes",
                                        "helpful", "health", "choices")}
    channels: set[str] = set()
    weeks: set[str] = set()
    furthest: dict[str, int] = {}
    turns, conversations, qa = 0, set(), 0
    for row in rows:
        conversation, channel = row[c["conversation"]], row[c["channel"]]
        week = week_of(row[c["hour"]])
        turns += 1
        conversations.add(conversation)
        channels.add(channel)
        weeks.add(week)
        challenge, enabler, status = row[c["challenge"]], row[c["enabler"]], row[c["status"]]
        if challenge:
            counters["ch_channel"].add(challenge, channel, conversation)
            counters["ch_week"].add(challenge, week, conversation)
        if enabler:
            counters["en_channel"].add(enabler, channel, conversation)
            counters["en_week"].add(enabler, week, conversation)
        if status in OUTCOMES:
            qa += 1
            counters["outcomes"].add(status, channel, conversation)
        feedback = row[c["feedback"]]
        if feedback:
            counters["helpful"].add(row[c["rated_enabler"]] or "(unknown)", feedback, conversation)
        step = row[c["coaching_step"]]
        if step in FUNNEL:
            furthest[conversation] = max(furthest.get(conversation, -1), FUNNEL.index(step))
        for theme in THEMES:
            score = row[c[f"health_{theme}"]]
            if score is not None:
                counters["health"].add(theme, str(min(5, max(1, int(score)))), conversation)
        if row[c["choice"]]:
            counters["choices"].add(row[c["choice"]], "chosen", conversation)
    funnel = _Counter()
    for conversation, reached in furthest.items():
        for step in FUNNEL[:reached + 1]:
            funnel.add(step, "conversations", conversation)

    channel_groups = [(ch, ch) for ch in sorted(channels)]
    week_groups = [(w, f"w/c {w}") for w in sorted(weeks)]

    def table(key: str, title: str, kind: str, row_header: str, unit: str, groups: list[tuple[str, str]],
              note: str = "") -> Table:
        return Table(key, title, kind, row_header, unit, groups, note=note, threshold=threshold)

    tables = [
        counters["ch_channel"].table(table("challenges_by_channel", "Challenges leaders raised, by channel", "bar",
                                           "Challenge", "questions", channel_groups,
                                           "Questions whose answer named the challenge, and challenges chosen in "
                                           "coaching."), titles),
        counters["ch_week"].table(table("challenges_by_week", "Challenges leaders raised, by week", "heat",
                                        "Challenge", "questions", week_groups), titles),
        counters["en_channel"].table(table("enablers_by_channel", "Enablers shown, by channel", "bar", "Enabler",
                                           "answers", channel_groups), titles),
        counters["en_week"].table(table("enablers_by_week", "Enablers shown, by week", "heat", "Enabler", "answers",
                                        week_groups), titles),
        counters["outcomes"].table(table("outcomes", "Answered, clarified and declined questions", "bar",
                                         "Outcome", "questions", channel_groups,
                                         "Share of all questions (coaching steps and greetings are not counted)."),
                                   OUTCOMES, [k for k in OUTCOMES if k in {r for r, _ in counters["outcomes"].count}]),
        counters["helpful"].table(table("helpful_by_enabler", "Helpful rate per enabler", "bar", "Enabler",
                                        "ratings", list(FEEDBACK.items()),
                                        "Ratings of answers that showed the enabler; a correction counts "
                                        "against the answer it corrected."), titles),
        funnel.table(table("coaching_funnel", "Coaching funnel", "bar", "Step reached", "conversations",
                           [("conversations", "Conversations")],
                           "Conversations (per day) that reached each step of guided coaching."),
                     STEPS, [s for s in FUNNEL if (s, "conversations") in funnel.count]),
        counters["health"].table(table("health_scores", "Health-check scores by theme", "bar", "Theme",
                                       "health checks", list(SCORE_BINS.items()),
                                       "Each theme's mean of its two statements (1 = strongly disagree, "
                                       "5 = strongly agree)."),
                                 {t: titles.get(t, t.capitalize()) for t in THEMES},
                                 [t for t in THEMES if any(r == t for r, _ in counters["health"].count)]),
        counters["choices"].table(table("clarification_choices", "Top clarification choices", "bar",
                                        "Chosen", "choices", [("chosen", "Times chosen")],
                                        "What leaders picked when asked which topic they meant."), titles),
    ]
    by_key = {t.key: t for t in tables}
    _share(by_key["outcomes"], qa)
    helpful = by_key["helpful_by_enabler"]
    # A rate next to a suppressed cell would give the cell away (rate x total), so it is withheld too.
    helpful.extra = ("helpful rate", {
        r: "suppressed" if helpful.totals[r].suppressed or any(helpful.value(r, g).suppressed for g in FEEDBACK)
        else f"{100 * helpful.value(r, HELPFUL).count / helpful.totals[r].count:.0f} %" for r, _ in helpful.rows})
    answered = by_key["outcomes"].totals.get(ANSWERED)
    headline = [("Turns", _shown(turns, len(conversations), threshold)),
                ("Conversations (per day)", _shown(len(conversations), len(conversations), threshold)),
                ("Questions", _shown(qa, len(conversations), threshold)),
                ("Answered", "–" if not qa or answered is None else
                 ("suppressed" if answered.suppressed else f"{100 * answered.count / qa:.0f} %"))]
    return Report(since, until, threshold, headline, tables)


def _shown(count: int, conversations: int, threshold: int) -> str:
    return f"< {threshold}" if 0 < conversations < threshold else str(count)
