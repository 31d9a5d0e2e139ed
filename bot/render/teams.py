"""Microsoft Teams rendering of a `Document`: an Adaptive Card (schema 1.4) in a message activity.

Quotes and citations are RichTextBlock text runs, which Adaptive Cards never parse as Markdown,
so the report's words appear exactly as written. Buttons are Action.Submit with an msteams
`messageBack`: Teams shows the button's title in the chat as the user's message and sends the
Rasa payload to the bot as the activity's text (and in its value), so a click comes back as an
ordinary message. Rasa's stock botframework channel sends {title, payload} hero-card buttons,
which Teams ignores (RasaHQ/rasa#8164, #11411).

Nothing on the card is parsed as Markdown. A TextBlock renders Markdown links, so a leader's words
such as `[the NHS trust](https://evil.example/login)` in a coaching plan would become a disguised
link. Headings, notes and paragraphs are therefore RichTextBlocks too: our own Markdown subset
(**bold**, _italic_, "- " bullets) becomes TextRun styles, and every other character is shown as
written.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping, Optional

from bot.render.markup import BOLD, STAR_ITALIC, UNDERSCORE_ITALIC
from bot.render.parts import Citation, Divider, Document, Heading, Note, Paragraph, Quote
from bot.render.text import to_text

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.4"
MAX_ACTIONS = 6  # Teams shows at most six actions on a card


def _run(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextRun", "text": text, **style}


def _plain_block(text: str, **style: Any) -> dict[str, Any]:
    """A RichTextBlock of one literal run: shown exactly as written, never parsed as Markdown."""
    return {"type": "RichTextBlock", "inlines": [_run(text, **style)]}


ITALIC = re.compile(f"{STAR_ITALIC.pattern}|{UNDERSCORE_ITALIC.pattern}", re.S)


def _styled_runs(line: str) -> list[dict[str, Any]]:
    """Our Markdown subset in one line as TextRuns: **bold** and *italic*/_italic_ become styles."""
    runs: list[dict[str, Any]] = []

    def plain_and_italic(text: str) -> None:
        pos = 0
        for match in ITALIC.finditer(text):
            if match.start() > pos:
                runs.append(_run(text[pos:match.start()]))
            runs.append(_run(match.group(1) if match.group(1) is not None else match.group(2), italic=True))
            pos = match.end()
        if pos < len(text):
            runs.append(_run(text[pos:]))

    pos = 0
    for match in BOLD.finditer(line):
        plain_and_italic(line[pos:match.start()])
        runs.append(_run(match.group(1), weight="Bolder"))
        pos = match.end()
    plain_and_italic(line[pos:])
    return runs


def paragraph_blocks(markdown: str) -> list[dict[str, Any]]:
    """One RichTextBlock per line (a TextRun cannot break a line), bullets as "• "."""
    blocks = []
    for n, line in enumerate(markdown.split("\n")):
        line = "• " + line[2:] if line.startswith("- ") else line
        block: dict[str, Any] = {"type": "RichTextBlock", "inlines": _styled_runs(line) or [_run(" ")]}
        if n:
            block["spacing"] = "None"
        blocks.append(block)
    return blocks


def block_text(element: Mapping[str, Any]) -> str:
    """The text a TextBlock or RichTextBlock shows (for tests and summaries)."""
    if "text" in element:
        return str(element["text"])
    return "".join(str(run.get("text", "")) for run in element.get("inlines") or [])


def part_elements(part: Any, first: bool) -> list[dict[str, Any]]:
    if isinstance(part, Heading):
        element = _plain_block(part.text, weight="Bolder", size="Large" if part.level == 1 else "Medium")
        if part.key:
            element["id"] = part.key
        if not first:
            element["spacing"] = "Medium"
        return [element]
    if isinstance(part, Note):
        return [{**_plain_block(part.text, isSubtle=True), "spacing": "None"}]
    if isinstance(part, Paragraph):
        return paragraph_blocks(part.markdown)
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
