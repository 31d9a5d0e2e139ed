"""Slack: DMs and @mentions answered with Block Kit messages, in thread, with working buttons.

A subclass of Rasa 3.6.21's `SlackInput`, registered in credentials.yml as
`bot.server.channels.slack.SlackInput`. Settings come from that entry or, when it leaves them out, from
SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_API_URL (the Web API base, so tests can point it
at a fake). With no token or signing secret the channel logs a warning and registers no webhook,
so the server still starts where Slack is not set up.

Defects of the stock channel fixed here (checked in rasa/core/channels/slack.py, 3.6.21):
- retries are only ignored when their reason is `http_timeout`, so a retry for `http_error`
  is answered again (a duplicate reply). Here an event is handled once, by `event_id` (and by
  channel + message ts), whatever the retry reason;
- the body is only read when Content-Type is exactly `application/json`; Slack's
  `application/json; charset=utf-8` was acknowledged and dropped. Here the media type is parsed;
- `get_output_channel` built a new Web API client for every message. Here one client is built
  lazily and shared;
- a bad signature got a 400 and an unsupported interaction a 500. Here: 401, and a plain 200 ack
  for a well-formed interaction we do not handle; a signed body whose fields have the wrong shape
  (an `event_id` that is a list, a `user` that is a string, `actions` that is an object) is a 400;
- the stock channel names a conversation by the Slack user id alone, which any other channel could
  also send. Here a conversation id is `slack:<team>:<user>` for a DM and
  `slack:<team>:<user>:<channel>:<thread ts>` for a thread (docs/adr/0007);
- a body is refused (413) before it is read when its Content-Length is over MAX_BODY_BYTES.

Replies are Block Kit with every user-derived string escaped per Slack's rules, in the blocks and in
the notification `text` alike (bot/render/slack.py), so a leader's words cannot become a link or an
@channel.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import os
import re
from collections import OrderedDict
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, Optional, Set, Text
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.server.channels.access import cap_body, media_type, read_body
from bot.server.channels.routes import add_status_route
from bot.server.channels.turn import BackgroundTurns, RenderedOutput, agent_of, take_turn
from bot.privacy import install_log_masking, mask_pii
from bot.render import to_slack
from bot.render.markup import slack_escape

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
API_TIMEOUT_SECONDS = 10
REMEMBERED_EVENTS = 5000  # how many event ids to remember; Slack retries within about 30 minutes
MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
NO_RETRY = {"X-Slack-No-Retry": "1"}
MAX_BODY_BYTES = 1024 * 1024  # Slack's events and interactions are a few KiB
NAMESPACE = "slack"


class Malformed(Exception):
    """A signed body whose fields do not have the shapes Slack documents (a 400, not a 500)."""


@dataclass(frozen=True)
class Incoming:
    """One user message from Slack, and where the reply goes."""

    text: str
    user: str
    channel: str
    thread_ts: Optional[str]  # reply in this thread; None for a top-level DM
    team: str                 # the workspace; user ids are only unique within one

    @property
    def sender_id(self) -> str:
        # A DM is one conversation per user; each channel thread is its own conversation, so a
        # colleague's thread does not inherit another's follow-ups. The "slack:" namespace keeps
        # every other channel out (docs/adr/0007).
        person = f"{NAMESPACE}:{self.team}:{self.user}"
        return person if self.thread_ts is None else f"{person}:{self.channel}:{self.thread_ts}"


class RecentKeys:
    """A bounded set of recently seen keys (event ids), oldest forgotten first."""

    def __init__(self, size: int = REMEMBERED_EVENTS) -> None:
        self.size = size
        self._keys: OrderedDict[str, None] = OrderedDict()

    def add(self, *keys: Optional[str]) -> bool:
        """Remember the keys; False if any was already known (the event is a repeat)."""
        present = [k for k in keys if k]
        if any(k in self._keys for k in present):
            return False
        for k in present:
            self._keys[k] = None
        while len(self._keys) > self.size:
            self._keys.popitem(last=False)
        return True


def clean_text(text: str, bot_user_ids: Set[str], mention: bool) -> str:
    """The user's words: the bot's own @mention removed, Slack's link and entity markup undone."""
    if mention:  # an app_mention starts with the bot's mention even when its id is not in the payload
        text = re.sub(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>", "", text)
    text = MENTION.sub(lambda m: " " if m.group(1) in bot_user_ids else m.group(0), text)
    text = re.sub(r"<((?:mailto:|https?://)[^|>]*)\|([^>]*)>", r"\2", text)
    return html.unescape(" ".join(text.split()))


def bot_user_ids(body: Dict[Text, Any]) -> Set[str]:
    ids = {a.get("user_id") for a in body.get("authorizations") or [] if isinstance(a, dict) and a.get("is_bot")}
    return {i for i in ids | set(body.get("authed_users") or []) if isinstance(i, str)}


def incoming_from_event(body: Dict[Text, Any]) -> Optional[Incoming]:
    """A DM or an @mention from a person; None for everything else (bots, edits, joins...)."""
    event = body.get("event")
    if not isinstance(event, dict) or event.get("bot_id") or event.get("subtype"):
        return None
    user, channel, text = event.get("user"), event.get("channel"), event.get("text")
    if not (isinstance(user, str) and isinstance(channel, str) and isinstance(text, str)):
        return None
    ids = bot_user_ids(body)
    if user in ids:
        return None
    is_mention = event.get("type") == "app_mention"
    is_dm = event.get("type") == "message" and event.get("channel_type") == "im"
    if not (is_mention or is_dm):
        return None
    thread = event.get("thread_ts") or (None if is_dm else event.get("ts"))
    team = body.get("team_id") or event.get("team")
    if not isinstance(team, str) or not team or not (thread is None or isinstance(thread, str)):
        return None
    return Incoming(clean_text(text, ids, is_mention), user, channel, thread, team)


def check_event_shape(body: Dict[Text, Any]) -> None:
    """Malformed unless the fields we read have the types Slack documents."""
    if not isinstance(body.get("event_id"), (str, type(None))):
        raise Malformed("'event_id' must be a string")
    event = body.get("event")
    if not isinstance(event, (dict, type(None))):
        raise Malformed("'event' must be an object")
    for key in ("channel", "ts", "thread_ts", "user", "text", "type"):
        if isinstance(event, dict) and not isinstance(event.get(key), (str, type(None))):
            raise Malformed(f"'event.{key}' must be a string")
    if not isinstance(body.get("team_id"), (str, type(None))):
        raise Malformed("'team_id' must be a string")


def check_interaction_shape(payload: Dict[Text, Any]) -> None:
    for key in ("user", "team", "channel", "container", "message"):
        if not isinstance(payload.get(key), (dict, type(None))):
            raise Malformed(f"'{key}' must be an object")
    actions = payload.get("actions")
    if not isinstance(actions, (list, type(None))) or not all(isinstance(a, dict) for a in actions or []):
        raise Malformed("'actions' must be a list of objects")


def incoming_from_interaction(payload: Dict[Text, Any]) -> Optional[Incoming]:
    """A click on one of our buttons: its value is the Rasa payload to send as the user's message.

    Raises Malformed for fields of the wrong shape; None for an interaction we do not handle.
    """
    check_interaction_shape(payload)
    if payload.get("type") != "block_actions":
        return None
    actions = payload.get("actions") or []
    action = actions[0] if actions else {}
    value = action.get("value")
    person = payload.get("user") or {}
    user = person.get("id")
    team = (payload.get("team") or {}).get("id") or person.get("team_id")
    container = payload.get("container") or {}
    channel = (payload.get("channel") or {}).get("id") or container.get("channel_id")
    if action.get("type") != "button" or not all(isinstance(v, str) and v for v in (value, user, channel, team)):
        return None
    thread = (payload.get("message") or {}).get("thread_ts") or container.get("thread_ts")
    return Incoming(value, user, channel, thread if isinstance(thread, str) else None, team)


class SlackAnswerOutput(RenderedOutput, SlackBot):
    """Posts each bot message as one Block Kit message, in the thread the conversation lives in."""

    def __init__(self, client: AsyncWebClient, channel: str, thread_ts: Optional[str]) -> None:
        OutputChannel.__init__(self)  # SlackBot.__init__ would build yet another Web API client
        self.client = client
        self.slack_channel = channel
        self.thread_id = thread_ts
        self.proxy = None

    @classmethod
    def name(cls) -> Text:
        return "slack"

    def render(self, message: Dict[Text, Any]) -> Optional[Dict[str, Any]]:
        custom = message.get("custom")
        if isinstance(custom, dict) and "answer" not in custom and custom.get("blocks"):
            return {"text": slack_escape(str(custom.get("text") or message.get("text") or "")),
                    "blocks": custom["blocks"]}
        return super().render(message)

    def render_outline(self, doc: Any) -> Dict[str, Any]:
        return to_slack(doc)

    async def deliver(self, rendered: Dict[str, Any]) -> bool:
        kwargs: Dict[str, Any] = {"channel": self.slack_channel, **rendered}
        if self.thread_id:
            kwargs["thread_ts"] = self.thread_id
        try:
            await self.client.chat_postMessage(**kwargs)
            return True
        except (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
            log.error("slack: chat.postMessage to %s failed: %s", self.slack_channel, exc)
            return False


class SlackInput(RasaSlackInput):
    """Rasa's Slack channel (whose name, "slack", it keeps) with the fixes listed above."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SlackInput":
        creds = credentials or {}
        return cls(
            slack_token=creds.get("slack_token") or os.environ.get("SLACK_BOT_TOKEN", ""),
            slack_signing_secret=creds.get("slack_signing_secret") or os.environ.get("SLACK_SIGNING_SECRET", ""),
            api_url=creds.get("slack_api_url") or os.environ.get("SLACK_API_URL") or DEFAULT_API_URL,
            proxy=creds.get("proxy"),
        )

    def __init__(self, slack_token: Text = "", slack_signing_secret: Text = "",
                 api_url: Text = DEFAULT_API_URL, proxy: Optional[Text] = None) -> None:
        self.api_url = api_url.rstrip("/") + "/"
        self._client: Optional[AsyncWebClient] = None
        self._seen = RecentKeys()
        self.turns = BackgroundTurns()
        install_log_masking()
        super().__init__(slack_token, proxy=proxy, use_threads=True, slack_signing_secret=slack_signing_secret,
                         conversation_granularity="thread")

    @property
    def configured(self) -> bool:
        return bool(self.slack_token and self.slack_signing_secret)

    def _validate_credentials(self) -> None:
        # The stock channel raises here, which stops the whole server; an unconfigured Slack
        # should only switch Slack off.
        if not self.configured:
            log.warning("slack: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not both set; "
                        "the Slack channel is off (see docs/slack/setup.md)")

    @property
    def client(self) -> AsyncWebClient:
        if self._client is None:
            self._client = AsyncWebClient(token=self.slack_token, base_url=self.api_url,
                                          timeout=API_TIMEOUT_SECONDS, proxy=self.proxy)
        return self._client

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> OutputChannel:
        return SlackAnswerOutput(self.client, channel or self.slack_channel or "", thread_id)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("coach_slack_webhook", __name__)
        add_status_route(webhook, None if self.configured else "not configured")
        if not self.configured:
            return webhook

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            cap_body(request, MAX_BODY_BYTES)
            _, too_large = await read_body(request, MAX_BODY_BYTES)
            if too_large:
                return response.json({"error": too_large}, status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                                     headers=NO_RETRY)
            if not self.is_request_from_slack_authentic(request):
                return response.json({"error": "missing, stale or invalid X-Slack-Signature"},
                                     status=HTTPStatus.UNAUTHORIZED, headers=NO_RETRY)
            kind = media_type(request)
            try:
                if kind == "application/json":
                    return self.receive_event(request, on_new_message)
                if kind == "application/x-www-form-urlencoded":
                    return self.receive_interaction(request, on_new_message)
            except Malformed as exc:
                log.warning("slack: refused a signed request with a malformed body: %s", exc)
                return response.json({"error": str(exc)}, status=400, headers=NO_RETRY)
            return response.json({"error": f"unsupported Content-Type {kind!r}"},
                                 status=HTTPStatus.UNSUPPORTED_MEDIA_TYPE, headers=NO_RETRY)

        return webhook

    def receive_event(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        try:
            body = json.loads(request.body)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return response.json({"error": "the body must be a JSON object"}, status=400, headers=NO_RETRY)
        if body.get("type") == "url_verification":
            return response.text(str(body.get("challenge", "")))
        check_event_shape(body)
        event = body.get("event") or {}
        retry = request.headers.get("X-Slack-Retry-Num")
        message_key = f"{event.get('channel')}:{event.get('ts')}" if event.get("ts") else None
        if not self._seen.add(body.get("event_id"), message_key):
            log.info("slack: event %s already handled; ignoring delivery (retry %s, reason %s)",
                     body.get("event_id"), retry, request.headers.get("X-Slack-Retry-Reason"))
            return response.text("", headers=NO_RETRY)
        incoming = incoming_from_event(body)
        if incoming is not None:
            if retry:
                log.warning("slack: answering retry %s of event %s, which this server had not seen",
                            retry, body.get("event_id"))
            self.turns.start(self.answer(incoming, on_new_message, agent_of(request)))
        return response.text("")

    def receive_interaction(self, request: Request,
                            on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        try:
            payload = json.loads(parse_qs(request.body.decode("utf-8"))["payload"][0])
        except (KeyError, IndexError, UnicodeDecodeError, ValueError):
            payload = None
        if not isinstance(payload, dict):
            return response.json({"error": "expected a form field 'payload' holding a JSON object"},
                                 status=400, headers=NO_RETRY)
        incoming = incoming_from_interaction(payload)
        action = (payload.get("actions") or [{}])[0]
        key = f"action:{incoming.sender_id}:{action.get('action_ts')}" if incoming else None
        if incoming is not None and self._seen.add(key):
            self.turns.start(self.answer(incoming, on_new_message, agent_of(request)))
        # Slack needs the acknowledgement within 3 seconds; the answer follows via chat.postMessage.
        return response.text("")

    async def answer(self, incoming: Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     agent: Optional[Any] = None) -> None:
        output = SlackAnswerOutput(self.client, incoming.channel, incoming.thread_ts)
        message = UserMessage(mask_pii(incoming.text), output, incoming.sender_id, input_channel=self.name(),
                              metadata={"out_channel": incoming.channel, "thread_id": incoming.thread_ts,
                                        "users": [incoming.user]})
        await take_turn(message, on_new_message, agent=agent, replied=lambda: output.sent > 0,
                        fallback=lambda reply: output.send_response(incoming.sender_id, reply))
