"""Microsoft Teams rendering of a `Document`: an Adaptive Card (schema 1.4) in a message activity.

Quotes and citations are RichTextBlock text runs, which Adaptive Cards never parse as Markdown,
so the report's words appear exactly as written. Buttons are Action.Submit with an msteams
`messageBack`: Teams shows the button's title in the chat as the user's message and sends the
Rasa payload to the bot as the activity's text (and in its value), so a click comes back as an
ordinary message. Rasa's stock botframework channel sends {title, payload} hero-card buttons,
which Teams ignores (RasaHQ/rasa#8164, #11411).
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional

from bot.render.markup import to_teams_markdown
from bot.render.parts import Citation, Divider, Document, Heading, Note, Paragraph, Quote
from bot.render.text import to_text

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.4"
MAX_ACTIONS = 6  # Teams shows at most six actions on a card


def _run(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextRun", "text": text, **style}


def part_elements(part: Any, first: bool) -> list[dict[str, Any]]:
    if isinstance(part, Heading):
        element: dict[str, Any] = {"type": "TextBlock", "text": part.text, "wrap": True, "weight": "Bolder",
                                   "size": "Large" if part.level == 1 else "Medium"}
        if part.key:
            element["id"] = part.key
        if not first:
            element["spacing"] = "Medium"
        return [element]
    if isinstance(part, Note):
        return [{"type": "TextBlock", "text": part.text, "wrap": True, "isSubtle": True, "spacing": "None"}]
    if isinstance(part, Paragraph):
        return [{"type": "TextBlock", "text": to_teams_markdown(part.markdown), "wrap": True}]
    if isinstance(part, Quote):
        return [{"type": "Container", "style": "emphasis", "items": [
            {"type": "RichTextBlock", "inlines": [_run(part.text, italic=True)]}]}]
    if isinstance(part, Citation):
        return [{"type": "RichTextBlock", "spacing": "Small",
                 "inlines": [_run(part.line, isSubtle=True, size="Small")]}]
    return []


def submit_action(title: str, payload: str, answer_id: str) -> dict[str, Any]:
    value = {"rasa_payload": payload, "answer_id": answer_id}
    return {"type": "Action.Submit", "title": title,
            "data": {"msteams": {"type": "messageBack", "displayText": title, "text": payload,
                                 "value": json.dumps(value)},
                     **value}}


def to_adaptive_card(doc: Document) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    separate = False
    for n, part in enumerate(doc.parts):
        if isinstance(part, Divider):  # Adaptive Cards draw a rule above an element, not as one
            separate = True
            continue
        elements = part_elements(part, first=n == 0)
        if separate and elements:
            elements[0].update(separator=True, spacing="Medium")
            separate = False
        body += elements
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
        "fallbackText": to_text(doc),
        "msteams": {"width": "Full"},
    }
    if doc.buttons:
        card["actions"] = [submit_action(b.title, b.payload, doc.answer_id) for b in doc.buttons[:MAX_ACTIONS]]
    return card


def to_teams_activity(doc: Document) -> dict[str, Any]:
    """The reply activity's content (type, summary, attachments); the channel adds the addressing."""
    return {
        "type": "message",
        "summary": doc.summary,
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": to_adaptive_card(doc)}],
    }


def payload_of_submit(value: Any) -> Optional[str]:
    """The Rasa payload a clicked card button carries in the activity's `value`, if any."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, Mapping) and isinstance(value.get("rasa_payload"), str) and value["rasa_payload"]:
        return value["rasa_payload"]
    return None
