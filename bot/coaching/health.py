"""The quick health check: six statements (our own words, two per theme) scored 1–5, and the
weakest theme with its enablers, quoted and cited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from bot.answer import render as r
from bot.answer import types as t
from bot.coaching import flow
from bot.coaching import types as ct
from bot.coaching.steps import choice_payload
from bot.knowledge.model import Kind, Knowledge

SCALE = {1: "Strongly disagree", 2: "Disagree", 3: "Neither", 4: "Agree", 5: "Strongly agree"}

# Slot name -> statement. Our wording, never shown as a quote; each theme gets two.
STATEMENTS = {
    "health_motivations_1": "Every partner could say, in one sentence, what we are trying to achieve together.",
    "health_motivations_2":
        "Each partner, from the front line to the board, feels they own this work and gain from it.",
    "health_structures_1": "Our funding and budgets let us share staff and resources across organisations.",
    "health_structures_2":
        "We can make and act on joint decisions without going up several layers of each organisation.",
    "health_relationships_1":
        "People in the partner organisations trust each other and talk openly, even about problems.",
    "health_relationships_2": "We have regular, informal contact with partners, not only formal meetings.",
}
assert list(STATEMENTS) == flow.HEALTH_STEPS


def theme_of(slot: str) -> str:
    return slot.split("_")[1]


def statement_prompt(slot: str) -> tuple[str, list[t.ButtonPayload]]:
    n = flow.HEALTH_STEPS.index(slot) + 1
    text = (f"**{n} of {len(flow.HEALTH_STEPS)}.** How far do you agree?\n\n> {STATEMENTS[slot]}\n\n"
            "1 = strongly disagree, 5 = strongly agree.")
    return text, [r.button(f"{score} {label}" if score in (1, 5) else str(score), choice_payload("score", str(score)))
                  for score, label in SCALE.items()]


@dataclass(frozen=True)
class HealthResult:
    scores: dict[str, float]   # theme id -> mean score
    weakest: str               # theme id


def score(knowledge: Knowledge, answers: Mapping[str, Any]) -> HealthResult:
    """Mean score per theme; the weakest is the lowest mean (ties: the lowest single answer, then Table 2 order)."""
    order = [theme.id for theme in knowledge.of_kind(Kind.THEME)]
    by_theme: dict[str, list[int]] = {theme: [] for theme in order}
    for slot in flow.HEALTH_STEPS:
        by_theme[theme_of(slot)].append(int(answers[slot]))
    means = {theme: sum(v) / len(v) for theme, v in by_theme.items()}
    weakest = min(order, key=lambda theme: (means[theme], min(by_theme[theme]), order.index(theme)))
    return HealthResult(means, weakest)


def result_answer(knowledge: Knowledge, answers: Mapping[str, Any]) -> t.Answer:
    result = score(knowledge, answers)
    theme = knowledge[result.weakest]
    summary = ", ".join(f"{knowledge[tid].title} {mean:.1f}" for tid, mean in result.scores.items())
    lines = [f"Your scores out of 5: {summary}.",
             f"The weakest area is **{theme.title}** — {theme.summary} The report's enablers for it:"]
    quotes = []
    for enabler in knowledge.enablers_in(theme.id):
        quote = enabler.quotes[0]
        quotes.append(t.Quote(quote, enabler.id, enabler.section))
        lines.append(f"**{enabler.title}**\n\n{r.blockquote([quote])}\n\n{r.cite_line(knowledge, enabler)}")
    lines.append(f"Would you like to work through {theme.title} in a short coaching conversation? "
                 "It ends with a plan you can share.")
    buttons = [r.button(f"Coach me on {theme.title}", f'/start_coaching{{"coach_theme":"{theme.id}"}}'),
               r.button("Not now", "/thank")]
    answer = t.Answer(status=ct.HEALTH_CHECK_RESULT, text="\n\n".join(lines), quotes=quotes, buttons=buttons,
                      fact_id=theme.id)
    return r.finish(knowledge, answer)
