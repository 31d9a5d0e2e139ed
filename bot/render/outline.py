"""Build the channel-neutral `Document` for one bot message (text, buttons, custom answer payload).

An answer is laid out from the blocks in its payload (bot/answer/blocks.py): the report's words
are `Quotes` blocks and their source a `Cite` block, so every channel shows the quotes the pipeline
chose, and nothing is read back out of Markdown. A coaching prompt that quotes the report carries
its blocks under the custom key "content". A message without blocks (a canned reply, a coaching
question: text we wrote in domain.yml or bot/coaching) is laid out as paragraphs of its text. A coaching plan (custom payload key "plan", next to "answer") is laid out from its fields
(bot/render/plan.py), in place of the Markdown that repeats it. Every reader here is tolerant: a
missing or oddly shaped key drops that part, never the message.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from bot.answer.blocks import Block, Cite, EnablerTitle, ExampleTitle, Quotes, Text, TryThis, blocks_of
from bot.render.markdown import NO_OWN_EXAMPLE
from bot.render.parts import Button, Citation, Divider, Document, Heading, Note, Paragraph, Part, Quote
from bot.render.plan import is_structured_plan, plan_parts, share_parts

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def outline(message: Mapping[str, Any]) -> Document:
    answer = answer_of(message)
    text = message.get("text") if isinstance(message.get("text"), str) else ""
    plan = plan_of(message, answer)
    if is_structured_plan(plan):
        parts = share_parts(message) + plan_parts(plan)
    else:
        blocks = blocks_of(answer.get("blocks")) or blocks_of(content_of(message))
        parts = block_parts(blocks) if blocks else text_parts(text)
        parts += ([Divider()] if plan and parts else []) + plan_parts(plan)
    return Document(parts=parts, buttons=buttons_of(message, answer),
                    answer_id=str(answer.get("answer_id") or ""), status=str(answer.get("status") or ""))


def answer_of(message: Mapping[str, Any]) -> dict:
    custom = message.get("custom")
    answer = custom.get("answer") if isinstance(custom, Mapping) else None
    return dict(answer) if isinstance(answer, Mapping) else {}


def content_of(message: Mapping[str, Any]) -> Any:
    """The blocks of a message that is not an answer but quotes the report (a coaching prompt: custom
    payload key "content", bot/coaching/diagnose.py)."""
    custom = message.get("custom")
    return custom.get("content") if isinstance(custom, Mapping) else None


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


def block_parts(blocks: Iterable[Block]) -> list[Part]:
    """An answer's blocks as a channel-neutral layout: titles as headings with a note under them, the
    example set apart by a divider, quotes and citations as themselves."""
    parts: list[Part] = []
    for block in blocks:
        if isinstance(block, Text):
            parts.append(Paragraph(block.markdown))
        elif isinstance(block, Quotes):
            parts += [Quote(q) for q in block.quotes]
        elif isinstance(block, Cite):
            parts.append(Citation(block.source, block.section))
        elif isinstance(block, EnablerTitle):
            parts.append(Heading(block.title, key=f"enabler:{block.id}"))
            parts.append(Note(f"An enabler of collaboration · {block.theme}" if block.theme
                              else "An enabler of collaboration"))
        elif isinstance(block, ExampleTitle):
            parts.append(Divider())
            if block.shows == "enabler":
                parts.append(Heading(f"Example from the report: {block.title}", key=f"example:{block.id}", level=2))
            else:
                parts.append(Heading(f"Example: {block.title}", key=f"example:{block.id}", level=2))
                parts.append(Note(f"{NO_OWN_EXAMPLE}."))
        elif isinstance(block, TryThis):
            parts.append(Paragraph(f"**{block.label}:** {block.text}"))
    return parts


def text_parts(text: str) -> list[Part]:
    """Text we wrote (a domain response, a coaching question): one paragraph per blank-line break."""
    return [Paragraph(p.strip()) for p in PARAGRAPH_BREAK.split(text or "") if p.strip()]
