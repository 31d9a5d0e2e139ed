"""Start answering a question while Rasa is still deciding what to do with it.

A question's answer depends on its text alone: `action_answer_question` always composes it with a
fresh memory (a new question starts a new thread). So as soon as a message reaches Rasa and looks
like a question (typed, three words or more: `start_on_arrival`, called from `Agent.handle_message` by
bot.server.rasa.speedups; `EarlyPrefetch`, NLU's first step, where that patch is not applied), or else
once NLU has classified it as one (`InputGuard`; all three in bot.server.rasa.input_guard), the Rasa
process tells the action server its text (`POST /prefetch`), and the action server replies, then starts
composing on a worker thread while Rasa reads the conversation and runs NLU and its policies (in that
order: started before the reply, the worker shared Rasa's core; `PrefetchCache.reserve`). When the action
request arrives, the answer is ready or nearly so, and the action takes it instead of composing again. On
this machine that takes the answer's ~7 ms (mostly embedding the question) off each Q&A turn's critical
path (docs/benchmarks.md). It does not save work: under full load a question's answer is the same CPU,
only earlier, and typed small talk of three words or more costs a compose nobody takes.

Safe to lose: if a prefetch is late, fails, or never arrives, the action composes the answer itself.
Entries are used once and expire after `TTL_SECONDS`; at most `MAX_ENTRIES` are kept. The Rasa side
only sends when `COACH_PREFETCH_URL` is set (bot.server.serve sets it to the action server's /prefetch
unless COACH_PREFETCH=off), with a short timeout and a pause after a failure, so a slow or absent
action server costs a turn at most a quarter of a second, once.
"""

from __future__ import annotations

import asyncio
import functools
import http.client
import json
import logging
import os
import threading
import time
import urllib.parse
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Generic, Optional, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

TTL_SECONDS = 30.0
MAX_ENTRIES = 256
MAX_TEXT_CHARS = 2000  # the input guard caps questions at 1,000 characters; longer is not a question
WAIT_SECONDS = 10.0    # an action waits this long at most for a prefetch still running
SEND_TIMEOUT = 0.25    # the Rasa side gives up on a prefetch request after this (seconds)...
BACKOFF_SECONDS = 5.0  # ...and then sends none for this long


class PrefetchCache(Generic[T]):
    """Answers being composed or composed ahead of their action, by question text; each used once."""

    def __init__(self, compute: Callable[[str], T], ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._compute = compute
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._entries: "OrderedDict[str, tuple[float, Future[T]]]" = OrderedDict()
        self._lock = threading.Lock()
        # One worker: prefetches queue behind each other rather than fighting for the cores.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch")
        self.hits = self.misses = self.started = 0
        self.waited = 0.0  # seconds actions spent waiting for answers still being composed

    def reserve(self, text: str) -> Optional[Callable[[], None]]:
        """Mark the answer to `text` as under way and return the function that starts composing it
        (None if refused). Until that is called, an action taking the answer waits for it.

        The action server's /prefetch replies to Rasa between the two: started before the reply, the
        worker shared a core with Rasa's NLU for several milliseconds (ADR 0006, addendum of
        6 December, third session). Call the function exactly once; for a text already under way it
        does nothing."""
        if not text or len(text) > MAX_TEXT_CHARS:
            return None
        with self._lock:
            self._expire()
            if text in self._entries:
                return _nothing
            future: "Future[T]" = Future()
            self._entries[text] = (self._clock(), future)
            self.started += 1
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)[1][1].cancel()  # not started yet: never will be
        return functools.partial(self._pool.submit, self._fill, future, text)

    def start(self, text: str) -> bool:
        """Begin composing the answer to `text` unless it is already under way; False if refused."""
        launch = self.reserve(text)
        if launch is None:
            return False
        launch()
        return True

    def _fill(self, future: "Future[T]", text: str) -> None:
        """On the worker thread: compose, unless the entry was evicted (cancelled) while it queued."""
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(self._compute(text))
        except BaseException as exc:  # noqa: BLE001 - handed to the action, which composes again
            future.set_exception(exc)

    async def take_async(self, text: str, wait: float = WAIT_SECONDS) -> Optional[T]:
        """The prefetched answer to `text` (waiting for it if it is still being composed), or None.

        Waits without blocking the event loop, so the action server keeps accepting prefetches and
        other actions while an answer is finished on the worker thread."""
        future = self._pop(text)
        if future is None:
            return None
        started = self._clock()
        try:
            result = await asyncio.wait_for(asyncio.wrap_future(future), wait)
        except asyncio.TimeoutError:
            log.warning("prefetch: gave up waiting after %.0f s; composing again", wait)
            self.misses += 1
            return None
        except Exception:  # noqa: BLE001 - the action composes again and meets the error itself
            log.exception("prefetch: composing ahead failed; composing again")
            self.misses += 1
            return None
        self.hits += 1
        self.waited += self._clock() - started
        return result

    def _pop(self, text: str) -> "Optional[Future[T]]":
        with self._lock:
            self._expire()
            entry = self._entries.pop(text, None)
        if entry is None:
            self.misses += 1
            return None
        return entry[1]

    def stats(self) -> dict:
        with self._lock:
            return {"started": self.started, "hits": self.hits, "misses": self.misses,
                    "pending": len(self._entries),
                    "mean_wait_ms": round(1000 * self.waited / self.hits, 1) if self.hits else 0.0}

    def _expire(self) -> None:
        cutoff = self._clock() - self._ttl
        while self._entries and next(iter(self._entries.values()))[0] < cutoff:
            self._entries.popitem(last=False)[1][1].cancel()


def _nothing() -> None:
    """What `PrefetchCache.reserve` returns for a text whose answer is already under way."""


_answers: Optional[PrefetchCache] = None


def serve_answers(compute: Callable[[str], T]) -> PrefetchCache[T]:
    """Make this process (the action server) keep answers composed ahead; returns the cache."""
    global _answers
    _answers = PrefetchCache(compute)
    return _answers


async def take_answer(text: str) -> Optional[T]:
    """The answer composed ahead for this question text, if this process keeps them and has one."""
    return await _answers.take_async(text) if _answers is not None else None


# --- the Rasa side ---------------------------------------------------------------------------------

class Sender:
    """Posts question texts to the action server's /prefetch, on one kept-alive connection.

    Synchronous on purpose: the action server registers the prefetch before it replies, so by the
    time Rasa asks for the action the answer is known to be under way (a background thread lost that
    race about half the time). On loopback a post costs about half a millisecond. After a failure,
    prefetching pauses for `BACKOFF_SECONDS`, so an unreachable action server costs one short
    timeout, not one per turn.
    """

    def __init__(self, url: str, timeout: float = SEND_TIMEOUT, clock: Callable[[], float] = time.monotonic) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"COACH_PREFETCH_URL must be an http(s) URL, not {url!r}")
        self.url = url
        self.timeout = timeout
        self._parts = parts
        self._clock = clock
        self._connection: Optional[http.client.HTTPConnection] = None
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._parts.scheme == "https" else http.client.HTTPConnection
        return cls(self._parts.hostname, self._parts.port, timeout=self.timeout)

    def send(self, text: str) -> bool:
        """True when the action server accepted the text; never raises."""
        with self._lock:
            if self._clock() < self._paused_until:
                return False
            body = json.dumps({"text": text}).encode("utf-8")
            while True:
                reused = self._connection is not None
                try:
                    if self._connection is None:
                        self._connection = self._connect()
                    self._connection.request("POST", self._parts.path or "/", body,
                                             {"Content-Type": "application/json"})
                    reply = self._connection.getresponse()
                    reply.read()
                    return reply.status == 202
                except (OSError, http.client.HTTPException) as exc:
                    if self._connection is not None:
                        self._connection.close()
                    self._connection = None
                    # Only a kept-alive connection the server had closed is worth one retry on a fresh
                    # one; a timeout is the server being slow, and waiting again would double the cost.
                    if reused and not isinstance(exc, TimeoutError):
                        continue
                    log.debug("prefetch: not sent (%s); pausing %.0f s", exc, BACKOFF_SECONDS)
                    self._paused_until = self._clock() + BACKOFF_SECONDS
                    return False


_sender: tuple[str, Optional[Sender]] = ("", None)
_sender_lock = threading.Lock()


def sender() -> Optional[Sender]:
    """The process's sender, or None when prefetching is off or COACH_PREFETCH_URL is unusable."""
    global _sender
    url = os.environ.get("COACH_PREFETCH_URL", "").strip()
    if not url:
        return None
    with _sender_lock:
        if _sender[0] != url:
            try:
                _sender = (url, Sender(url))
            except ValueError as exc:  # a bad URL must cost the speed-up, never the turn
                log.warning("prefetch: off: %s", exc)
                _sender = (url, None)
        return _sender[1]


def prefetch_url(action_url: str) -> str:
    """The action server's /prefetch URL, next to its /webhook."""
    return action_server_base(action_url) + "/prefetch"


def action_server_base(webhook_url: str) -> str:
    """The action server's own URL from Rasa's action endpoint (its /webhook), for its other routes."""
    return webhook_url.rstrip("/").rsplit("/webhook", 1)[0]
