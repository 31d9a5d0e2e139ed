"""What every channel does around one turn: hand the message to Rasa, and never leave the user without a reply.

Each channel (REST, socket.io, Slack, Teams) parses its own wire format and renders replies its own way;
the turn in between is the same everywhere and lives here once:
- the tracker store is made to fail loudly first (bot.server.stores.fail_loudly), so a conversation that
  cannot be read or stored stops the turn on every channel, whether or not the health channel is listed;
- a turn that fails, or ends without a single reply (the action server is down, say), gets the canned
  "briefly unavailable" message (`utter_error_knowledge_unavailable`), with the empty answer payload
  the widget and REST clients read; operators get the traceback or an ERROR line;
- a turn of which nothing was stored (store or lock unavailable, deadline passed) is reported to the
  caller, so REST can answer 503 (docs/adr/0005).
Slack and Teams acknowledge a webhook at once and answer afterwards (`BackgroundTurns`), and post each
bot message rendered from the channel-neutral outline (`RenderedOutput`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Coroutine, Dict, Optional, Set, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.lock_store import LockError
from sanic.request import Request

from bot.answer.content import canned
from bot.answer.types import KNOWLEDGE_UNAVAILABLE
from bot.render import bot_message, outline
from bot.server import stores

log = logging.getLogger(__name__)

# The parts of a bot message a client sees, kept together as one message (REST and socket.io).
MESSAGE_KEYS = ("text", "buttons", "image", "attachment", "custom", "quick_replies", "elements")
UNAVAILABLE = KNOWLEDGE_UNAVAILABLE
# Nothing of the turn was stored: answering from what is left would answer from a blank conversation.
NOT_STORED = (stores.StoreUnavailable, LockError, asyncio.TimeoutError)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def message_entry(message: Dict[Text, Any]) -> Dict[Text, Any]:
    """The parts of a bot message that are set, as one client-facing message."""
    return {k: message[k] for k in MESSAGE_KEYS if message.get(k)}


def unavailable_message() -> Dict[Text, Any]:
    """The canned "briefly unavailable" reply, with the canned answer payload clients read."""
    return message_entry(bot_message(canned(UNAVAILABLE)))


def agent_of(request_or_app: Any) -> Optional[Any]:
    """The Rasa agent of the Sanic app serving a request (or of the app itself), if any."""
    app = request_or_app.app if isinstance(request_or_app, Request) else request_or_app
    return getattr(getattr(app, "ctx", None), "agent", None)


async def take_turn(message: UserMessage, on_new_message: OnNewMessage, *, agent: Optional[Any],
                    replied: Callable[[], bool], fallback: Callable[[Dict[Text, Any]], Awaitable[None]],
                    timeout: Optional[float] = None) -> bool:
    """Run one turn; when it produced no reply, send `unavailable_message()` through `fallback`.

    Returns False when nothing of the turn was stored (see NOT_STORED), True otherwise. Never raises
    for a failure inside the turn."""
    channel = message.input_channel or "channel"
    stores.fail_loudly(agent)
    stored = True
    try:
        await asyncio.wait_for(on_new_message(message), timeout)
    except NOT_STORED as exc:
        log.error("%s: turn for %s not completed (%s: %s)", channel, message.sender_id, type(exc).__name__, exc)
        stored = False
    except Exception:  # noqa: BLE001 - the user gets a polite reply, operators the traceback
        log.exception("%s: handling a message from %s failed", channel, message.sender_id)
    if not replied():
        if stored:
            log.error("%s: no reply for %s (is the action server up?)", channel, message.sender_id)
        await fallback(unavailable_message())
    return stored


class BackgroundTurns:
    """Turns answered after their webhook was acknowledged (Slack and Teams want the ack within seconds)."""

    def __init__(self) -> None:
        self._tasks: Set[asyncio.Task] = set()

    def start(self, turn: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(turn)
        self._tasks.add(task)  # keep a reference so the task is not garbage-collected mid-turn
        task.add_done_callback(self._tasks.discard)


class RenderedOutput(OutputChannel):
    """Posts each bot message rendered from its channel-neutral outline (bot/render); counts what arrived."""

    sent = 0

    def render(self, message: Dict[Text, Any]) -> Optional[Dict[str, Any]]:
        """The channel's form of one bot message; None when there is nothing to show."""
        doc = outline(message)
        return None if doc.is_empty else self.render_outline(doc)

    def render_outline(self, doc: Any) -> Dict[str, Any]:
        raise NotImplementedError

    async def deliver(self, rendered: Dict[str, Any]) -> bool:
        """Send one rendered message; True when the platform accepted it."""
        raise NotImplementedError

    async def post(self, rendered: Dict[str, Any]) -> None:
        if await self.deliver(rendered):
            self.sent += 1

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        rendered = self.render(message)
        if rendered is not None:
            await self.post(rendered)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})
