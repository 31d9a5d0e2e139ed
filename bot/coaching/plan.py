"""Recommendation and plan: the enablers that answer the chosen challenge, quoted and cited, and
the leader's plan built from their answers. Quotes come only from knowledge items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from bot.answer import compose
from bot.answer import render as r
from bot.answer import types as t
from bot.coaching import flow
from bot.coaching import types as ct
from bot.coaching.steps import SECTORS, STAGES
from bot.engine import Engine
from bot.knowledge.model import Item, Kind, Knowledge

MAX_ENABLERS = 2


@dataclass(frozen=True)
class Recommended:
    """One enabler for the challenge, with the example chosen for it."""

    enabler: Item
    example: Optional[Item]


def recommend(engine: Engine, challenge_id: str) -> list[Recommended]:
    """At most two enablers from the challenge's `enablers:`, each with a different example if possible."""
    knowledge = engine.knowledge
    challenge = knowledge[challenge_id]
    chosen: list[Recommended] = []
    shown: list[str] = []
    for enabler_id in challenge.enablers[:MAX_ENABLERS]:
        enabler = knowledge[enabler_id]
        example = compose.pick_example(engine, enabler, challenge, shown)
        if example is None or example.id in shown:
            # No worked example of its own (or only the one already shown): one from the same theme.
            same_theme = [e for e in knowledge.of_kind(Kind.EXAMPLE) if e.theme == enabler.theme]
            example = next((e for e in same_theme if e.id not in shown), example)
        if example is not None:
            shown.append(example.id)
        chosen.append(Recommended(enabler, example))
    return chosen


def _theme_title(knowledge: Knowledge, item: Item) -> str:
    return knowledge[item.theme].title if item.theme in knowledge else (item.theme or "").capitalize()


def _enabler_block(knowledge: Knowledge, n: int, rec: Recommended) -> str:
    enabler, example = rec.enabler, rec.example
    parts = [f"**{n}. {enabler.title}** ({_theme_title(knowledge, enabler)})",
             r.blockquote(list(enabler.quotes)) + "\n\n" + r.cite_line(knowledge, enabler)]
    if example is not None:
        answers = {c.id for c in knowledge.challenges_for(enabler.id)}
        label = ("Example from the report" if enabler.id in example.enablers else
                 "An example from the report of a challenge it answers" if answers & set(example.challenges) else
                 f"The report has no worked example of this; a related {_theme_title(knowledge, enabler)} example")
        parts.append(f"*{label}: {example.title}*\n\n" + r.blockquote(list(example.quotes[:1])) + "\n\n"
                     + r.cite_line(knowledge, example))
    if enabler.reflective_question:
        parts.append(f"**Ask yourself:** {enabler.reflective_question}")
    return "\n\n".join(parts)


def _quotes(recs: list[Recommended], challenge: Optional[Item] = None) -> list[t.Quote]:
    quotes = [t.Quote(q, challenge.id, challenge.section) for q in challenge.quotes[:1]] if challenge else []
    for rec in recs:
        quotes += [t.Quote(q, rec.enabler.id, rec.enabler.section) for q in rec.enabler.quotes]
        if rec.example is not None:
            quotes += [t.Quote(q, rec.example.id, rec.example.section) for q in rec.example.quotes[:1]]
    return quotes


def recommendation(engine: Engine, challenge_id: str) -> t.Answer:
    """The coaching recommendation message (status `coaching_recommendation`)."""
    knowledge = engine.knowledge
    challenge = knowledge[challenge_id]
    recs = recommend(engine, challenge_id)
    intro = (f"For **{challenge.title}**, the research points to "
             f"{'these enablers' if len(recs) > 1 else 'this enabler'}:")
    text = "\n\n".join([intro] + [_enabler_block(knowledge, n, rec) for n, rec in enumerate(recs, start=1)])
    first = recs[0] if recs else None
    answer = t.Answer(status=ct.COACHING_RECOMMENDATION, text=text,
                      enabler_id=first.enabler.id if first else None, challenge_id=challenge.id,
                      example_id=first.example.id if first and first.example else None,
                      quotes=_quotes(recs), try_this=first.enabler.try_this if first else None)
    return r.finish(knowledge, answer)


def partners_label(partners: Any) -> tuple[list[str], Optional[str]]:
    if not isinstance(partners, Mapping):
        return [], None
    return [SECTORS.get(s, s) for s in partners.get("sectors") or []], partners.get("detail")


def build_plan(engine: Engine, slots: Mapping[str, Any]) -> tuple[t.Answer, ct.PlanPayload]:
    """The plan card from the coaching slots (all steps answered)."""
    knowledge = engine.knowledge
    challenge = knowledge[slots[flow.CHALLENGE]]
    recs = recommend(engine, challenge.id)
    sectors, detail = partners_label(slots.get(flow.PARTNERS))
    context: ct.ContextPayload = {"purpose": str(slots.get(flow.PURPOSE) or ""), "partners": sectors,
                                  "partners_detail": detail,
                                  "stage": STAGES.get(slots.get(flow.STAGE) or "", str(slots.get(flow.STAGE) or ""))}
    example = next((rec.example for rec in recs if rec.example is not None), None)
    first_step = str(slots.get(flow.FIRST_STEP) or "")
    when = str(slots.get(flow.WHEN) or "")
    markdown = plan_markdown(knowledge, context, challenge, slots.get(flow.DESCRIPTION), recs, first_step, when)
    answer = t.Answer(status=ct.COACHING_PLAN, text=markdown,
                      enabler_id=recs[0].enabler.id if recs else None, challenge_id=challenge.id,
                      example_id=example.id if example else None, quotes=_quotes(recs, challenge),
                      buttons=[r.button("Show my plan", "/show_plan"),
                               r.button("Start again", "/start_coaching")],
                      try_this=recs[0].enabler.try_this if recs else None)
    r.finish(knowledge, answer)
    assert answer.payload is not None
    cite = lambda item, quotes: [r.citation(knowledge, item, q) for q in quotes]  # noqa: E731
    plan: ct.PlanPayload = {
        "version": ct.PLAN_VERSION,
        "context": context,
        "challenge": {"id": challenge.id, "title": challenge.title, "theme": _theme_title(knowledge, challenge),
                      "described_as": slots.get(flow.DESCRIPTION),
                      "citations": cite(challenge, challenge.quotes[:1])},
        "enablers": [{"id": rec.enabler.id, "title": rec.enabler.title,
                      "theme": _theme_title(knowledge, rec.enabler),
                      "reflective_question": rec.enabler.reflective_question,
                      "citations": cite(rec.enabler, rec.enabler.quotes)} for rec in recs],
        "example": answer.payload["example"],
        "first_step": first_step,
        "when": when,
        "markdown": markdown,
    }
    return answer, plan


def plan_markdown(knowledge: Knowledge, context: ct.ContextPayload, challenge: Item, described_as: Optional[str],
                  recs: list[Recommended], first_step: str, when: str) -> str:
    partners = ", ".join(context["partners"]) or "Not given"
    if context["partners_detail"]:
        partners += f" — {context['partners_detail']}"
    described = f"\n\nYou described it as: “{described_as}”" if described_as else ""
    parts = [
        "## Your collaboration plan",
        f"**The collaboration:** {context['purpose']}  \n**Partners:** {partners}  \n"
        f"**Where it stands:** {context['stage']}",
        f"**The challenge:** {challenge.title} ({_theme_title(knowledge, challenge)}){described}\n\n"
        + r.blockquote(list(challenge.quotes[:1])) + "\n\n" + r.cite_line(knowledge, challenge),
        "**What the research found helps**",
    ]
    parts += [_enabler_block(knowledge, n, rec) for n, rec in enumerate(recs, start=1)]
    parts.append(f"**Your first step:** {first_step}  \n**When:** {when}")
    parts.append(f"_Source: {knowledge.document}, {knowledge.publisher} ({knowledge.year}). "
                 "Quotes are the report's own words; the questions and plan are yours._")
    return "\n\n".join(parts)
