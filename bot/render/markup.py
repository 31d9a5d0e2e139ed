"""Our Markdown subset (the `Text` blocks of an answer, bot/answer/blocks.py) converted for each channel's dialect.

The subset: **bold**, *italic* or _italic_, "- " bullets. Quotes never pass through here: they are
`Quotes` blocks, rendered as plain text by each channel so they stay verbatim.
"""

from __future__ import annotations

import re

BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
STAR_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", re.S)
UNDERSCORE_ITALIC = re.compile(r"(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)", re.S)
BULLET = re.compile(r"(?m)^- ")


def slack_escape(text: str) -> str:
    """Slack treats &, < and > as control characters in mrkdwn and plain text alike."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_slack_mrkdwn(markdown: str) -> str:
    """Slack writes bold as *x* and italic as _x_; a literal ** would show as stray asterisks."""
    text = slack_escape(markdown)
    bold: list[str] = []

    def hold(match: re.Match) -> str:
        bold.append(match.group(1))
        return f"\x00{len(bold) - 1}\x00"

    text = BOLD.sub(hold, text)  # held aside, so *italic* can become _italic_ without touching **bold**
    text = STAR_ITALIC.sub(r"_\1_", text)
    text = re.sub(r"\x00(\d+)\x00", lambda m: f"*{bold[int(m.group(1))]}*", text)
    return BULLET.sub("• ", text)


def to_plain(markdown: str) -> str:
    """Readable text with the emphasis markers removed (for notifications and text-only clients)."""
    text = BOLD.sub(r"\1", markdown)
    text = STAR_ITALIC.sub(r"\1", text)
    text = UNDERSCORE_ITALIC.sub(r"\1", text)
    return BULLET.sub("• ", text)
