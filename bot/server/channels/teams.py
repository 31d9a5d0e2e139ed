"""Microsoft Teams (Bot Framework): DMs and @mentions answered with Adaptive Cards whose buttons work.

Registered in credentials.yml as `bot.server.channels.teams.TeamsInput` (route /webhooks/teams/webhook).
Settings come from that entry or, when it leaves them out, from TEAMS_APP_ID, TEAMS_APP_PASSWORD,
TEAMS_OPENID_METADATA_URL and TEAMS_TOKEN_URL. Without an app id and password the channel logs a
warning and registers no webhook, so the server still starts where Teams is not set up.

Written new rather than on Rasa's `botframework` channel, whose defects in 3.6.21 are: it fetches
Microsoft's signing keys in its constructor (the server cannot start offline); it checks neither
the issuer nor the `serviceurl` claim; an HS256 token makes it answer 500; its buttons are raw
{title, payload} pairs that Teams ignores; and it makes blocking `requests` calls inside async
code. Here keys are fetched lazily and cached, tokens are checked per the Bot Framework rules
(https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication),
a bad token is a 401 or 403, and every outgoing call is aiohttp with a timeout.

Token and key handling (including the back-off while Microsoft's keys cannot be fetched) is in
bot/server/channels/teams_auth.py.

A conversation id is `teams:<tenant>:<user>` for a personal chat and
`teams:<tenant>:<user>:<conversation id>` for a channel thread or group chat, so no other channel can
name a Teams conversation (docs/adr/0007). A body over MAX_BODY_BYTES is refused before it is read;
an authenticated activity whose fields have the wrong shape (`from` that is a string) is a 400.
User-derived text in cards is never parsed as Markdown (bot/render/teams.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, Optional, Text
from urllib.parse import quote

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.server.channels.access import cap_body, read_body
from bot.server.channels.teams_auth import KeysUnavailable, Refused, SigningKeys, TokenChecker, check_activity
from bot.server.channels.routes import add_status_route
from bot.server.channels.turn import BackgroundTurns, RenderedOutput, agent_of, take_turn
from bot.privacy import install_log_masking, mask_pii
from bot.render import payload_of_submit, to_teams_activity

log = logging.getLogger(__name__)

DEFAULT_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
DEFAULT_TOKEN_URL = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
TOKEN_SCOPE = "https://api.botframework.com/.default"
MAX_BODY_BYTES = 1024 * 1024      # an activity is a few KiB
NAMESPACE = "teams"
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5)
AT_MENTION = re.compile(r"<at>[^<]*</at>")


@dataclass(frozen=True)
class Incoming:
    """One user message from Teams, and where the reply goes."""

    text: str
    sender_id: str
    activity: Dict[str, Any]


def tenant_of(activity: Dict[str, Any]) -> str:
    tenant = (activity.get("channelData") or {}).get("tenant") or {}
    found = tenant.get("id") if isinstance(tenant, dict) else None
    found = found or (activity.get("conversation") or {}).get("tenantId")
    return found if isinstance(found, str) and found else "none"


def strip_bot_mention(text: str, activity: Dict[str, Any]) -> str:
    bot_id = (activity.get("recipient") or {}).get("id")
    for entity in activity.get("entities") or []:
        mentioned = entity.get("mentioned") if isinstance(entity, dict) else None
        if isinstance(mentioned, dict) and entity.get("type") == "mention" and \
                mentioned.get("id") == bot_id and isinstance(entity.get("text"), str):
            text = text.replace(entity["text"], " ")
    if (activity.get("conversation") or {}).get("conversationType") == "channel":
        text = AT_MENTION.sub(" ", text, count=1) if text.lstrip().startswith("<at>") else text
    return " ".join(text.split())


def incoming_from_activity(activity: Dict[str, Any]) -> Optional[Incoming]:
    """A message from a person (typed, or a card button click); None for other activity types."""
    if activity.get("type") != "message":
        return None
    user = (activity.get("from") or {}).get("id")
    conversation = activity.get("conversation") or {}
    if not isinstance(user, str) or not isinstance(conversation.get("id"), str):
        return None
    clicked = payload_of_submit(activity.get("value"))
    text = clicked or strip_bot_mention(str(activity.get("text") or ""), activity)
    # A personal chat is one conversation per user; in a channel or group chat each thread is
    # its own conversation (Teams puts the thread into conversation.id).
    personal = conversation.get("conversationType") in (None, "personal")
    person = f"{NAMESPACE}:{tenant_of(activity)}:{user}"
    return Incoming(text, person if personal else f"{person}:{conversation['id']}", activity)


class Connector:
    """Sends replies to the Bot Framework connector, with an app token that is fetched and cached."""

    def __init__(self, app_id: str, app_password: str, token_url: str,
                 session: Callable[[], aiohttp.ClientSession]) -> None:
        self.app_id = app_id
        self.app_password = app_password
        self.token_url = token_url
        self._session = session
        self._token: Optional[str] = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> Optional[str]:
        async with self._lock:
            if self._token and time.monotonic() < self._expires_at:
                return self._token
            form = {"grant_type": "client_credentials", "client_id": self.app_id,
                    "client_secret": self.app_password, "scope": TOKEN_SCOPE}
            try:
                async with self._session().post(self.token_url, data=form) as reply:
                    reply.raise_for_status()
                    body = await reply.json(content_type=None)
                self._token = str(body["access_token"])
                # Renew five minutes early so a token never expires between fetch and use.
                self._expires_at = time.monotonic() + max(60, int(body.get("expires_in", 3600)) - 300)
            except (aiohttp.ClientError, asyncio.TimeoutError, KeyError, TypeError, ValueError) as exc:
                log.error("teams: could not get an app token from %s: %r", self.token_url, exc)
                self._token = None
            return self._token

    async def send(self, service_url: str, conversation_id: str, reply_to: Optional[str],
                   activity: Dict[str, Any]) -> bool:
        url = f"{service_url.rstrip('/')}/v3/conversations/{quote(conversation_id, safe='')}/activities"
        if reply_to:
            url += f"/{quote(reply_to, safe='')}"
        for attempt in (1, 2):
            token = await self.token()
            if token is None:
                return False
            try:
                async with self._session().post(url, json=activity,
                                                headers={"Authorization": f"Bearer {token}"}) as reply:
                    if reply.status == 401 and attempt == 1:  # the token was revoked early: fetch a new one
                        self._token = None
                        continue
                    if reply.status >= 300:
                        log.error("teams: the connector refused a reply (%s): %s", reply.status,
                                  (await reply.text())[:300])
                        return False
                    return True
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                log.error("teams: sending a reply to %s failed: %r", url, exc)
                return False
        return False


class TeamsOutput(RenderedOutput):
    """Replies to one incoming activity; each bot message becomes one Adaptive Card."""

    def __init__(self, connector: Connector, activity: Dict[str, Any]) -> None:
        self.connector = connector
        self.activity = activity

    @classmethod
    def name(cls) -> Text:
        return "teams"

    def render_outline(self, doc: Any) -> Dict[str, Any]:
        return to_teams_activity(doc)

    async def deliver(self, rendered: Dict[str, Any]) -> bool:
        a = self.activity
        reply = {**rendered, "from": a.get("recipient"), "recipient": a.get("from"),
                 "conversation": a.get("conversation"), "replyToId": a.get("id")}
        return await self.connector.send(a["serviceUrl"], a["conversation"]["id"], a.get("id"), reply)


class TeamsInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "teams"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TeamsInput":
        creds = credentials or {}
        env = os.environ.get
        return cls(app_id=creds.get("app_id") or env("TEAMS_APP_ID", ""),
                   app_password=creds.get("app_password") or env("TEAMS_APP_PASSWORD", ""),
                   openid_metadata_url=creds.get("openid_metadata_url") or env("TEAMS_OPENID_METADATA_URL")
                   or DEFAULT_OPENID_METADATA_URL,
                   token_url=creds.get("token_url") or env("TEAMS_TOKEN_URL") or DEFAULT_TOKEN_URL)

    def __init__(self, app_id: str = "", app_password: str = "",
                 openid_metadata_url: str = DEFAULT_OPENID_METADATA_URL, token_url: str = DEFAULT_TOKEN_URL) -> None:
        self.app_id = app_id
        self.app_password = app_password
        self._http: Optional[aiohttp.ClientSession] = None
        self.checker = TokenChecker(app_id, SigningKeys(openid_metadata_url, self.http))
        self.connector = Connector(app_id, app_password, token_url, self.http)
        self.turns = BackgroundTurns()
        install_log_masking()
        if not self.configured:
            log.warning("teams: TEAMS_APP_ID and TEAMS_APP_PASSWORD are not both set; "
                        "the Teams channel is off (see docs/teams/setup.md)")

    @property
    def configured(self) -> bool:
        return bool(self.app_id and self.app_password)

    def http(self) -> aiohttp.ClientSession:
        """One client session for every outgoing call, created inside the server's event loop."""
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=HTTP_TIMEOUT)
        return self._http

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("coach_teams_webhook", __name__)
        add_status_route(webhook, None if self.configured else "not configured")
        if not self.configured:
            return webhook

        @webhook.listener("after_server_stop")
        async def close_http(*_: Any) -> None:
            if self._http is not None:
                await self._http.close()

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            cap_body(request, MAX_BODY_BYTES)
            try:
                claims = await self.checker.claims(request.headers.get("Authorization"))
                body, too_large = await read_body(request, MAX_BODY_BYTES)
                if too_large or body is None:
                    raise Refused(413, too_large or "no body")
                activity = parse_activity(body)
                check_activity(claims, activity)
            except Refused as exc:
                log.warning("teams: refused a request (%s): %s", exc.status, exc.reason)
                return response.json({"error": exc.reason}, status=exc.status)
            except KeysUnavailable as exc:
                log.error("teams: %s", exc)
                return response.json({"error": "cannot verify tokens right now"},
                                     status=HTTPStatus.SERVICE_UNAVAILABLE)
            incoming = incoming_from_activity(activity)
            if incoming is not None:
                self.turns.start(self.answer(incoming, on_new_message, agent_of(request)))
            return response.text("", status=HTTPStatus.OK)

        return webhook

    async def answer(self, incoming: Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     agent: Optional[Any] = None) -> None:
        output = TeamsOutput(self.connector, incoming.activity)
        conversation = incoming.activity.get("conversation") or {}
        message = UserMessage(mask_pii(incoming.text), output, incoming.sender_id, input_channel=self.name(),
                              metadata={"conversation_type": conversation.get("conversationType"),
                                        "tenant": (incoming.activity.get("channelData") or {}).get("tenant")})
        await take_turn(message, on_new_message, agent=agent, replied=lambda: output.sent > 0,
                        fallback=lambda reply: output.send_response(incoming.sender_id, reply))


def parse_activity(body: bytes) -> Dict[str, Any]:
    """The activity in the request body; Refused(400) when it is not one we can answer."""
    try:
        activity = json.loads(body)
    except ValueError:
        raise Refused(400, "the body must be a JSON activity") from None
    if not isinstance(activity, dict):
        raise Refused(400, "the body must be a JSON object")
    if not isinstance(activity.get("serviceUrl"), str) or not isinstance(activity.get("type"), str):
        raise Refused(400, "the activity needs 'type' and 'serviceUrl'")
    for key in ("from", "recipient", "conversation", "channelData"):
        if not isinstance(activity.get(key), (dict, type(None))):
            raise Refused(400, f"'{key}' must be an object")
    if not isinstance(activity.get("entities"), (list, type(None))):
        raise Refused(400, "'entities' must be a list")
    for key in ("text", "id", "channelId"):
        if not isinstance(activity.get(key), (str, type(None))):
            raise Refused(400, f"'{key}' must be a string")
    conversation = activity.get("conversation")
    if activity["type"] == "message" and not (isinstance(conversation, dict) and isinstance(conversation.get("id"), str)):
        raise Refused(400, "a message activity needs conversation.id")
    return activity
