"""A channel-neutral outline of one bot message, so Slack, Teams and plain text render the same thing.

`outline(message)` (bot/render/outline.py) builds a `Document` from a bot message's answer blocks; each
channel module turns a `Document` into its native format. Keeping the outline separate means a
quote is chosen once and every channel shows the same words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union


@dataclass(frozen=True)
class Heading:
    text: str
    key: Optional[str] = None   # a stable id ("enabler:<id>", "example:<id>") channels may attach
    level: int = 1              # 1 = the answer's title, 2 = a sub-part such as the example


@dataclass(frozen=True)
class Note:
    text: str                   # a short, subdued line of plain text ("An enabler of collaboration · Relationships")


@dataclass(frozen=True)
class Paragraph:
    markdown: str               # our Markdown subset: **bold**, *italic* or _italic_, "- " bullets


@dataclass(frozen=True)
class Quote:
    text: str                   # verbatim words of the report; never reformatted or escaped away


@dataclass(frozen=True)
class Citation:
    source: str                 # "Collaboration Executive Summary, National Leadership Centre / Ipsos MORI (2021)"
    section: str = ""           # where in the report

    @property
    def line(self) -> str:
        return f"— {self.source}, {self.section}" if self.section else f"— {self.source}"


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class Button:
    title: str
    payload: str                # the Rasa payload sent back as the user's message when clicked


Part = Union[Heading, Note, Paragraph, Quote, Citation, Divider]


@dataclass
class Document:
    parts: list[Part] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    answer_id: str = ""
    status: str = ""

    @property
    def summary(self) -> str:
        """One line for notifications: the first heading, else the first words of the message."""
        for part in self.parts:
            if isinstance(part, Heading):
                return part.text
        for part in self.parts:
            text = getattr(part, "markdown", None) or getattr(part, "text", None)
            if text:
                return text.split("\n")[0][:140]
        return ""

    @property
    def is_empty(self) -> bool:
        return not self.parts and not self.buttons
