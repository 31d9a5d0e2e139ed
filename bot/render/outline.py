"""Build the channel-neutral `Document` for one bot message (text, buttons, custom answer payload).

An enabler answer is laid out from its payload (enabler, quotes, citations, example, try-this),
so every channel shows the quotes the pipeline chose, never words re-read from Markdown. Anything
else (facts, examples, clarifications, canned replies) is laid out from the message's Markdown,
with its "> " quote lines and "— *Source*, …" lines turned into quotes and citations. A coaching
plan (custom payload key "plan", next to "answer") is laid out from its fields, in place of the
Markdown that repeats it; a plan of any other shape is appended. Every reader here is tolerant: a
missing or oddly shaped key drops that part, never the message.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from bot.render.parts import Button, Citation, Divider, Document, Heading, Note, Paragraph, Part, Quote

CITE_LINE = re.compile(r"^— \*(?P<document>[^*]+)\*, (?P<publisher>.+?\(\d{4}\)), (?P<section>.+)$", re.S)
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def outline(message: Mapping[str, Any]) -> Document:
    answer = answer_of(message)
    text = message.get("text") if isinstance(message.get("text"), str) else ""
    plan = plan_of(message, answer)
    if is_structured_plan(plan):
        parts = share_parts(message) + plan_parts(plan)
    else:
        parts = enabler_parts(answer, text) if is_enabler_answer(answer) else markdown_parts(text)
        parts += ([Divider()] if plan and parts else []) + plan_parts(plan)
    return Document(parts=parts, buttons=buttons_of(message, answer),
                    answer_id=str(answer.get("answer_id") or ""), status=str(answer.get("status") or ""))


def answer_of(message: Mapping[str, Any]) -> dict:
    custom = message.get("custom")
    answer = custom.get("answer") if isinstance(custom, Mapping) else None
    return dict(answer) if isinstance(answer, Mapping) else {}


def plan_of(message: Mapping[str, Any], answer: Mapping[str, Any]) -> Any:
    """The coaching plan: next to the answer in the custom payload, or (tolerated) inside it."""
    custom = message.get("custom")
    return (custom.get("plan") if isinstance(custom, Mapping) else None) or answer.get("plan")


def buttons_of(message: Mapping[str, Any], answer: Mapping[str, Any]) -> list[Button]:
    raw = answer.get("buttons") or message.get("buttons") or []
    buttons = []
    for b in raw if isinstance(raw, list) else []:
        if isinstance(b, Mapping) and isinstance(b.get("payload"), str) and b.get("payload"):
            buttons.append(Button(title=str(b.get("title") or b["payload"]), payload=b["payload"]))
    return buttons


def _dict(value: Any) -> dict:
    return dict(value) if isinstance(value, Mapping) else {}


def _citations(answer: Mapping[str, Any]) -> list[dict]:
    raw = answer.get("citations")
    return [dict(c) for c in raw if isinstance(c, Mapping) and isinstance(c.get("quote"), str)] \
        if isinstance(raw, list) else []


def _example_quotes(answer: Mapping[str, Any]) -> list[str]:
    quotes = _dict(answer.get("example")).get("quotes")
    return [q for q in quotes if isinstance(q, str)] if isinstance(quotes, list) else []


def is_enabler_answer(answer: Mapping[str, Any]) -> bool:
    """An answer about an enabler that quotes the enabler itself (not a 'show the example' reply)."""
    if not str(answer.get("status") or "").startswith("answered") or not _dict(answer.get("enabler")).get("title"):
        return False
    example_quotes = set(_example_quotes(answer))
    return any(c["quote"] not in example_quotes for c in _citations(answer))


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


def enabler_parts(answer: Mapping[str, Any], text: str) -> list[Part]:
    enabler = _dict(answer.get("enabler"))
    challenge = _dict(answer.get("challenge"))
    example = _dict(answer.get("example"))
    example_quotes = _example_quotes(answer)
    parts: list[Part] = lead_parts(text, enabler["title"])
    if not parts and challenge.get("title"):
        parts.append(Paragraph(f"That sounds like **{challenge['title']}**, a challenge the report names under "
                               f"{challenge.get('theme') or 'its themes'}. What the research found helps:"))
    parts.append(Heading(enabler["title"], key=f"enabler:{enabler.get('id', '')}"))
    theme = enabler.get("theme")
    parts.append(Note(f"An enabler of collaboration · {theme}" if theme else "An enabler of collaboration"))
    parts += quoted(c for c in _citations(answer) if c["quote"] not in example_quotes)
    if example.get("title") and example_quotes:
        parts.append(Divider())
        if example.get("shows") == "enabler":
            parts.append(Heading(f"Example from the report: {example['title']}", key=f"example:{example.get('id', '')}",
                                 level=2))
        else:
            parts.append(Heading(f"Example: {example['title']}", key=f"example:{example.get('id', '')}", level=2))
            parts.append(Note("The report gives no worked example of this enabler; "
                              "this example shows the challenge it answers."))
        citation = _dict(example.get("citation"))
        parts += quoted({"quote": q, "source": citation.get("source", ""), "section": citation.get("section", "")}
                        for q in example_quotes)
    else:
        parts.append(Paragraph("_The report gives no worked example of this enabler._"))
    if isinstance(answer.get("try_this"), str) and answer["try_this"]:
        parts.append(Paragraph(f"**Try this:** {answer['try_this']}"))
    return parts


def lead_parts(text: str, title: str) -> list[Part]:
    """The paragraphs the composed text puts before the enabler's title (an intro, the challenge)."""
    blocks = [b.strip() for b in PARAGRAPH_BREAK.split(text or "") if b.strip()]
    for n, block in enumerate(blocks):
        if block.startswith(f"**{title}**"):
            return markdown_parts("\n\n".join(blocks[:n]))
    return []


def markdown_parts(text: str) -> list[Part]:
    parts: list[Part] = []
    for block in (b.strip() for b in PARAGRAPH_BREAK.split(text or "")):
        if not block:
            continue
        lines = block.split("\n")
        if all(line.startswith(">") for line in lines):
            parts += [Quote(line[1:].strip()) for line in lines if line[1:].strip()]
            continue
        if block.startswith("#"):
            heading = block.lstrip("#").strip()
            parts.append(Heading(heading, level=1 if block.startswith("# ") else 2))
            continue
        cite = CITE_LINE.match(block)
        if cite:
            parts.append(Citation(f"{cite['document']}, {cite['publisher']}", cite["section"]))
            continue
        parts.append(Paragraph(block))
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
