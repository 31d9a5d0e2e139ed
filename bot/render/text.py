"""Plain-text rendering: the notification/fallback text for Slack and Teams, and any text-only client."""

from __future__ import annotations

from bot.render.markup import to_plain
from bot.render.parts import Citation, Divider, Document, Heading, Note, Paragraph, Quote


def to_text(doc: Document) -> str:
    lines: list[str] = []
    for part in doc.parts:
        if isinstance(part, Heading):
            if lines and lines[-1]:
                lines.append("")
            lines.append(part.text.upper() if part.level == 1 else part.text)
        elif isinstance(part, Note):
            lines.append(part.text)
        elif isinstance(part, Paragraph):
            lines.append(to_plain(part.markdown))
        elif isinstance(part, Quote):
            lines.append(f"“{part.text}”")
        elif isinstance(part, Citation):
            lines.append(part.line)
        elif isinstance(part, Divider):
            lines.append("")
    text = "\n".join(lines).strip()
    if doc.buttons:
        text += "\n\nReply with: " + " · ".join(b.title for b in doc.buttons)
    return text.strip()
