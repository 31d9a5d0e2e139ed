"""Turn chosen items into Markdown text and the answer payload. Quotes come only from items."""

from __future__ import annotations

import hashlib
from typing import Optional

from bot.answer import types as t
from bot.knowledge.model import Item, Kind, Knowledge


def button(title: str, payload: str) -> t.ButtonPayload:
    return {"title": title, "payload": payload}


def citation(knowledge: Knowledge, item: Item, quote: str) -> t.CitationPayload:
    return {"source": f"{knowledge.document}, {knowledge.publisher} ({knowledge.year})",
            "section": item.section, "quote": quote}


def cite_line(knowledge: Knowledge, item: Item) -> str:
    return f"— *{knowledge.document}*, {knowledge.publisher} ({knowledge.year}), {item.section}"


def blockquote(quotes: list[str]) -> str:
    return "\n>\n".join(f"> {q}" for q in quotes)


def ref(item: Optional[Item]) -> Optional[t.EnablerPayload]:
    if item is None:
        return None
    return {"id": item.id, "title": item.title, "theme": (item.theme or "").capitalize()}


def answer_id(*parts: Optional[str]) -> str:
    return hashlib.sha1("|".join(p or "" for p in parts).encode()).hexdigest()[:12]


def finish(knowledge: Knowledge, answer: t.Answer) -> t.Answer:
    """Fill in the payload from what the answer actually used."""
    get = knowledge.items.get
    example_payload: Optional[t.ExamplePayload] = None
    citations = [citation(knowledge, knowledge[q.item_id], q.text) for q in answer.quotes]
    if answer.example_id:
        ex = knowledge[answer.example_id]
        shows = "enabler" if answer.enabler_id in ex.enablers else "challenge"
        example_quotes = [q.text for q in answer.quotes if q.item_id == ex.id] or list(ex.quotes)
        example_payload = {"id": ex.id, "title": ex.title, "shows": shows, "quotes": example_quotes,
                           "citation": citation(knowledge, ex, " ".join(example_quotes))}
    answer.payload = {
        "status": answer.status,
        "answer_id": answer_id(answer.status, answer.enabler_id, answer.example_id, answer.fact_id, answer.text),
        "enabler": ref(get(answer.enabler_id or "")),
        "challenge": ref(get(answer.challenge_id or "")),
        "example": example_payload,
        "fact": ref(get(answer.fact_id or "")),
        "try_this": answer.try_this,
        "citations": citations,
        "buttons": answer.buttons,
    }
    return answer


def enabler_text(knowledge: Knowledge, enabler: Item, challenge: Optional[Item], example: Optional[Item],
                 example_quotes: list[str], intro: Optional[str] = None) -> str:
    parts = []
    if intro:
        parts.append(intro)
    if challenge is not None:
        parts.append(f"That sounds like **{challenge.title}**, a challenge the report names under "
                     f"{challenge.theme.capitalize()}. What the research found helps:")
    parts.append(f"**{enabler.title}** — an enabler of collaboration ({enabler.theme.capitalize()})")
    parts.append(blockquote(list(enabler.quotes)) + "\n\n" + cite_line(knowledge, enabler))
    if example is not None:
        label = "Example from the report" if enabler.id in example.enablers else \
            "The report gives no worked example of this enabler; this example shows the challenge it answers"
        parts.append(f"**{label}: {example.title}**\n\n" + blockquote(example_quotes) + "\n\n"
                     + cite_line(knowledge, example))
    else:
        parts.append("_The report gives no worked example of this enabler._")
    if enabler.try_this:
        parts.append(f"**Try this:** {enabler.try_this}")
    return "\n\n".join(parts)


def fact_text(knowledge: Knowledge, item: Item, quotes: list[str]) -> str:
    lead = {
        Kind.CASE_STUDY: f"**{item.title}** is one of the report's six case studies "
                         f"({item.participants} leaders were interviewed for it, Table 1).",
        Kind.EXAMPLE: f"**{item.title}** — a worked example in the report ({(item.theme or '').capitalize()}).",
    }.get(item.kind, f"**{item.title}**")
    return f"{lead}\n\n{blockquote(quotes)}\n\n{cite_line(knowledge, item)}"
