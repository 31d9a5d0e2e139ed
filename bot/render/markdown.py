"""Markdown for REST and the web widget, written from an answer's blocks.

Blocks are separated by a blank line; the report's words are "> " quote lines followed by their
citation, "— *Document*, Publisher (Year), section". This is the text REST clients and the widget
show; nothing reads it back.
"""

from __future__ import annotations

from typing import Iterable

from bot.answer.blocks import Block, Cite, EnablerTitle, ExampleTitle, Quotes, Text, TryThis
from bot.answer.types import Answer

NO_OWN_EXAMPLE = "The report gives no worked example of this enabler; this example shows the challenge it answers"


def block_markdown(block: Block) -> str:
    if isinstance(block, Text):
        return block.markdown
    if isinstance(block, Quotes):
        return "\n>\n".join(f"> {q}" for q in block.quotes)
    if isinstance(block, Cite):
        return f"— *{block.document}*, {block.by}, {block.section}"
    if isinstance(block, EnablerTitle):
        return f"**{block.title}** — an enabler of collaboration ({block.theme})"
    if isinstance(block, ExampleTitle):
        label = "Example from the report" if block.shows == "enabler" else NO_OWN_EXAMPLE
        return f"**{label}: {block.title}**"
    if isinstance(block, TryThis):
        return f"**{block.label}:** {block.text}"
    return ""


def blocks_markdown(blocks: Iterable[Block]) -> str:
    return "\n\n".join(text for text in map(block_markdown, blocks) if text)


def to_markdown(answer: Answer) -> str:
    """The answer's Markdown; "" for a canned reply (its text is the domain response it names)."""
    return blocks_markdown(answer.blocks)
