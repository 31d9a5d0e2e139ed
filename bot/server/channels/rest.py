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
- the stock channel lets any caller name any conversation, including a Slack or Teams user's. Here
  a REST conversation id is always `rest:<sender>`, so REST can only reach REST conversations
  (docs/adr/0007-conversation-namespaces-and-rest-auth.md);
- who may call: with a token (COACH_REST_TOKEN or `auth_token`) every request needs
  `Authorization: Bearer <token>`; without one the channel answers loopback clients only (local
  use, `make run`); with `require_token: true` (deploy/credentials.production.yml) and no token the
  channel is off. Only `application/json` is accepted and a browser Origin must be allowed, so
  another website's page cannot post into the bot through a user's browser;
- a body over the size limit is refused (413) before it is read, and a client address over its
  rate limit, or every client together over the ceiling, gets 429 (bot/server/channels/limits.py);
- personal data is masked before the message reaches Rasa (bot/privacy.py), and a `sender` that is
  itself an email address, phone or NI number is refused, since ids are stored unmasked.

Settings come from the channel's credentials.yml keys or environment variables (docs/operations.md):
COACH_REST_TOKEN, COACH_MAX_BODY_BYTES (65536), COACH_RATE_LIMIT ("600/60s" per client address, or "off"),
COACH_GLOBAL_RATE_LIMIT, COACH_TRUSTED_PROXY_HEADER, COACH_TURN_TIMEOUT (20 s, which must stay below
Rasa's TICKET_LOCK_LIFETIME), COACH_ALLOWED_ORIGINS and COACH_PUBLIC_ORIGIN.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.server.channels.access import OriginPolicy, allowed_origins, bearer_matches, cap_body, media_type, read_body
from bot.server.channels.limits import RateLimiter, RateLimits, Throttle, is_loopback, parse_rate, request_address, setting
from bot.server.channels.routes import add_status_route
from bot.server.channels.turn import agent_of, message_entry, take_turn, unavailable_message
from bot.privacy import install_log_masking, mask_pii

__all__ = ["RestInput", "Limits", "RateLimiter", "parse_rate", "conversation_id"]

log = logging.getLogger(__name__)

MAX_SENDER_CHARS = 256
NAMESPACE = "rest"
TOKEN_ENV = "COACH_REST_TOKEN"


def conversation_id(sender: str) -> str:
    """The tracker id of a REST conversation: REST names only its own conversations."""
    return f"{NAMESPACE}:{sender}"


class AnswerCollectingOutputChannel(CollectingOutputChannel):
    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        entry = message_entry(message)
        if entry:
            self.messages.append({"recipient_id": recipient_id, **entry})


def client_error(reason: str, status: int = 400, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    return response.json({"error": reason}, status=status, headers=headers)


def parse_body(raw: bytes) -> tuple[Dict[Text, Any] | None, str | None]:
    """The request's JSON body, or a reason it is unusable."""
    try:
        body = json.loads(raw.decode("utf-8"))
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
    if mask_pii(sender) != sender:
        return None, ("'sender' looks like an email address, phone or NI number; use an opaque id "
                      "(conversation ids are stored as they are)")
    if not isinstance(body.get("message"), str):
        return None, "'message' is required and must be a string"
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        return None, "'metadata' must be a JSON object"
    return body, None


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 64 * 1024  # a question is capped at 1,000 characters; 64 KiB is generous
    turn_timeout: float = 20.0  # seconds; below TICKET_LOCK_LIFETIME so a lock never expires mid-turn
    rates: RateLimits = field(default_factory=RateLimits)

    @property
    def rate(self):  # the per-client rate, as the settings page names it
        return self.rates.per_client

    @classmethod
    def load(cls, credentials: Optional[Dict[Text, Any]] = None) -> "Limits":
        """Credentials keys win over environment variables, which win over the defaults."""
        given = credentials or {}
        try:
            limits = cls(max_body_bytes=int(setting(given, "max_body_bytes", "COACH_MAX_BODY_BYTES",
                                                    cls.max_body_bytes)),
                         turn_timeout=float(setting(given, "turn_timeout", "COACH_TURN_TIMEOUT", cls.turn_timeout)),
                         rates=RateLimits.load(given))
        except ValueError as exc:
            raise ValueError(f"REST channel settings: {exc}") from exc
        if limits.max_body_bytes < 1024 or limits.turn_timeout <= 0:
            raise ValueError("REST channel settings: COACH_MAX_BODY_BYTES must be >= 1024 and "
                             "COACH_TURN_TIMEOUT > 0")
        return limits


@dataclass(frozen=True)
class Access:
    token: str = ""              # the bearer token every request must carry; "" = none
    require_token: bool = False  # production: without a token the channel is off
    origins: List[str] = field(default_factory=list)  # browser origins that may call REST

    @classmethod
    def load(cls, credentials: Optional[Dict[Text, Any]] = None) -> "Access":
        given = credentials or {}
        required = setting(given, "require_token", "COACH_REST_REQUIRE_TOKEN", False)
        return cls(token=str(setting(given, "auth_token", TOKEN_ENV, "") or "").strip(),
                   require_token=str(required).strip().lower() in ("true", "1", "yes", "on"),
                   origins=allowed_origins(given.get("allowed_origins"), given.get("public_origin")))

    @property
    def mode(self) -> str:
        if self.token:
            return "token"
        return "off" if self.require_token else "loopback"


class RestInput(RasaRestInput):
    def __init__(self, limits: Optional[Limits] = None, access: Optional[Access] = None) -> None:
        self.limits = limits or Limits.load()
        self.access = access or Access.load()
        self.throttle = Throttle(self.limits.rates)
        self.origins = OriginPolicy(self.access.origins, "rest")
        install_log_masking()

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "RestInput":
        return cls(Limits.load(credentials), Access.load(credentials))

    def get_output_channel(self) -> CollectingOutputChannel:
        return AnswerCollectingOutputChannel()

    def announce(self) -> None:
        if self.access.mode == "off":
            log.warning("rest: the REST channel is off: require_token is set and %s is empty", TOKEN_ENV)
        elif self.access.mode == "loopback":
            log.info("rest: no %s is set, so the REST channel is open without a token to loopback clients "
                     "only (local use); set %s to require a bearer token", TOKEN_ENV, TOKEN_ENV)
        else:
            log.info("rest: the REST channel requires a bearer token")

    def refusal(self, request: Request) -> Optional[HTTPResponse]:
        """Why this request may not be handled at all (before its body is read), or None."""
        if self.access.mode == "token":
            if not bearer_matches(request.headers.get("authorization"), self.access.token):
                return client_error("an Authorization: Bearer token is required", 401,
                                    {"WWW-Authenticate": 'Bearer realm="coach"'})
        elif not is_loopback(request_address(request, self.limits.rates.proxy_header)):
            return client_error(f"this server's REST channel is for local use only (no {TOKEN_ENV} is set)", 403)
        if not self.origins.allows(request.headers.get("origin")):
            return client_error("requests from this origin are not allowed", 403)
        if media_type(request) != "application/json":
            return client_error("the request must be JSON, sent with Content-Type: application/json", 415)
        wait, message = self.throttle.wait(request_address(request, self.limits.rates.proxy_header))
        if wait:
            seconds = max(1, round(wait))
            return response.json({"error": message, "retry_after": seconds}, status=429,
                                 headers={"Retry-After": str(seconds)})
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)
        self.announce()

        add_status_route(webhook, "off" if self.access.mode == "off" else None)
        if self.access.mode == "off":
            return webhook

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            cap_body(request, self.limits.max_body_bytes)
            refused = self.refusal(request)
            if refused is not None:
                return refused
            raw, problem = await read_body(request, self.limits.max_body_bytes)
            if problem or raw is None:
                return client_error(problem or "no body", 413)
            body, problem = parse_body(raw)
            if problem:
                return client_error(problem)
            assert body is not None
            return await self.handle(request, body, on_new_message)

        return webhook

    async def handle(self, request: Request, body: Dict[Text, Any],
                     on_new_message: Callable[[UserMessage], Awaitable[None]]) -> HTTPResponse:
        sender = body["sender"]
        collector = self.get_output_channel()
        message = UserMessage(mask_pii(body["message"]), collector, conversation_id(sender),
                              input_channel=self.name(), metadata=body.get("metadata"))

        async def fallback(reply: Dict[Text, Any]) -> None:
            collector.messages.append({"recipient_id": sender, **reply})

        stored = await take_turn(message, on_new_message, agent=agent_of(request), timeout=self.limits.turn_timeout,
                                 replied=lambda: bool(collector.messages), fallback=fallback)
        if not stored:  # say so, rather than answer from a blank conversation (ADR 0005)
            return response.json([{"recipient_id": sender, **unavailable_message()}], status=503,
                                 headers={"Retry-After": "5"})
        for entry in collector.messages:  # the client named its conversation `sender`; answer in its terms
            entry["recipient_id"] = sender
        return response.json(collector.messages)
