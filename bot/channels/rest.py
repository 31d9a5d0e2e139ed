"""The REST channel: each answer as one message (text, buttons, payload), and client errors as 4xx.

Differences from Rasa 3.6.21's stock `rest` channel, and why:
- the stock CollectingOutputChannel splits a message that has both text and a custom payload into
  two list entries, so a client cannot tell which payload belongs to which text; here they stay one;
- the stock channel answers malformed JSON or a missing sender with a 500 or a silent `[]`; here the
  client gets a 400 that says what is wrong;
- the stock channel swallows a failure while handling the message and returns `[]`; here the user
  always gets a reply, and an empty one is replaced by a polite "briefly unavailable";
- when the conversation cannot be read or stored, or the turn overruns its deadline, the reply is
  that same message with HTTP 503, never an answer given from a blank conversation (ADR 0005);
- a body over the size limit gets 413, and a sender over its rate limit 429, so one client cannot
  tie up the server for everyone else;
- email addresses, phone numbers and NI numbers are masked before the message reaches Rasa, so they
  are never stored or logged (bot/privacy.py).

Limits come from the channel's credentials.yml keys or environment variables (docs/operations.md):
COACH_MAX_BODY_BYTES (65536), COACH_RATE_LIMIT ("20/60s", or "off"), COACH_TURN_TIMEOUT (20 s, which
must stay below Rasa's TICKET_LOCK_LIFETIME).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Deque, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from rasa.core.lock_store import LockError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import stores
from bot.messages import canned_text
from bot.privacy import mask_pii

log = logging.getLogger(__name__)

MESSAGE_KEYS = ("text", "buttons", "image", "attachment", "custom", "quick_replies", "elements")
MAX_SENDER_CHARS = 256
RATE_LIMITED = ("You're sending messages faster than I can answer them. Please wait {seconds} seconds and "
                "try again.")


class AnswerCollectingOutputChannel(CollectingOutputChannel):
    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        entry: Dict[Text, Any] = {"recipient_id": recipient_id}
        entry.update({k: message[k] for k in MESSAGE_KEYS if message.get(k)})
        if len(entry) > 1:
            self.messages.append(entry)


def unavailable_message(recipient_id: Text) -> Dict[Text, Any]:
    status = "error_knowledge_unavailable"
    return {"recipient_id": recipient_id, "text": canned_text(f"utter_{status}"),
            "custom": {"answer": {"status": status, "answer_id": "", "enabler": None, "challenge": None,
                                  "example": None, "fact": None, "try_this": None, "citations": [],
                                  "buttons": []}}}


def client_error(reason: str, status: int = 400) -> HTTPResponse:
    return response.json({"error": reason}, status=status)


def parse_body(request: Request) -> tuple[Dict[Text, Any] | None, str | None]:
    """The request's JSON body, or a reason it is unusable."""
    try:
        body = json.loads(request.body.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "the request body must be UTF-8 encoded JSON"
    except ValueError:
        return None, "the request body must be JSON: {\"sender\": \"...\", \"message\": \"...\"}"
    if not isinstance(body, dict):
        return None, "the request body must be a JSON object"
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        return None, "'sender' is required: a non-empty string that identifies the conversation"
    if len(sender) > MAX_SENDER_CHARS:
        return None, f"'sender' must be at most {MAX_SENDER_CHARS} characters"
    if not isinstance(body.get("message"), str):
        return None, "'message' is required and must be a string"
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        return None, "'metadata' must be a JSON object"
    return body, None


def parse_rate(text: str) -> Optional[tuple[int, float]]:
    """"20/60s" -> (20, 60.0): at most 20 messages per sender in any 60 seconds; "off" -> None."""
    if text.strip().lower() in ("off", "none", "0"):
        return None
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*s?\s*", text)
    if not match or int(match.group(1)) < 1 or float(match.group(2)) <= 0:
        raise ValueError(f"COACH_RATE_LIMIT must look like '20/60s' (messages/seconds) or 'off', not {text!r}")
    return int(match.group(1)), float(match.group(2))


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 64 * 1024  # a question is capped at 1,000 characters; 64 KiB is generous
    rate: Optional[tuple[int, float]] = (20, 60.0)
    turn_timeout: float = 20.0  # seconds; below TICKET_LOCK_LIFETIME so a lock never expires mid-turn

    @classmethod
    def load(cls, credentials: Optional[Dict[Text, Any]] = None) -> "Limits":
        """Credentials keys win over environment variables, which win over the defaults."""
        given = credentials or {}

        def setting(key: str, env: str, default: Any) -> Any:
            value = given.get(key)
            return value if value is not None else os.environ.get(env, default)

        try:
            limits = cls(max_body_bytes=int(setting("max_body_bytes", "COACH_MAX_BODY_BYTES", cls.max_body_bytes)),
                         rate=parse_rate(str(setting("rate_limit", "COACH_RATE_LIMIT", "20/60s"))),
                         turn_timeout=float(setting("turn_timeout", "COACH_TURN_TIMEOUT", cls.turn_timeout)))
        except ValueError as exc:
            raise ValueError(f"REST channel settings: {exc}") from exc
        if limits.max_body_bytes < 1024 or limits.turn_timeout <= 0:
            raise ValueError("REST channel settings: COACH_MAX_BODY_BYTES must be >= 1024 and "
                             "COACH_TURN_TIMEOUT > 0")
        return limits


class RateLimiter:
    """A sliding window per sender, in this process (each replica counts its own share)."""

    def __init__(self, rate: Optional[tuple[int, float]], clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.clock = clock
        self.seen: Dict[str, Deque[float]] = {}

    def retry_after(self, sender: str) -> float:
        """0 if this message may go ahead (and count it); otherwise seconds until it may."""
        if self.rate is None:
            return 0.0
        limit, window = self.rate
        now = self.clock()
        times = self.seen.setdefault(sender, deque())
        while times and now - times[0] >= window:
            times.popleft()
        if len(times) >= limit:
            return window - (now - times[0])
        times.append(now)
        if len(self.seen) > 10_000:  # forget idle senders so the table cannot grow without bound
            self.seen = {s: t for s, t in self.seen.items() if t and now - t[-1] < window}
        return 0.0


class RestInput(RasaRestInput):
    def __init__(self, limits: Optional[Limits] = None) -> None:
        self.limits = limits or Limits.load()
        self.limiter = RateLimiter(self.limits.rate)

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "RestInput":
        return cls(Limits.load(credentials))

    def get_output_channel(self) -> CollectingOutputChannel:
        return AnswerCollectingOutputChannel()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body or b"") > self.limits.max_body_bytes:
                return client_error(f"the request body is larger than {self.limits.max_body_bytes} bytes; "
                                    "send one question at a time", 413)
            body, problem = parse_body(request)
            if problem:
                return client_error(problem)
            assert body is not None
            sender = body["sender"]
            wait = self.limiter.retry_after(sender)
            if wait:
                seconds = max(1, round(wait))
                return response.json({"error": RATE_LIMITED.format(seconds=seconds), "retry_after": seconds},
                                     status=429, headers={"Retry-After": str(seconds)})
            stores.fail_loudly(getattr(request.app.ctx, "agent", None))
            collector = self.get_output_channel()
            message = UserMessage(mask_pii(body["message"]), collector, sender, input_channel=self.name(),
                                  metadata=body.get("metadata"))
            try:
                await asyncio.wait_for(on_new_message(message), self.limits.turn_timeout)
            except (stores.StoreUnavailable, LockError, asyncio.TimeoutError) as exc:
                # Nothing of this turn was stored: say so, rather than answer from a blank conversation.
                log.error("rest: turn for %s not completed (%s: %s)", sender, type(exc).__name__, exc)
                return response.json([unavailable_message(sender)], status=503, headers={"Retry-After": "5"})
            except Exception:  # noqa: BLE001 - the user gets a polite reply, operators the traceback
                log.exception("rest: handling a message from %s failed", sender)
            if not collector.messages:
                log.error("rest: no reply for %s (is the action server up?)", sender)
                collector.messages.append(unavailable_message(sender))
            return response.json(collector.messages)

        return webhook
