"""Recommendation and plan: the enablers that answer the chosen challenge, quoted and cited, and
the leader's plan built from their answers. Quotes come only from knowledge items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from bot.answer import compose
from bot.answer import content as c
from bot.answer import types as t
from bot.answer.blocks import Block, Text
from bot.coaching import flow
from bot.coaching import types as ct
from bot.coaching.steps import SECTORS, STAGES
from bot.engine import Engine
from bot.knowledge.model import Item, Kind, Knowledge
from bot.render.markdown import blocks_markdown

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


def example_label(knowledge: Knowledge, enabler: Item, example: Item) -> str:
    """How an example relates to the enabler it is shown with: its own, one of a challenge it answers, or
    only the same theme (the report has no worked example of every enabler)."""
    if enabler.id in example.enablers:
        return "An example from the report"
    if {c.id for c in knowledge.challenges_for(enabler.id)} & set(example.challenges):
        return "An example from the report of a challenge it answers"
    return f"The report has no worked example of this; a related {_theme_title(knowledge, enabler)} example"


def _enabler_blocks(knowledge: Knowledge, n: int, rec: Recommended) -> list[Block]:
    enabler, example = rec.enabler, rec.example
    blocks = [Text(f"**{n}. {enabler.title}** ({_theme_title(knowledge, enabler)})"),
              *c.cited(knowledge, enabler, list(enabler.quotes))]
    if example is not None:
        label = example_label(knowledge, enabler, example)
        blocks += [Text(f"*{label}: {example.title}*"), *c.cited(knowledge, example, list(example.quotes[:1]))]
    if enabler.reflective_question:
        blocks.append(Text(f"**Ask yourself:** {enabler.reflective_question}"))
    return blocks


def recommendation(engine: Engine, challenge_id: str) -> t.Answer:
    """The coaching recommendation message (status `coaching_recommendation`)."""
    knowledge = engine.knowledge
    challenge = knowledge[challenge_id]
    recs = recommend(engine, challenge_id)
    intro = (f"For **{challenge.title}**, the research points to "
             f"{'these enablers' if len(recs) > 1 else 'this enabler'}:")
    blocks = [Text(intro)] + [b for n, rec in enumerate(recs, start=1) for b in _enabler_blocks(knowledge, n, rec)]
    first = recs[0] if recs else None
    return c.answer(knowledge, ct.COACHING_RECOMMENDATION, blocks,
                    enabler_id=first.enabler.id if first else None, challenge_id=challenge.id,
                    example_id=first.example.id if first and first.example else None,
                    try_this=first.enabler.try_this if first else None)


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
    blocks = plan_blocks(knowledge, context, challenge, slots.get(flow.DESCRIPTION), recs, first_step, when)
    answer = c.answer(knowledge, ct.COACHING_PLAN, blocks,
                      [c.button("Show my plan", "/show_plan"), c.button("Start again", "/start_coaching")],
                      enabler_id=recs[0].enabler.id if recs else None, challenge_id=challenge.id,
                      example_id=example.id if example else None,
                      try_this=recs[0].enabler.try_this if recs else None)
    cite = lambda item, quotes: [c.citation(knowledge, item, q) for q in quotes]  # noqa: E731
    plan: ct.PlanPayload = {
        "version": ct.PLAN_VERSION,
        "context": context,
        "challenge": {"id": challenge.id, "title": challenge.title, "theme": _theme_title(knowledge, challenge),
                      "described_as": slots.get(flow.DESCRIPTION),
                      "citations": cite(challenge, challenge.quotes[:1])},
        "enablers": [{"id": rec.enabler.id, "title": rec.enabler.title,
                      "theme": _theme_title(knowledge, rec.enabler),
                      "reflective_question": rec.enabler.reflective_question,
                      "citations": cite(rec.enabler, rec.enabler.quotes[:1])} for rec in recs],
        "example": answer.payload["example"],
        "first_step": first_step,
        "when": when,
        "summary": "\n".join(summary_lines(challenge, _theme_title(knowledge, challenge), first_step, when)),
        # The plan to download or e-mail as it reads in the chat (the widget offers it as a file).
        "markdown": blocks_markdown(blocks),
    }
    return answer, plan


def summary_lines(challenge: Item, theme: str, first_step: str, when: str) -> list[str]:
    """The three lines a director reads first: the challenge, the first step, and when."""
    return [f"Challenge: {challenge.title} ({theme})", f"First step: {first_step}", f"When: {when}"]


def plan_blocks(knowledge: Knowledge, context: ct.ContextPayload, challenge: Item, described_as: Optional[str],
                recs: list[Recommended], first_step: str, when: str) -> list[Block]:
    """The plan: a three-line summary, then the detail with one quote per enabler (the recommendation
    before it showed them all, with their examples)."""
    partners = ", ".join(context["partners"]) or "Not given"
    if context["partners_detail"]:
        partners += f" — {context['partners_detail']}"
    summary = summary_lines(challenge, _theme_title(knowledge, challenge), first_step, when)
    described = f" You described it as: “{described_as}”" if described_as else ""
    blocks: list[Block] = [
        Text("## Your collaboration plan"),
        Text("  \n".join(f"**{line.split(':', 1)[0]}:**{line.split(':', 1)[1]}" for line in summary)),
        Text(f"**The collaboration:** {context['purpose']}  \n**Partners:** {partners}  \n"
             f"**Where it stands:** {context['stage']}"),
        Text(f"**About the challenge.**{described}"),
        *c.cited(knowledge, challenge, list(challenge.quotes[:1])),
        Text("**What the research found helps**"),
    ]
    for n, rec in enumerate(recs, start=1):
        blocks += [Text(f"**{n}. {rec.enabler.title}** ({_theme_title(knowledge, rec.enabler)})"),
                   *c.cited(knowledge, rec.enabler, list(rec.enabler.quotes[:1]))]
        if rec.example is not None:
            blocks.append(Text(f"*Example in the report:* {rec.example.title}"))
        if rec.enabler.reflective_question:
            blocks.append(Text(f"**Ask yourself:** {rec.enabler.reflective_question}"))
    blocks.append(Text(f"_Source: {knowledge.document}, {knowledge.publisher} ({knowledge.year}). "
                       "Quotes are the report's own words; the questions and plan are yours._"))
    return blocks


def plan_as_text(card: Mapping[str, Any]) -> str:
    """The plan as plain text for an e-mail or a chat message: summary first, quotes in quote marks."""
    context, challenge = card.get("context") or {}, card.get("challenge") or {}
    partners = ", ".join(context.get("partners") or []) or "Not given"
    if context.get("partners_detail"):
        partners += f" ({context['partners_detail']})"
    lines = ["Our collaboration plan", "",
             f"Challenge: {challenge.get('title', '')} ({challenge.get('theme', '')})",
             f"First step: {card.get('first_step', '')}", f"When: {card.get('when', '')}", "",
             f"The collaboration: {context.get('purpose', '')}", f"Partners: {partners}",
             f"Where it stands: {context.get('stage', '')}", "", "What the research found helps:"]
    for n, enabler in enumerate(card.get("enablers") or [], start=1):
        cites = enabler.get("citations") or []
        lines.append(f"{n}. {enabler.get('title', '')}"
                     + (f": “{cites[0]['quote']}” ({cites[0]['source']}, {cites[0]['section']})" if cites else ""))
    lines += ["", "Quotes are the report's own words; the plan is ours."]
    return "\n".join(lines)


def share(engine: Engine, card: Mapping[str, Any]) -> tuple[t.Answer, ct.SharePayload]:
    """The plan offered as copyable text (the coach never sends e-mail): a note, and the text."""
    text = plan_as_text(card)
    note = ("I can't send e-mail myself, but here is your plan to pass on: copy the text below into an e-mail "
            "or a message to your team (in the web chat, *Download plan* saves it as a file).")
    answer = c.answer(engine.knowledge, ct.COACHING_PLAN_SHARED, [Text(note), Text("  \n".join(text.split("\n")))],
                      [c.button("Show my plan", "/show_plan"), c.button("Start again", "/start_coaching")])
    return answer, {"note": note, "text": text, "filename": "collaboration-plan.txt"}


def slots_of(card: Mapping[str, Any]) -> dict[str, Any]:
    """The coaching slots a stored plan was built from (so "show my plan" rebuilds the same card)."""
    context = card["context"]
    sectors = [key for key, label in SECTORS.items() if label in context["partners"]]
    stage = next((key for key, label in STAGES.items() if label == context["stage"]), context["stage"])
    return {flow.PURPOSE: context["purpose"], flow.PARTNERS: {"sectors": sectors, "detail": context["partners_detail"]},
            flow.STAGE: stage, flow.CHALLENGE: card["challenge"]["id"],
            flow.DESCRIPTION: card["challenge"]["described_as"], flow.FIRST_STEP: card["first_step"],
            flow.WHEN: card["when"]}
