"""The socket.io channel behind the web widget: origins checked, sessions unguessable, history replayed.

Differences from Rasa 3.6.21's stock `socketio` channel, and why:
- the stock channel never awaits `sio.enter_room`, so with `session_persistence: true` the socket never
  joins its session's room and bot replies never arrive (RasaHQ/rasa#13027); here it is awaited;
- the stock channel accepts connections from every origin (`cors_allowed_origins=[]` switches the check
  off); here only the server's own public origin (from configuration, never the Host header, which a
  DNS-rebinding page controls) and the configured intranet origins may connect (bot/server/channels/access.py);
- the stock channel takes whatever `session_id` the client sends, so a guessed or chosen id reads
  another user's conversation; here the server issues signed 128-bit ids and refuses any other, and the
  conversation id is `web:<session id>`, so no other channel can name a widget conversation (ADR 0007);
- the stock channel has no rate limit; here messages are limited per client address, per session and
  by a ceiling over everyone (bot/server/channels/limits.py), and an over-limit message gets a polite reply;
- the stock channel splits text, buttons and the custom payload into separate events; here each bot
  message is one `bot_uttered` event, so the widget knows which answer card belongs to which text;
- a reconnecting widget gets the conversation so far (`session_history`), so a page reload keeps it;
- user text is masked with `mask_pii` before it reaches Rasa, and a failed turn still gets a reply.

The widget bundle and a demo intranet page are served by the same blueprint (see bot/server/web/).
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

import rasa.core.channels.channel
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from sanic import Blueprint, Sanic
from socketio import AsyncServer

from bot.server.channels.access import OriginPolicy, allowed_origins, parse_origins, public_origins
from bot.server.channels.limits import RateLimits, Throttle, client_address
from bot.server.channels.routes import add_status_route
from bot.server.channels.turn import agent_of, message_entry, take_turn
from bot.privacy import install_log_masking, mask_pii
from bot.server.web import routes as web_routes
from bot.server.web.history import replay_messages
from bot.server.web.sessions import SessionIds

log = logging.getLogger(__name__)

SECRET_ENV = "COACH_SESSION_SECRET"
# The bot's own origin when neither `public_origin` nor COACH_PUBLIC_ORIGIN is set (`rasa run` on 5005).
DEFAULT_ORIGINS = ("http://localhost:5005", "http://127.0.0.1:5005")
MAX_MESSAGE_CHARS = 4000  # the input guard declines long questions; this only stops abuse of the socket
TURN_END_EVT = "bot_turn_end"  # tells the widget the bot has finished replying (hides "typing")
NAMESPACE = "web"

__all__ = ["SocketIOInput", "parse_origins", "conversation_id"]


def conversation_id(session_id: str) -> str:
    """The tracker id of a widget conversation: the signed session id, in the widget's namespace."""
    return f"{NAMESPACE}:{session_id}"


class CoachSocketIOOutput(OutputChannel):
    """Emits each bot message as one event: text, buttons and custom payload together."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def __init__(self, sio: AsyncServer, bot_message_evt: Text, room: Text,
                 namespace: Optional[Text] = None) -> None:
        self.sio = sio
        self.bot_message_evt = bot_message_evt
        self.room = room
        self.namespace = namespace
        self.sent = 0

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        entry = message_entry(message)
        if entry:
            await self.emit(entry)

    async def emit(self, entry: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.sio.emit(self.bot_message_evt, entry, room=self.room, namespace=self.namespace)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.emit({"text": text})

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self.emit({"custom": json_message})


class SocketIOInput(InputChannel):
    """Configured under `bot.server.channels.socketio.SocketIOInput:` in credentials.yml."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        own = public_origins(credentials.get("public_origin"))
        if not own:
            log.info("socketio: no COACH_PUBLIC_ORIGIN; the demo page is expected at %s", " or ".join(DEFAULT_ORIGINS))
            own = list(DEFAULT_ORIGINS)
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            session_persistence=credentials.get("session_persistence", True),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            jwt_key=credentials.get("jwt_key"),
            jwt_method=credentials.get("jwt_method", "HS256"),
            allowed_origins=allowed_origins(credentials.get("allowed_origins"), own),
            session_secret=os.environ.get(SECRET_ENV) or credentials.get("session_secret"),
            rate_limits=RateLimits.load(credentials),
        )

    def __init__(self, user_message_evt: Text = "user_uttered", bot_message_evt: Text = "bot_uttered",
                 namespace: Optional[Text] = None, session_persistence: bool = True,
                 socketio_path: Text = "/socket.io", jwt_key: Optional[Text] = None,
                 jwt_method: Text = "HS256", allowed_origins: Iterable[str] = DEFAULT_ORIGINS,
                 session_secret: Optional[str] = None, rate_limits: Optional[RateLimits] = None) -> None:
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.namespace = namespace
        self.session_persistence = session_persistence
        self.socketio_path = socketio_path
        self.jwt_key = jwt_key
        self.jwt_algorithm = jwt_method
        self.origins = OriginPolicy(allowed_origins, "socketio")
        self.sessions = SessionIds(session_secret)
        self.rate_limits = rate_limits or RateLimits.load()
        self.throttle = Throttle(self.rate_limits)
        install_log_masking()
        self.sio: Optional[AsyncServer] = None
        self.app: Optional[Sanic] = None

    def get_output_channel(self) -> Optional[OutputChannel]:
        # Used for externally triggered events; without a room there is nobody to send them to.
        return None

    async def _history(self, session_id: str) -> List[Dict[str, Any]]:
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        if agent is None or agent.tracker_store is None:
            return []
        tracker = await agent.tracker_store.retrieve(conversation_id(session_id))
        return replay_messages(tracker.events) if tracker else []

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.origins)
        channel = self
        ns = self.namespace

        class _Blueprint(SocketBlueprint):
            def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
                channel.app = app  # the agent (for history) is only reachable through the app
                super().register(app, options)

        webhook = _Blueprint(sio, self.socketio_path, "coach_socketio_webhook", __name__)
        self.sio = sio

        add_status_route(webhook)
        web_routes.add_routes(webhook)

        @sio.on("connect", namespace=ns)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            request = environ.get("sanic.request")
            address = client_address(getattr(request, "ip", None), getattr(request, "headers", {}) or {},
                                     self.rate_limits.proxy_header)
            await sio.save_session(sid, {"address": address}, namespace=ns)
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            payload = token and rasa.core.channels.channel.decode_bearer_token(
                token, self.jwt_key, self.jwt_algorithm)
            return bool(payload)

        @sio.on("session_request", namespace=ns)
        async def session_request(sid: Text, data: Any) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            resumed = bool(self.session_persistence and self.sessions.is_valid(asked))
            session_id = asked if resumed else self.sessions.new()
            await sio.enter_room(sid, session_id, namespace=ns)  # awaited: the fix for RasaHQ/rasa#13027
            saved = await sio.get_session(sid, namespace=ns)
            await sio.save_session(sid, {**saved, "session_id": session_id}, namespace=ns)
            await sio.emit("session_confirm", session_id, room=sid, namespace=ns)
            if resumed:
                try:
                    history = await self._history(session_id)
                except Exception:  # noqa: BLE001 - a lost history must not lose the conversation
                    log.exception("socketio: could not read the history of a session")
                    history = []
                await sio.emit("session_history", {"messages": history}, room=sid, namespace=ns)
            elif asked:
                log.info("socketio: refused a session id the server did not issue; issued a new one")

        @sio.on(self.user_message_evt, namespace=ns)
        async def handle_message(sid: Text, data: Any) -> None:
            saved = await sio.get_session(sid, namespace=ns)
            session_id = saved.get("session_id")
            if not session_id:
                log.warning("socketio: a message arrived before session_request; ignored")
                await sio.emit("session_required", {}, room=sid, namespace=ns)
                return
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(text, str):
                return
            metadata = data.get("metadata") or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            output = CoachSocketIOOutput(sio, self.bot_message_evt, session_id, ns)
            wait, refusal = self.throttle.wait(saved.get("address") or "unknown", session_id)
            if wait:
                await output.emit({"text": refusal})
                await sio.emit(TURN_END_EVT, {}, room=session_id, namespace=ns)
                return
            message = UserMessage(mask_pii(text[:MAX_MESSAGE_CHARS]), output, conversation_id(session_id),
                                  input_channel=self.name(), metadata=metadata if isinstance(metadata, dict) else {})
            await take_turn(message, on_new_message, agent=agent_of(self.app), replied=lambda: output.sent > 0,
                            fallback=output.emit)
            await sio.emit(TURN_END_EVT, {}, room=session_id, namespace=ns)

        return webhook
