"""Build answers from knowledge items: the blocks they show, their buttons, and the one frozen `Answer`.

Quotes come only from items (`cited`), so every sentence shown is the report's and is cited with the
item's section. Canned replies (declines, errors, "nothing more") are Answers too: their text is a
domain response, and their payload names it, with the response's own buttons.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

from bot.answer import types as t
from bot.answer.blocks import Block, Cite, EnablerTitle, ExampleTitle, Quotes, Text, TryThis
from bot.knowledge.model import Item, Kind, Knowledge
from bot.messages import canned_buttons


def button(title: str, payload: str) -> t.Button:
    return t.Button(title, payload)


def source(knowledge: Knowledge) -> str:
    return f"{knowledge.document}, {knowledge.publisher} ({knowledge.year})"


def cite(knowledge: Knowledge, section: str) -> Cite:
    return Cite(knowledge.document, f"{knowledge.publisher} ({knowledge.year})", section)


def quotes(knowledge: Knowledge, item: Item, sentences: Sequence[str]) -> Quotes:
    return Quotes(tuple(sentences), item.id, item.section, source(knowledge))


def cited(knowledge: Knowledge, item: Item, sentences: Sequence[str]) -> list[Block]:
    """The item's sentences, quoted, then their citation."""
    return [quotes(knowledge, item, sentences), cite(knowledge, item.section)]


def citation(knowledge: Knowledge, item: Item, quote: str) -> t.CitationPayload:
    return {"source": source(knowledge), "section": item.section, "quote": quote}


def ref(item: Optional[Item]) -> Optional[t.Ref]:
    if item is None:
        return None
    return t.Ref(item.id, item.title, (item.theme or "").capitalize())


def answer(knowledge: Knowledge, status: str, blocks: Iterable[Block], buttons: Iterable[t.Button] = (), *,
           enabler_id: Optional[str] = None, challenge_id: Optional[str] = None, example_id: Optional[str] = None,
           fact_id: Optional[str] = None, try_this: Optional[str] = None) -> t.Answer:
    """The Answer showing `blocks`, about the items named (ids of knowledge items, or None)."""
    get = knowledge.items.get
    blocks = tuple(blocks)
    example: Optional[t.Example] = None
    ex = get(example_id or "")
    if ex is not None:
        shown = [q for b in blocks if isinstance(b, Quotes) and b.item_id == ex.id for q in b.quotes]
        example = t.Example(ex.id, ex.title, "enabler" if enabler_id in ex.enablers else "challenge",
                            tuple(shown or ex.quotes), ex.section, source(knowledge))
    return t.Answer(status=status, blocks=blocks, buttons=tuple(buttons), enabler=ref(get(enabler_id or "")),
                    challenge=ref(get(challenge_id or "")), example=example, fact=ref(get(fact_id or "")),
                    try_this=try_this)


def canned(status: str) -> t.Answer:
    """A canned reply: the domain response `utter_<status>`, with its buttons, and a payload like any answer's."""
    response = f"utter_{status}"
    return t.Answer(status=status, response=response,
                    buttons=tuple(t.Button(b["title"], b["payload"]) for b in canned_buttons(response)))


# --- the blocks of the common answers ------------------------------------------------------------

def enabler_blocks(knowledge: Knowledge, enabler: Item, challenge: Optional[Item], example: Optional[Item],
                   example_quotes: list[str], intro: Optional[str] = None) -> list[Block]:
    blocks: list[Block] = []
    if intro:
        blocks.append(Text(intro))
    if challenge is not None:
        blocks.append(Text(f"That sounds like **{challenge.title}**, a challenge the report names under "
                           f"{challenge.theme.capitalize()}. What the research found helps:"))
    blocks.append(EnablerTitle(enabler.id, enabler.title, enabler.theme.capitalize()))
    blocks += cited(knowledge, enabler, list(enabler.quotes))
    if example is not None:
        blocks.append(ExampleTitle(example.id, example.title,
                                   "enabler" if enabler.id in example.enablers else "challenge"))
        blocks += cited(knowledge, example, example_quotes)
    else:
        blocks.append(Text("_The report gives no worked example of this enabler._"))
    if enabler.try_this:
        blocks.append(TryThis(enabler.try_this))
    return blocks


def fact_blocks(knowledge: Knowledge, item: Item, sentences: list[str]) -> list[Block]:
    lead = {
        Kind.CASE_STUDY: f"**{item.title}** is one of the report's six case studies "
                         f"({item.participants} leaders were interviewed for it, Table 1).",
        Kind.EXAMPLE: f"**{item.title}** — a worked example in the report ({(item.theme or '').capitalize()}).",
    }.get(item.kind, f"**{item.title}**")
    return [Text(lead), *cited(knowledge, item, sentences)]
