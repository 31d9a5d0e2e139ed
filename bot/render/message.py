"""The bot message for one Answer, as every channel receives it: Markdown text, buttons, and the payload.

    {"text": Markdown (or a canned reply's domain text), "buttons": [...],
     "custom": {"answer": AnswerPayload, ...extra}}

REST and the widget show `text`; Slack, Teams and plain text are rendered from `custom.answer`
(bot/render/outline.py). The payload is the Answer's own (`Answer.payload`): no caller writes one
by hand, canned replies included.
"""

from __future__ import annotations

from typing import Any, Dict

from bot.answer.types import Answer
from bot.messages import canned_text
from bot.render.markdown import to_markdown


def answer_text(answer: Answer) -> str:
    """What REST and the widget show: the answer's Markdown, or a canned reply's domain text."""
    return canned_text(answer.response) if answer.is_canned else to_markdown(answer)


def bot_message(answer: Answer, **extra: Any) -> Dict[str, Any]:
    """The whole message; `extra` goes next to the answer in `custom` (a coaching "plan", "share")."""
    return {"text": answer_text(answer), "buttons": answer.button_payloads,
            "custom": {"answer": answer.payload, **extra}}
