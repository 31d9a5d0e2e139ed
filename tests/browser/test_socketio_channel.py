"""The socket.io channel over the wire (python-socketio client): origins, session ids, one message per answer."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest
import socketio

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def handshake_status(server, origin: str) -> int:
    request = urllib.request.Request(server.url + HANDSHAKE, headers={"Origin": origin})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


class Conversation:
    """A socket.io client that records what the server emits."""

    def __init__(self, server, origin: str | None = None) -> None:
        self.events: list[tuple[str, object]] = []
        self.turn_ended = threading.Event()
        self.confirmed = threading.Event()
        self.history = threading.Event()
        self.client = socketio.Client(reconnection=False)
        for name in ("session_confirm", "session_history", "bot_uttered"):
            self.client.on(name, lambda data, name=name: self._record(name, data))
        self.client.on("bot_turn_end", lambda _: self.turn_ended.set())
        self.client.connect(server.url, transports=["polling"], wait_timeout=10,
                            headers={"Origin": origin} if origin else {})

    def _record(self, name, data):
        self.events.append((name, data))
        if name == "session_confirm":
            self.confirmed.set()
        if name == "session_history":
            self.history.set()

    def start(self, session_id=None) -> str:
        self.confirmed.clear()
        self.client.emit("session_request", {"session_id": session_id})
        assert self.confirmed.wait(20), "no session_confirm"
        return [d for n, d in self.events if n == "session_confirm"][-1]

    def say(self, text: str) -> list[dict]:
        self.turn_ended.clear()
        start = len(self.events)
        self.client.emit("user_uttered", {"message": text})
        assert self.turn_ended.wait(120), "the bot's turn never ended"
        return [d for n, d in self.events[start:] if n == "bot_uttered"]

    def close(self) -> None:
        self.client.disconnect()


def test_a_connection_from_a_disallowed_origin_is_refused(widget_bot):
    assert handshake_status(widget_bot, "http://evil.example") == 400
    with pytest.raises(socketio.exceptions.ConnectionError):
        Conversation(widget_bot, origin="http://evil.example")


@pytest.mark.parametrize("origin", ["configured", "own"])
def test_the_servers_own_origin_and_configured_origins_may_connect(widget_bot, origin):
    url = "http://intranet.anytown.example" if origin == "configured" else widget_bot.url
    assert handshake_status(widget_bot, url) == 200
    Conversation(widget_bot, origin=url).close()


@pytest.mark.parametrize("weak_id", ["1234", "a" * 32, "a" * 22 + "." + "b" * 22, {"x": 1}])
def test_a_session_id_the_server_did_not_issue_is_replaced(widget_bot, weak_id):
    chat = Conversation(widget_bot)
    try:
        issued = chat.start(weak_id)
        assert issued != weak_id
        assert len(issued.split(".")[0]) >= 22, "at least 128 random bits"
        assert not chat.history.wait(1), "no history is replayed for a session the server did not issue"
    finally:
        chat.close()


def test_replies_arrive_with_persistence_and_each_answer_is_one_message(widget_bot, report_text):
    chat = Conversation(widget_bot)
    try:
        chat.start()
        replies = chat.say("How do we overcome siloed funding?")
        answers = [r for r in replies if "answer" in (r.get("custom") or {})]
        assert len(answers) == 1
        answer = answers[0]
        assert answer["text"] and answer["buttons"], "text, buttons and payload arrive together"
        assert answer["custom"]["answer"]["status"] == "answered"
        for citation in answer["custom"]["answer"]["citations"]:
            assert report_text.contains(citation["quote"])
    finally:
        chat.close()


def test_a_resumed_session_replays_the_conversation_with_pii_masked(widget_bot):
    first = Conversation(widget_bot)
    session_id = first.start()
    first.say("Partners don't trust us. Reach me on jo.bloggs@anytown.gov.uk or 07700 900123")
    first.close()

    again = Conversation(widget_bot)
    try:
        assert again.start(session_id) == session_id
        assert again.history.wait(20), "no session_history for a resumed session"
        history = [d for n, d in again.events if n == "session_history"][-1]["messages"]
        said = [m["text"] for m in history if m["sender"] == "user"]
        assert said == ["Partners don't trust us. Reach me on [email] or [phone]"]
        assert any((m.get("custom") or {}).get("answer") for m in history if m["sender"] == "bot")
    finally:
        again.close()
