"""Rate limits and client addresses shared by the REST and socket.io channels.

Three sliding windows, each in this process's memory (every replica counts its own share):
- per client address (COACH_RATE_LIMIT, default 600/60s): one machine cannot flood the bot, and no
  client can get someone else limited by borrowing their conversation id; ten a second is far above a
  person typing and high enough for an evaluation script on loopback;
- per socket.io session (COACH_SESSION_RATE_LIMIT, default 30/60s): one browser tab, however many
  addresses it comes through;
- a ceiling over every client together (COACH_GLOBAL_RATE_LIMIT, default 3000/60s): many addresses
  at once get a cheap 429 instead of queueing every turn up to its deadline.

The client address is the TCP peer, unless COACH_TRUSTED_PROXY_HEADER names the header that the
operator's own reverse proxy sets (e.g. X-Forwarded-For): then the last address in that header, the
one the proxy appended. Without that setting the header is ignored, because any client can send it.
"""

from __future__ import annotations

import ipaddress
import os
import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Deque, Dict, Mapping, Optional

Rate = tuple[int, float]

RATE_LIMITED = ("You're sending messages faster than I can answer them. Please wait {seconds} seconds and "
                "try again.")
BUSY = "Lots of people are asking questions right now. Please wait {seconds} seconds and try again."
FORGET_AFTER_KEYS = 10_000  # idle keys are dropped beyond this many, so the table cannot grow without bound


def parse_rate(text: str, name: str = "COACH_RATE_LIMIT") -> Optional[Rate]:
    """"20/60s" -> (20, 60.0): at most 20 messages in any 60 seconds; "off" -> None."""
    if text.strip().lower() in ("off", "none", "0"):
        return None
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*s?\s*", text)
    if not match or int(match.group(1)) < 1 or float(match.group(2)) <= 0:
        raise ValueError(f"{name} must look like '20/60s' (messages/seconds) or 'off', not {text!r}")
    return int(match.group(1)), float(match.group(2))


class RateLimiter:
    """A sliding window per key."""

    def __init__(self, rate: Optional[Rate], clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.clock = clock
        self.seen: Dict[str, Deque[float]] = {}

    def retry_after(self, key: str, count: bool = True) -> float:
        """0 if this message may go ahead (and, if `count`, count it); otherwise seconds until it may."""
        if self.rate is None:
            return 0.0
        limit, window = self.rate
        now = self.clock()
        times = self.seen.setdefault(key, deque())
        while times and now - times[0] >= window:
            times.popleft()
        if len(times) >= limit:
            return window - (now - times[0])
        if count:
            times.append(now)
        if len(self.seen) > FORGET_AFTER_KEYS:
            self.seen = {k: t for k, t in self.seen.items() if t and now - t[-1] < window}
        return 0.0


def setting(given: Mapping[str, Any], key: str, env: str, default: Any) -> Any:
    """A channel setting: its credentials.yml key wins over the environment variable, then the default."""
    value = given.get(key)
    return value if value is not None else os.environ.get(env, default)


@dataclass(frozen=True)
class RateLimits:
    per_client: Optional[Rate] = (600, 60.0)
    per_session: Optional[Rate] = (30, 60.0)
    ceiling: Optional[Rate] = (3000, 60.0)
    proxy_header: Optional[str] = None  # the header the operator's own proxy sets, e.g. "X-Forwarded-For"

    @classmethod
    def load(cls, given: Optional[Mapping[str, Any]] = None) -> "RateLimits":
        given = given or {}
        header = str(setting(given, "trusted_proxy_header", "COACH_TRUSTED_PROXY_HEADER", "")).strip()
        return cls(per_client=parse_rate(str(setting(given, "rate_limit", "COACH_RATE_LIMIT", "600/60s"))),
                   per_session=parse_rate(str(setting(given, "session_rate_limit", "COACH_SESSION_RATE_LIMIT",
                                                      "30/60s")), "COACH_SESSION_RATE_LIMIT"),
                   ceiling=parse_rate(str(setting(given, "global_rate_limit", "COACH_GLOBAL_RATE_LIMIT",
                                                  "3000/60s")), "COACH_GLOBAL_RATE_LIMIT"),
                   proxy_header=header or None)


_CEILINGS: Dict[Optional[Rate], RateLimiter] = {}


def shared_ceiling(rate: Optional[Rate]) -> RateLimiter:
    """One ceiling per process, shared by every channel configured with the same rate."""
    if rate not in _CEILINGS:
        _CEILINGS[rate] = RateLimiter(rate)
    return _CEILINGS[rate]


class Throttle:
    """Decides whether one more message may go ahead, for a client address and optionally a session."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clients = RateLimiter(limits.per_client, clock)
        self.sessions = RateLimiter(limits.per_session, clock)
        self.ceiling = shared_ceiling(limits.ceiling) if clock is time.monotonic else \
            RateLimiter(limits.ceiling, clock)

    def wait(self, client: str, session: Optional[str] = None) -> tuple[float, str]:
        """(0, "") if the message may go ahead (it is counted); else (seconds to wait, message to show)."""
        checks = [(self.clients, f"client:{client}", RATE_LIMITED)]
        if session is not None:
            checks.append((self.sessions, f"session:{session}", RATE_LIMITED))
        checks.append((self.ceiling, "all", BUSY))
        for limiter, key, message in checks:  # look first, so a refused message is counted nowhere
            seconds = limiter.retry_after(key, count=False)
            if seconds:
                return seconds, message.format(seconds=max(1, round(seconds)))
        for limiter, key, _ in checks:
            limiter.retry_after(key)
        return 0.0, ""


def client_address(peer: Optional[str], headers: Mapping[str, str], proxy_header: Optional[str]) -> str:
    """The client's address: the trusted proxy header's last entry when configured, else the TCP peer."""
    if proxy_header:
        value = headers.get(proxy_header) or headers.get(proxy_header.lower()) or ""
        last = value.split(",")[-1].strip() if value else ""
        if last:
            return last
    return peer or "unknown"


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def request_address(request: Any, proxy_header: Optional[str]) -> str:
    """client_address for a Sanic request."""
    return client_address(getattr(request, "ip", None), request.headers, proxy_header)
