"""Slack Block Kit rendering of a `Document`.

Quotes go in `rich_text` quote elements, which Slack shows as plain text: no mrkdwn parsing and
no escaping, so the report's words (including "&") appear exactly as written. Block ids carry the
enabler and example ids, and the actions block carries the answer id, so a reply can be traced
back to its answer without parsing text.

Every string that can carry a leader's words is escaped per Slack's rules (&, < and > as entities)
wherever Slack parses it: mrkdwn sections and context, and the notification `text`, which Slack
parses as mrkdwn too (a raw "<!channel>" or "<https://x|label>" there would notify a channel or
disguise a link). plain_text objects (headers, notes, button labels) and rich_text quotes are shown
as written and need no escaping.
"""

from __future__ import annotations

from typing import Any

from bot.render.markup import slack_escape, to_slack_mrkdwn
from bot.render.parts import Citation, Divider, Document, Heading, Note, Paragraph, Quote
from bot.render.text import to_text

# Slack's documented limits (https://api.slack.com/reference/block-kit/blocks).
MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION = 3000
MAX_BUTTONS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_TEXT = 3000  # the notification/fallback `text`; Slack allows more but truncates the preview


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn_sections(markdown: str) -> list[dict[str, Any]]:
    text = to_slack_mrkdwn(markdown)
    chunks = [text[i:i + MAX_SECTION] for i in range(0, len(text), MAX_SECTION)] or [""]
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks]


def part_blocks(part: Any) -> list[dict[str, Any]]:
    if isinstance(part, Heading):
        if part.level == 1 and len(part.text) <= MAX_HEADER:
            block: dict[str, Any] = {"type": "header", "text": {"type": "plain_text", "text": part.text}}
        else:
            block = {"type": "section", "text": {"type": "mrkdwn", "text": f"*{slack_escape(part.text)}*"}}
        if part.key:
            block["block_id"] = part.key[:255]
        return [block]
    if isinstance(part, Note):
        return [{"type": "context", "elements": [{"type": "plain_text", "text": part.text}]}]
    if isinstance(part, Paragraph):
        return _mrkdwn_sections(part.markdown)
    if isinstance(part, Quote):
        return [{"type": "rich_text",
                 "elements": [{"type": "rich_text_quote", "elements": [{"type": "text", "text": part.text}]}]}]
    if isinstance(part, Citation):
        return [{"type": "context", "elements": [{"type": "mrkdwn", "text": slack_escape(part.line)}]}]
    if isinstance(part, Divider):
        return [{"type": "divider"}]
    return []


def actions_block(doc: Document) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "actions", "elements": [
        {"type": "button", "action_id": f"coach_button_{n}",
         "text": {"type": "plain_text", "text": _clip(b.title, MAX_BUTTON_TEXT)},
         "value": b.payload}
        for n, b in enumerate(doc.buttons[:MAX_BUTTONS]) if len(b.payload) <= MAX_BUTTON_VALUE]}
    if doc.answer_id:
        block["block_id"] = f"answer:{doc.answer_id}"
    return block


def to_slack(doc: Document) -> dict[str, Any]:
    """`text` (the notification and text-only fallback) and `blocks` for chat.postMessage."""
    blocks = [b for part in doc.parts for b in part_blocks(part)]
    if len(blocks) > MAX_BLOCKS - 1:
        blocks = blocks[: MAX_BLOCKS - 2] + [{"type": "context", "elements": [
            {"type": "plain_text", "text": "(shortened for Slack; ask again for the rest)"}]}]
    actions = actions_block(doc)
    if actions["elements"]:
        blocks.append(actions)
    return {"text": slack_escape(_clip(to_text(doc), MAX_TEXT)), "blocks": blocks}
