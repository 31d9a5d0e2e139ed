"""The quick health check: six statements (our own words, two per theme) scored 1–5; the result
names the lowest area (or says it is a tie), the lowest statement(s), and one enabler for them,
quoted and cited, with an example and one step; the other enablers are offered as buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from bot.answer import compose
from bot.answer import content as c
from bot.answer import types as t
from bot.answer.blocks import Block, Text, TryThis
from bot.coaching import flow
from bot.coaching import types as ct
from bot.coaching.plan import example_label
from bot.coaching.steps import choice_payload
from bot.engine import Engine
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
    # The statement is ours, so italic, never a "> " blockquote: blockquotes are the report's words.
    n = flow.HEALTH_STEPS.index(slot) + 1
    text = (f"**{n} of {len(flow.HEALTH_STEPS)}.** How far do you agree?\n\n*{STATEMENTS[slot]}*\n\n"
            "1 = strongly disagree, 5 = strongly agree.")
    return text, [c.button(f"{score} {label}" if score in (1, 5) else str(score),
                           choice_payload("score", str(score))).as_payload() for score, label in SCALE.items()]


# The enabler each statement tests (Table 2 titles): the one offered when that statement scores lowest.
STATEMENT_ENABLERS = {
    "health_motivations_1": "clear_shared_purpose",
    "health_motivations_2": "buy_in_from_all_levels",
    "health_structures_1": "dedicated_flexible_funding",
    "health_structures_2": "streamlining_decision_making",
    "health_relationships_1": "maintaining_open_frequent_communication",
    "health_relationships_2": "breaking_down_physical_barriers",
}
assert list(STATEMENT_ENABLERS) == flow.HEALTH_STEPS


@dataclass(frozen=True)
class HealthResult:
    scores: dict[str, float]   # theme id -> mean score, in Table 2 order
    lowest_themes: list[str]   # the theme(s) with the lowest mean: more than one is a tie
    lowest: list[str]          # the statement slot(s) with the lowest single answer, in asking order
    low_score: int             # that lowest answer

    @property
    def weakest(self) -> str:
        """The theme the result aims at: that of the first lowest statement among the lowest themes."""
        return next((theme_of(s) for s in self.lowest if theme_of(s) in self.lowest_themes), self.lowest_themes[0])

    @property
    def level(self) -> bool:
        """Every answer the same: no area stands out."""
        return len(self.lowest) == len(flow.HEALTH_STEPS)


def score(knowledge: Knowledge, answers: Mapping[str, Any]) -> HealthResult:
    """Mean score per theme; the lowest theme(s) and the lowest statement(s). Ties are kept as ties."""
    order = [theme.id for theme in knowledge.of_kind(Kind.THEME)]
    by_theme: dict[str, list[int]] = {theme: [] for theme in order}
    for slot in flow.HEALTH_STEPS:
        by_theme[theme_of(slot)].append(int(answers[slot]))
    means = {theme: sum(v) / len(v) for theme, v in by_theme.items()}
    low_mean = min(means.values())
    low = min(int(answers[s]) for s in flow.HEALTH_STEPS)
    lowest_themes = [theme for theme in order if means[theme] == low_mean]
    # The lowest statements in the lowest theme(s) first: that is where the result aims.
    lowest = sorted((s for s in flow.HEALTH_STEPS if int(answers[s]) == low),
                    key=lambda s: theme_of(s) not in lowest_themes)
    return HealthResult(means, lowest_themes, lowest, low)


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def result_answer(engine: Engine, answers: Mapping[str, Any]) -> t.Answer:
    """The scores; the lowest area (or the tie); the lowest statement(s); one enabler for it with its
    quote, an example and one step; and the rest offered as buttons."""
    knowledge = engine.knowledge
    result = score(knowledge, answers)
    summary = ", ".join(f"{knowledge[tid].title} {mean:.1f}" for tid, mean in result.scores.items())
    blocks: list[Block] = [Text(f"Your scores out of 5: {summary}.")]
    if result.level:
        findings = knowledge["summary_of_findings"]
        blocks += [Text(f"You gave every statement the same answer ({result.low_score} of 5), so no area stands out "
                        "as weakest. The report's own finding is that the areas work together:"),
                   *c.cited(knowledge, findings, list(findings.quotes)), Text("Pick an area to look at first:")]
        buttons = [c.button(f"Coach me on {knowledge[tid].title}", f'/start_coaching{{"coach_theme":"{tid}"}}')
                   for tid in result.scores] + [c.button("Not now", "/thank")]
        return c.answer(knowledge, ct.HEALTH_CHECK_RESULT, blocks, buttons, fact_id=findings.id)
    titles = [knowledge[tid].title for tid in result.lowest_themes]
    mean = result.scores[result.lowest_themes[0]]
    if len(titles) > 1:
        blocks.append(Text(f"{_and(titles)} are tied as the lowest, at {mean:.1f}."))
    else:
        theme = knowledge[result.lowest_themes[0]]
        blocks.append(Text(f"The lowest area is **{theme.title}** — {theme.summary}"))
    said = "; ".join(f"“{STATEMENTS[s]}”" for s in result.lowest)
    blocks.append(Text(f"Your lowest {'answer was' if len(result.lowest) == 1 else 'answers were'} "
                       f"{result.low_score} of 5, for {said}"))
    enabler = knowledge[STATEMENT_ENABLERS[result.lowest[0]]]
    example = compose.pick_example(engine, enabler, None, []) or next(
        (e for e in knowledge.of_kind(Kind.EXAMPLE) if e.theme == enabler.theme), None)
    blocks += [Text(f"What the research found helps with {'that' if len(result.lowest) == 1 else 'the first'}: "
                    f"**{enabler.title}** ({knowledge[enabler.theme].title})"),
               *c.cited(knowledge, enabler, list(enabler.quotes[:1]))]
    if example is not None:
        blocks += [Text(f"{example_label(knowledge, enabler, example)}, **{example.title}**:"),
                   *c.cited(knowledge, example, list(example.quotes[:1]))]
    if enabler.try_this:
        blocks.append(TryThis(enabler.try_this, label="One step to try"))
    theme = knowledge[enabler.theme]
    others = [knowledge[STATEMENT_ENABLERS[s]] for s in result.lowest[1:3]]
    blocks.append(Text(f"Would you like to work through {theme.title} in a short coaching conversation? It ends "
                       "with a plan you can share. Or see the other enablers below."))
    buttons = [c.button(f"Coach me on {theme.title}", f'/start_coaching{{"coach_theme":"{theme.id}"}}')]
    buttons += [c.button(e.title, f'/choose_topic{{"topic_id":"{e.id}"}}') for e in others]
    buttons += [c.button("Another enabler", "/ask_another_enabler"), c.button("Not now", "/thank")]
    return c.answer(knowledge, ct.HEALTH_CHECK_RESULT, blocks, buttons, enabler_id=enabler.id,
                    example_id=example.id if example else None, fact_id=theme.id, try_this=enabler.try_this)
