"""The blocks an answer's content is made of, in the order they are shown.

Each block says what it is, not how it looks: the report's words (`Quotes`) and where they come
from (`Cite`) are separate from our words (`Text`), and the enabler's and the example's headings
are blocks of their own, so every renderer in bot/render lays them out its own way (Markdown,
Slack Block Kit, a Teams Adaptive Card, plain text) without reading text back.

`Text` holds our Markdown subset only: **bold**, *italic* or _italic_, "- " bullets, and "  \\n"
line breaks (bot/render/markup.py). Quotes never pass through Markdown.

Blocks cross the process boundary inside the answer payload as `BlockPayload` dicts
(`{"kind": ..., ...}`); `block_of` reads one back, and drops anything malformed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Tuple, TypedDict, Union


class BlockPayload(TypedDict, total=False):
    kind: str          # "text" | "quotes" | "cite" | "enabler" | "example" | "try_this"
    markdown: str      # text: our words, in our Markdown subset
    quotes: List[str]  # quotes: the report's sentences, verbatim
    item_id: str       # quotes: the knowledge item they belong to
    source: str        # quotes, cite: "<document>, <publisher> (<year>)" (cite: `document` and `by` apart)
    document: str      # cite: "Collaboration Executive Summary"
    by: str            # cite: "National Leadership Centre / Ipsos MORI (2021)"
    section: str       # quotes, cite: where in the report
    id: str            # enabler, example: the knowledge item's id
    title: str         # enabler, example: its title as in the report
    theme: str         # enabler: "Relationships"
    shows: str         # example: "enabler" (its own example) or "challenge" (one of the challenge it answers)
    text: str          # try_this: our suggestion
    label: str         # try_this: "Try this" or "One step to try"


@dataclass(frozen=True)
class Text:
    """Our own words: one paragraph (a list or line breaks inside it are fine)."""

    markdown: str
    kind = "text"


@dataclass(frozen=True)
class Quotes:
    """The report's sentences, verbatim, shown together (one quote per sentence), all from one item.

    The answer's citations are these blocks' sentences, so what is cited is what is shown."""

    quotes: Tuple[str, ...]
    item_id: str
    section: str
    source: str
    kind = "quotes"


@dataclass(frozen=True)
class Cite:
    """Where the quotes above it come from."""

    document: str
    by: str          # publisher and year
    section: str
    kind = "cite"

    @property
    def source(self) -> str:
        return f"{self.document}, {self.by}"


@dataclass(frozen=True)
class EnablerTitle:
    """The enabler an answer is about, by its Table 2 title."""

    id: str
    title: str
    theme: str
    kind = "enabler"


@dataclass(frozen=True)
class ExampleTitle:
    """The heading of a worked example: its own example of the enabler, or of the challenge it answers."""

    id: str
    title: str
    shows: str
    kind = "example"


@dataclass(frozen=True)
class TryThis:
    """One concrete step: our suggestion, never a quote."""

    text: str
    label: str = "Try this"
    kind = "try_this"


Block = Union[Text, Quotes, Cite, EnablerTitle, ExampleTitle, TryThis]


def block_payload(block: Block) -> BlockPayload:
    if isinstance(block, Text):
        return {"kind": block.kind, "markdown": block.markdown}
    if isinstance(block, Quotes):
        return {"kind": block.kind, "quotes": list(block.quotes), "item_id": block.item_id,
                "section": block.section, "source": block.source}
    if isinstance(block, Cite):
        return {"kind": block.kind, "document": block.document, "by": block.by, "section": block.section}
    if isinstance(block, EnablerTitle):
        return {"kind": block.kind, "id": block.id, "title": block.title, "theme": block.theme}
    if isinstance(block, ExampleTitle):
        return {"kind": block.kind, "id": block.id, "title": block.title, "shows": block.shows}
    return {"kind": block.kind, "text": block.text, "label": block.label}


def blocks_payload(blocks: Tuple[Block, ...]) -> List[BlockPayload]:
    return [block_payload(b) for b in blocks]


def _str(raw: Mapping[str, Any], key: str) -> Optional[str]:
    value = raw.get(key)
    return value if isinstance(value, str) else None


def block_of(raw: Any) -> Optional[Block]:
    """The block a payload dict describes; None when it is not one (an old or hand-made payload)."""
    if not isinstance(raw, Mapping):
        return None
    kind = raw.get("kind")
    if kind == "text" and _str(raw, "markdown"):
        return Text(raw["markdown"])
    if kind == "quotes" and isinstance(raw.get("quotes"), list):
        quotes = tuple(q for q in raw["quotes"] if isinstance(q, str) and q)
        return Quotes(quotes, _str(raw, "item_id") or "", _str(raw, "section") or "",
                      _str(raw, "source") or "") if quotes else None
    if kind == "cite" and _str(raw, "document"):
        return Cite(raw["document"], _str(raw, "by") or "", _str(raw, "section") or "")
    if kind == "enabler" and _str(raw, "title"):
        return EnablerTitle(_str(raw, "id") or "", raw["title"], _str(raw, "theme") or "")
    if kind == "example" and _str(raw, "title"):
        return ExampleTitle(_str(raw, "id") or "", raw["title"], _str(raw, "shows") or "enabler")
    if kind == "try_this" and _str(raw, "text"):
        return TryThis(raw["text"], _str(raw, "label") or "Try this")
    return None


def blocks_of(raw: Any) -> Tuple[Block, ...]:
    """The blocks of an answer payload's `blocks` list, skipping any that are malformed."""
    if not isinstance(raw, list):
        return ()
    return tuple(b for b in (block_of(r) for r in raw) if b is not None)
