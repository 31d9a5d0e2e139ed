"""A coaching plan laid out from its fields (the custom payload key "plan", bot/coaching/types.py).

The structured PlanPayload says everything the plan's Markdown does, so Slack, Teams and plain text
show the plan from its fields; a plan of any other shape (text, a list of steps) is laid out as
well as it can be. Every reader here is tolerant: a missing or oddly shaped key drops that part,
never the message.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from bot.render.parts import Citation, Heading, Note, Paragraph, Part, Quote


def _dict(value: Any) -> dict:
    return dict(value) if isinstance(value, Mapping) else {}


def _citations(answer: Mapping[str, Any]) -> list[dict]:
    raw = answer.get("citations")
    return [dict(c) for c in raw if isinstance(c, Mapping) and isinstance(c.get("quote"), str)] \
        if isinstance(raw, list) else []


def quoted(citations: Iterable[Mapping[str, Any]]) -> list[Part]:
    """Quotes followed by one citation line per run of quotes from the same section."""
    parts: list[Part] = []
    group: list[Mapping[str, Any]] = []

    def flush() -> None:
        if group:
            parts.extend(Quote(c["quote"]) for c in group)
            parts.append(Citation(str(group[0].get("source") or ""), str(group[0].get("section") or "")))
            group.clear()

    for c in citations:
        if group and (c.get("source"), c.get("section")) != (group[0].get("source"), group[0].get("section")):
            flush()
        group.append(c)
    flush()
    return parts


def plan_parts(plan: Any) -> list[Part]:
    """A coaching plan: the structured PlanPayload (bot/coaching/types.py), or text, or a list of steps."""
    if not plan:
        return []
    if isinstance(plan, str):
        return [Paragraph(plan)]
    if isinstance(plan, list):
        plan = {"steps": plan}
    if not isinstance(plan, Mapping):
        return []
    challenge, context, example = _dict(plan.get("challenge")), _dict(plan.get("context")), _dict(plan.get("example"))
    key = f"plan:{challenge['id']}" if challenge.get("id") else None
    parts: list[Part] = [Heading(str(plan.get("title") or "Your collaboration plan"), key=key)]
    if isinstance(plan.get("summary"), str) and plan["summary"]:
        # The three-line summary (challenge, first step, when) comes first: what a director reads.
        parts.append(Paragraph("\n".join(f"**{line.split(':', 1)[0]}:**{line.split(':', 1)[1]}" if ":" in line
                                         else line for line in plan["summary"].split("\n"))))
    about = [f"**{label}:** {value}" for label, value in (
        ("The collaboration", context.get("purpose")),
        ("Partners", ", ".join(p for p in context.get("partners") or [] if isinstance(p, str))
         + (f" — {context['partners_detail']}" if context.get("partners_detail") else "")),
        ("Where it stands", context.get("stage"))) if isinstance(value, str) and value]
    if about:
        parts.append(Paragraph("\n".join(about)))
    for name in ("intro", "goal"):
        if isinstance(plan.get(name), str) and plan[name]:
            parts.append(Paragraph(plan[name]))
    if challenge.get("title"):
        theme = f" ({challenge['theme']})" if challenge.get("theme") else ""
        parts.append(Paragraph(f"**The challenge:** {challenge['title']}{theme}"))
        if isinstance(challenge.get("described_as"), str) and challenge["described_as"]:
            parts.append(Paragraph(f"You described it as: “{challenge['described_as']}”"))
        parts += quoted(_citations(challenge))
    enablers = [_dict(e) for e in plan.get("enablers") or [] if isinstance(e, Mapping) and e.get("title")]
    if enablers:
        parts.append(Paragraph("**What the research found helps**"))
    for n, enabler in enumerate(enablers, start=1):
        parts.append(Heading(f"{n}. {enabler['title']}", key=f"enabler:{enabler.get('id', '')}", level=2))
        if enabler.get("theme"):
            parts.append(Note(f"An enabler of collaboration · {enabler['theme']}"))
        parts += quoted(_citations(enabler))
        if isinstance(enabler.get("reflective_question"), str) and enabler["reflective_question"]:
            parts.append(Paragraph(f"**Ask yourself:** {enabler['reflective_question']}"))
    example_quotes = [q for q in example.get("quotes") or [] if isinstance(q, str)]
    if example.get("title") and example_quotes:
        citation = _dict(example.get("citation"))
        parts.append(Heading(f"Example from the report: {example['title']}", key=f"example:{example.get('id', '')}",
                             level=2))
        parts += quoted({"quote": q, "source": citation.get("source", ""), "section": citation.get("section", "")}
                        for q in example_quotes)
    steps = plan.get("steps") or plan.get("actions") or []
    for n, step in enumerate(steps if isinstance(steps, list) else [], start=1):
        parts += step_parts(n, step)
    parts += quoted(_citations(plan))
    next_step = [f"**{label}:** {plan[name]}" for label, name in (("Your first step", "first_step"), ("When", "when"))
                 if isinstance(plan.get(name), str) and plan[name]]
    if next_step:
        parts.append(Paragraph("\n".join(next_step)))
    return parts


def share_parts(message: Mapping[str, Any]) -> list[Part]:
    """The note above a plan offered for sharing (custom payload key "share", bot/coaching/types.py)."""
    custom = message.get("custom")
    share = custom.get("share") if isinstance(custom, Mapping) else None
    note = share.get("note") if isinstance(share, Mapping) else None
    return [Paragraph(note)] if isinstance(note, str) and note else []


def is_structured_plan(plan: Any) -> bool:
    """A plan whose fields say everything its Markdown does (so the Markdown is not shown twice)."""
    return isinstance(plan, Mapping) and bool(plan.get("challenge") or plan.get("enablers") or plan.get("steps"))


def step_parts(n: int, step: Any) -> list[Part]:
    if isinstance(step, str):
        return [Paragraph(f"{n}. {step}")]
    if not isinstance(step, Mapping):
        return []
    title = step.get("title") or _dict(step.get("enabler")).get("title") or ""
    body = next((step[k] for k in ("text", "action", "try_this", "description") if isinstance(step.get(k), str)), "")
    parts: list[Part] = [Paragraph(f"**{n}. {title}** {body}".strip() if title else f"{n}. {body}")]
    citation = _dict(step.get("citation"))
    quote = step.get("quote") if isinstance(step.get("quote"), str) else citation.get("quote")
    if isinstance(quote, str) and quote:
        parts.append(Quote(quote))
        if citation.get("source"):
            parts.append(Citation(str(citation["source"]), str(citation.get("section") or "")))
    return parts
