"""bot.server.prefetch: answers composed ahead are used once, expire, and never change what the user gets."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from bot.server import prefetch
from bot.answer import compose
from bot.server.serve import prefetch_env
from tests.fakes import FakeClock


def take(cache, text, wait=prefetch.WAIT_SECONDS):
    return asyncio.run(cache.take_async(text, wait))


def test_a_prefetched_answer_is_computed_once_and_taken_once():
    calls = []
    cache = prefetch.PrefetchCache(lambda text: calls.append(text) or f"answer to {text}")
    assert cache.start("how do we build trust")
    assert cache.start("how do we build trust")  # already under way: not composed twice
    assert take(cache, "how do we build trust") == "answer to how do we build trust"
    assert take(cache, "how do we build trust") is None  # used once
    assert calls == ["how do we build trust"]
    stats = cache.stats()
    assert (stats["started"], stats["hits"], stats["misses"], stats["pending"]) == (1, 1, 1, 0)


def test_take_waits_for_an_answer_still_being_composed():
    release = threading.Event()
    cache = prefetch.PrefetchCache(lambda text: release.wait(5) and "slow answer")
    cache.start("q")
    threading.Timer(0.2, release.set).start()
    started = time.monotonic()
    assert take(cache, "q") == "slow answer"
    assert time.monotonic() - started >= 0.15


def test_a_failed_or_overdue_prefetch_gives_none_so_the_action_composes_itself():
    def boom(text):
        raise RuntimeError("index unavailable")

    cache = prefetch.PrefetchCache(boom)
    cache.start("q")
    assert take(cache, "q") is None
    never = threading.Event()
    slow = prefetch.PrefetchCache(lambda text: never.wait(2))
    slow.start("q")
    assert take(slow, "q", wait=0.05) is None
    never.set()


def test_entries_expire_and_the_cache_stays_bounded():
    clock = FakeClock()
    cache = prefetch.PrefetchCache(str.upper, ttl=30, max_entries=3, clock=clock)
    cache.start("old")
    clock.now += 31
    assert take(cache, "old") is None
    for text in ("a", "b", "c", "d"):
        cache.start(text)
    assert cache.stats()["pending"] == 3
    assert take(cache, "a") is None and take(cache, "d") == "D"


def test_answers_evicted_before_they_start_are_never_composed():
    release = threading.Event()
    composed = []
    cache = prefetch.PrefetchCache(lambda text: release.wait(5) and composed.append(text), max_entries=2)
    for text in ("busy", "a", "b", "c"):  # "busy" holds the one worker; "a" is evicted by "c"
        cache.start(text)
    release.set()
    cache._pool.shutdown(wait=True)
    assert composed == ["busy", "b", "c"]


def test_a_reserved_answer_is_composed_only_once_started_and_an_action_waits_for_it():
    # The action server reserves, replies to Rasa, then starts (ADR 0006): between the two, an action
    # asking for the answer must wait for it, not compose it again.
    calls = []
    cache = prefetch.PrefetchCache(lambda text: calls.append(text) or f"answer to {text}")
    launch = cache.reserve("how do we build trust")
    time.sleep(0.05)
    assert calls == [] and cache.stats()["pending"] == 1
    threading.Timer(0.1, launch).start()
    assert take(cache, "how do we build trust") == "answer to how do we build trust"
    assert calls == ["how do we build trust"]


def test_reserving_a_text_already_under_way_gives_a_start_that_does_nothing():
    calls = []
    cache = prefetch.PrefetchCache(lambda text: calls.append(text) or text.upper())
    first, again = cache.reserve("q"), cache.reserve("q")
    again()
    first()
    assert take(cache, "q") == "Q"
    cache._pool.shutdown(wait=True)
    assert calls == ["q"] and cache.stats()["started"] == 1
    assert cache.reserve("") is None and cache.reserve("x" * (prefetch.MAX_TEXT_CHARS + 1)) is None


def test_a_reservation_evicted_before_it_starts_is_never_composed():
    calls = []
    cache = prefetch.PrefetchCache(lambda text: calls.append(text) or text, max_entries=1)
    evicted = cache.reserve("a")
    kept = cache.reserve("b")  # over the limit: "a" goes
    evicted()
    kept()
    cache._pool.shutdown(wait=True)
    assert calls == ["b"] and take(cache, "a") is None


def test_empty_and_overlong_texts_are_refused():
    cache = prefetch.PrefetchCache(str.upper)
    assert not cache.start("")
    assert not cache.start("x" * (prefetch.MAX_TEXT_CHARS + 1))


def test_the_answer_action_uses_the_prefetched_answer_and_it_equals_composing(fake_engine):
    question = "Adopting facilitative styles of leadership"
    calls = []

    def compute(text):
        calls.append(text)
        return compose.compose_answer(text, fake_engine, compose.Memory())

    try:
        def ask():
            dispatcher = CollectingDispatcher()
            tracker = Tracker(sender_id="t", slots={}, latest_message={"text": question, "intent": {
                "name": "ask_question", "confidence": 1.0}, "entities": []}, events=[], paused=False,
                followup_action=None, active_loop={}, latest_action_name="action_listen")
            events = asyncio.run(actions.ActionAnswerQuestion(fake_engine).run(dispatcher, tracker, {}))
            return dispatcher.messages, events

        prefetch._answers = None
        composed = ask()
        cache = prefetch.serve_answers(compute)
        cache.start(question)
        prefetched = ask()
        assert calls == [question] and cache.stats()["hits"] == 1
        assert prefetched == composed  # same message, same payload, same slot events
    finally:
        prefetch._answers = None


class _Recorder(BaseHTTPRequestHandler):
    bodies: list = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_rasa_side_posts_question_texts_on_one_connection_and_backs_off_when_refused():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sender = prefetch.Sender(f"http://127.0.0.1:{server.server_port}/prefetch")
        assert sender.send("how do we share data?")  # registered before send returns: no race
        assert sender.send("and budgets?")
        assert _Recorder.bodies == [{"text": "how do we share data?"}, {"text": "and budgets?"}]
    finally:
        server.shutdown()
        server.server_close()
    clock = FakeClock()
    nowhere = prefetch.Sender("http://127.0.0.1:9/prefetch", timeout=0.2, clock=clock)
    started = time.monotonic()
    assert not nowhere.send("lost")  # connection refused: nothing raised
    assert not nowhere.send("lost again")  # paused: not even tried
    assert time.monotonic() - started < 1
    clock.now += prefetch.BACKOFF_SECONDS + 1
    assert not nowhere.send("tried again after the pause")
    with pytest.raises(ValueError):
        prefetch.Sender("actions:5055/prefetch")


@pytest.mark.parametrize("url,setting,expected", [
    ("http://127.0.0.1:5055/webhook", "on", "http://127.0.0.1:5055/prefetch"),
    ("http://actions:5055/webhook/", None, "http://actions:5055/prefetch"),
    ("http://127.0.0.1:5055/webhook", "off", ""),
    (None, "on", ""),
])
def test_serve_points_rasa_at_the_action_servers_prefetch(monkeypatch, url, setting, expected):
    if setting is None:
        monkeypatch.delenv("COACH_PREFETCH", raising=False)
    else:
        monkeypatch.setenv("COACH_PREFETCH", setting)
    assert prefetch_env(url) == {"COACH_PREFETCH_URL": expected}


def test_nlu_sends_only_questions_it_leaves_for_retrieval(monkeypatch):
    from rasa.shared.nlu.training_data.message import Message

    from bot.server.rasa.input_guard import InputGuard

    sent = []
    monkeypatch.setattr(prefetch, "sender", lambda: type("S", (), {"send": staticmethod(sent.append)})())

    def message(text, intent):
        return Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9}})

    messages = [message("how do we pool budgets across organisations?", "ask_question"),
                message("this is about parking fines", "out_of_scope"),
                message("mumble", "nlu_fallback"),
                message("hello", "greet"),
                message("/ask_another_enabler", "ask_another_enabler"),
                message("<b>hi</b>", "greet")]
    processed = InputGuard({}).process(messages)
    assert sent == ["how do we pool budgets across organisations?", "this is about parking fines", "mumble"]
    assert processed[-1].get("intent")["name"] == "ask_question"  # markup is routed, and answered politely


def test_a_likely_question_is_sent_before_nlu_and_not_again_after_it(monkeypatch):
    from rasa.shared.nlu.training_data.message import Message

    from bot.server.rasa.input_guard import EarlyPrefetch, InputGuard

    sent = []
    accepted = True

    def send(text):
        sent.append(text)
        return accepted

    monkeypatch.setattr(prefetch, "sender", lambda: type("S", (), {"send": staticmethod(send)})())
    texts = ["how do we pool budgets?", "ICB?", "hello there", "/ask_another_enabler", "thanks so much", ""]
    early = EarlyPrefetch.create({}, None, None, None).process([Message(data={"text": t}) for t in texts])
    # Before DIET: typed text of three words or more ("thanks so much" too: composed for nothing, harmlessly).
    assert sent == ["how do we pool budgets?", "thanks so much"]
    for message, intent in zip(early, ["ask_question", "ask_question", "greet", "ask_another_enabler", "thank",
                                       "nlu_fallback"]):
        message.set("intent", {"name": intent, "confidence": 0.9})
    sent.clear()
    InputGuard({}).process(early)
    assert sent == ["ICB?"], "after NLU, only the question not yet sent"
    accepted = False  # an action server that refused (or was unreachable): the guard asks again after NLU
    sent.clear()
    refused = EarlyPrefetch.create({}, None, None, None).process([Message(data={"text": "how do we pool budgets?"})])
    refused[0].set("intent", {"name": "ask_question", "confidence": 0.9})
    InputGuard({}).process(refused)
    assert sent == ["how do we pool budgets?", "how do we pool budgets?"]


def test_a_question_is_started_as_rasa_receives_it_and_nlu_does_not_send_it_again(monkeypatch):
    from rasa.shared.nlu.training_data.message import Message

    from bot.server.rasa.input_guard import PREFETCHED, EarlyPrefetch, finish_arrival, start_on_arrival

    sent = []
    accepting = type("S", (), {"send": staticmethod(lambda t: sent.append(t) or True)})()
    monkeypatch.setattr(prefetch, "sender", lambda: accepting)
    for text in ("hello", "/ask_another_enabler", None, {"text": "not a str"}):
        assert start_on_arrival(text) is None
    assert sent == []
    token = start_on_arrival("how do we pool budgets?")
    assert sent == ["how do we pool budgets?"]
    early = EarlyPrefetch.create({}, None, None, None)
    started, other = early.process([Message(data={"text": "how do we pool budgets?"}),
                                    Message(data={"text": "a different long question"})])
    assert started.get(PREFETCHED) and other.get(PREFETCHED)
    assert sent == ["how do we pool budgets?", "a different long question"], "only the text not yet sent is sent"
    finish_arrival(token)
    sent.clear()
    early.process([Message(data={"text": "how do we pool budgets?"})])
    assert sent == ["how do we pool budgets?"], "once the message is handled, the mark is gone"


def test_a_question_the_action_server_refused_on_arrival_is_sent_again_by_nlu(monkeypatch):
    from rasa.shared.nlu.training_data.message import Message

    from bot.server.rasa.input_guard import EarlyPrefetch, start_on_arrival

    sent = []
    refusing = type("S", (), {"send": staticmethod(lambda t: sent.append(t) and False)})()
    monkeypatch.setattr(prefetch, "sender", lambda: refusing)
    assert start_on_arrival("how do we pool budgets?") is None
    EarlyPrefetch.create({}, None, None, None).process([Message(data={"text": "how do we pool budgets?"})])
    assert sent == ["how do we pool budgets?", "how do we pool budgets?"]


def test_without_a_prefetch_url_the_early_step_changes_nothing(monkeypatch):
    from rasa.shared.nlu.training_data.message import Message

    from bot.server.rasa.input_guard import PREFETCHED, EarlyPrefetch

    monkeypatch.setattr(prefetch, "sender", lambda: None)
    message = Message(data={"text": "how do we pool budgets?"})
    assert EarlyPrefetch.create({}, None, None, None).process([message]) == [message]
    assert message.get(PREFETCHED) is None


def test_an_unusable_prefetch_url_turns_prefetching_off_instead_of_failing_nlu(monkeypatch, caplog):
    monkeypatch.setenv("COACH_PREFETCH_URL", "${ACTION_SERVER_URL}/prefetch")
    with caplog.at_level("WARNING", logger="bot.server.prefetch"):
        assert prefetch.sender() is None
        assert prefetch.sender() is None
    assert caplog.text.count("prefetch: off") == 1
    monkeypatch.setenv("COACH_PREFETCH_URL", "http://127.0.0.1:9/prefetch")
    assert isinstance(prefetch.sender(), prefetch.Sender)
    monkeypatch.setenv("COACH_PREFETCH_URL", "")
    assert prefetch.sender() is None


class _RawServer:
    """A loopback HTTP server that answers each connection's requests as `plan` says: "202" answers and
    keeps the connection open, "close" answers and then drops it, "hang" never answers."""

    def __init__(self, plan: list[str]) -> None:
        import socket
        self.plan, self.requests, self.connections = list(plan), 0, 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/prefetch"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn) -> None:
        with conn, conn.makefile("rb") as stream:
            while True:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = stream.readline()
                    if not line:
                        return
                    head += line
                length = int(next(h.split(b":")[1] for h in head.lower().split(b"\r\n")
                                  if h.startswith(b"content-length")))
                stream.read(length)
                self.requests += 1
                step = self.plan.pop(0) if self.plan else "202"
                if step == "hang":
                    time.sleep(2)
                    return
                conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
                if step == "close":
                    return

    def close(self) -> None:
        self.sock.close()


def test_a_prefetch_that_times_out_is_sent_once_and_then_paused():
    server = _RawServer(["202", "hang"])
    clock = FakeClock()
    try:
        sender = prefetch.Sender(server.url, timeout=0.3, clock=clock)
        assert sender.send("first")  # opens the kept-alive connection
        started = time.monotonic()
        assert not sender.send("slow server")
        took = time.monotonic() - started
        assert server.requests == 2, "a timed-out prefetch must not be sent again"
        assert took < 0.55, f"one timeout ({sender.timeout}s) at most, took {took:.2f}s"
        assert not sender.send("during the pause") and server.requests == 2
    finally:
        server.close()


def test_a_first_prefetch_that_times_out_is_sent_once_on_its_one_connection():
    server = _RawServer(["hang"])
    try:
        sender = prefetch.Sender(server.url, timeout=0.3, clock=FakeClock())
        started = time.monotonic()
        assert not sender.send("slow server")
        assert time.monotonic() - started < 0.55
        time.sleep(0.1)
        assert (server.connections, server.requests) == (1, 1), "a timed-out prefetch must not be sent again"
    finally:
        server.close()


def test_a_kept_alive_connection_the_server_dropped_is_retried_once_on_a_new_one():
    server = _RawServer(["close", "202"])
    try:
        sender = prefetch.Sender(server.url, timeout=1.0)
        assert sender.send("first")
        time.sleep(0.1)  # the server has closed the connection the sender keeps
        assert sender.send("second")
        assert (server.connections, server.requests) == (2, 2)
    finally:
        server.close()
