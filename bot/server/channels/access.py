"""Who may talk to the bot over HTTP: origins, bearer tokens, and bodies read only up to a limit.

Origins. The bot's own public origin comes from configuration (COACH_PUBLIC_ORIGIN, comma-separated;
`bot.server.serve` sets it to http://localhost:PORT and http://127.0.0.1:PORT when it listens on loopback and
none is given), never from the request's Host header: a DNS-rebinding page controls that header.
Intranet origins allowed to embed the widget or call REST from a browser come from COACH_ALLOWED_ORIGINS
or a channel's `allowed_origins`. A request with no Origin is not from a browser page and is let
through (a non-browser client could forge any header anyway).
"""

from __future__ import annotations

import hmac
import logging
import os
import re
from typing import Any, Iterable, List, Optional, Tuple

from sanic.exceptions import PayloadTooLarge
from sanic.request import Request

log = logging.getLogger(__name__)

PUBLIC_ORIGIN_ENV = "COACH_PUBLIC_ORIGIN"
ORIGINS_ENV = "COACH_ALLOWED_ORIGINS"
# The auth scheme is case-insensitive (RFC 9110 11.1); the token is not.
BEARER = re.compile(r"^Bearer\s+(\S+)\s*$", re.IGNORECASE)


def parse_origins(value: Any) -> List[str]:
    """Origins from a YAML list or a comma-separated string, lower-cased, without trailing slashes."""
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(item).strip().rstrip("/").lower() for item in items if str(item).strip()]


def public_origins(configured: Any = None) -> List[str]:
    """The bot's own origin(s): the channel's `public_origin`, else COACH_PUBLIC_ORIGIN."""
    return parse_origins(configured) or parse_origins(os.environ.get(PUBLIC_ORIGIN_ENV))


def allowed_origins(configured: Any = None, public: Any = None) -> List[str]:
    """Every origin a browser page may come from: the bot's own and the intranets'."""
    return public_origins(public) + parse_origins(configured) + parse_origins(os.environ.get(ORIGINS_ENV))


class OriginPolicy:
    """Allows requests without an Origin and those from the configured origins; nothing else."""

    def __init__(self, allowed: Iterable[str], channel: str) -> None:
        self.allowed = frozenset(o.lower().rstrip("/") for o in allowed)
        self.channel = channel

    def allows(self, origin: Optional[str]) -> bool:
        if not origin:
            return True
        if origin.rstrip("/").lower() in self.allowed:
            return True
        log.warning("%s: refused a request from origin %s (not in COACH_PUBLIC_ORIGIN or COACH_ALLOWED_ORIGINS)",
                    self.channel, origin[:100])
        return False

    def __call__(self, origin: Optional[str], environ: Optional[dict] = None) -> bool:
        # The signature engine.io calls for `cors_allowed_origins`; the environ (and its Host) is ignored.
        return self.allows(origin)


def bearer_matches(authorization: Optional[str], token: str) -> bool:
    """True when the Authorization header carries exactly this bearer token (compared in constant time)."""
    match = BEARER.match(authorization or "")
    return bool(match) and hmac.compare_digest(match.group(1).encode("utf-8"), token.encode("utf-8"))


def media_type(request: Request) -> str:
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower()


DRAIN_MAX_BYTES = 4 * 1024 * 1024  # an over-limit body up to this size is discarded after the reply


def cap_body(request: Request, limit: int) -> None:
    """Bound what Sanic reads of a streaming route's body, including what it drains after the reply.

    After a refusal Sanic reads and discards the rest of the body so the client sees the reply
    cleanly; a body declared larger than DRAIN_MAX_BYTES is not read at all: the connection closes.
    """
    if request.stream is not None:
        request.stream.request_max_size = max(limit, DRAIN_MAX_BYTES)


async def read_body(request: Request, limit: int) -> Tuple[Optional[bytes], Optional[str]]:
    """The body of a streaming route, or (None, reason) when it is over `limit` bytes.

    A declared Content-Length over the limit is refused before a byte of the body is read; a chunked
    body is read only until it passes the limit (see cap_body for what happens to the rest).
    """
    too_large = f"the request body is larger than {limit} bytes; send one question at a time"
    cap_body(request, limit)
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                return None, too_large
        except ValueError:
            return None, "Content-Length must be a number"
    if request.body:  # already read (a route that is not streaming)
        return (request.body, None) if len(request.body) <= limit else (None, too_large)
    chunks: list[bytes] = []
    size = 0
    try:
        if request.stream is not None:
            async for chunk in request.stream:
                size += len(chunk)
                if size > limit:
                    return None, too_large
                chunks.append(chunk)
    except PayloadTooLarge:
        return None, too_large
    request.body = b"".join(chunks)
    return request.body, None
