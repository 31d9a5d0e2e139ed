"""Checking the Bot Framework's bearer tokens on incoming Teams activities.

Per https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication:
RS256 only, Microsoft's published keys (OpenID metadata -> jwks_uri), issuer, audience = our app id,
expiry with five minutes of skew, the `serviceurl` claim equal to the activity's serviceUrl, and the
key's channel endorsements. A bad token is Refused(401 or 403).

Signing keys: cached for a day; a token signed with a key id the cache lacks triggers a refetch at
most every five minutes once keys are cached. Until the first fetch succeeds, failed fetches back off
(2 s, doubling to five minutes), and requests meanwhile get KeysUnavailable (a 503) without a fetch of
their own, so a burst of requests never becomes a burst of calls to Microsoft.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any, Callable, Dict, Optional

import aiohttp
import jwt

log = logging.getLogger(__name__)

ISSUER = "https://api.botframework.com"
ALGORITHMS = ["RS256"]
LEEWAY_SECONDS = 300            # the clock skew the Bot Framework allows
KEYS_MAX_AGE_SECONDS = 24 * 3600  # Microsoft asks bots to refresh signing keys at least daily
KEYS_REFETCH_FLOOR_SECONDS = 300  # an unknown key id refetches at most this often (no refetch storms)
KEYS_FIRST_RETRY_SECONDS = 2.0    # after a failed fetch with nothing cached; doubles up to the floor above
BEARER = re.compile(r"^Bearer\s+(\S+)$")


class Refused(Exception):
    """A request the channel refuses (bad token, wrong activity, bad body); `status` is the HTTP status."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class KeysUnavailable(Exception):
    """Microsoft's signing keys could not be fetched (and none are cached)."""


async def get_json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as reply:
        reply.raise_for_status()
        return await reply.json(content_type=None)


class SigningKeys:
    """The Bot Framework's token-signing keys, fetched on first use and cached."""

    def __init__(self, metadata_url: str, session: Callable[[], aiohttp.ClientSession]) -> None:
        self.metadata_url = metadata_url
        self._session = session
        self._keys: Dict[str, dict] = {}
        self._fetched_at = float("-inf")   # when the cached keys were fetched
        self._attempted_at = float("-inf")  # when a fetch was last tried, successful or not
        self._retry_after = 0.0             # while nothing is cached: seconds between failed fetches
        self._last_error = ""
        self._lock = asyncio.Lock()

    def _due(self, kid: str) -> bool:
        now = time.monotonic()
        if not self._keys:
            return now - self._attempted_at >= self._retry_after
        age = now - self._fetched_at
        since_attempt = now - self._attempted_at
        return (age >= KEYS_MAX_AGE_SECONDS and since_attempt >= KEYS_REFETCH_FLOOR_SECONDS) or \
            (kid not in self._keys and since_attempt >= KEYS_REFETCH_FLOOR_SECONDS)

    async def get(self, kid: str) -> Optional[dict]:
        """The key with this id, refreshing the cache when it is old or the id is new to it.

        Raises KeysUnavailable when no keys are cached and none can be fetched now.
        """
        if self._due(kid):
            async with self._lock:
                if self._due(kid):  # nobody tried while this request waited for the lock
                    await self._refresh()
        if not self._keys:
            raise KeysUnavailable(f"no signing keys yet from {self.metadata_url} ({self._last_error}); "
                                  f"next attempt in at most {self._retry_after:g}s")
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        self._attempted_at = time.monotonic()
        try:
            metadata = await get_json(self._session(), self.metadata_url)
            jwks = await get_json(self._session(), metadata["jwks_uri"])
            keys = {k["kid"]: k for k in jwks["keys"] if isinstance(k, dict) and k.get("kid")}
        except (aiohttp.ClientError, asyncio.TimeoutError, KeyError, TypeError, ValueError) as exc:
            self._last_error = repr(exc)[:200]
            if not self._keys:
                self._retry_after = min(KEYS_REFETCH_FLOOR_SECONDS, max(KEYS_FIRST_RETRY_SECONDS,
                                                                       self._retry_after * 2))
                log.error("teams: could not fetch signing keys via %s: %s; retrying in %gs",
                          self.metadata_url, self._last_error, self._retry_after)
            else:
                log.warning("teams: could not refresh signing keys (%s); keeping the cached ones", self._last_error)
            return
        self._keys, self._fetched_at, self._retry_after = keys, time.monotonic(), 0.0


class TokenChecker:
    """Checks the Bot Framework's bearer token on an incoming activity."""

    def __init__(self, app_id: str, keys: SigningKeys) -> None:
        self.app_id = app_id
        self.keys = keys

    async def claims(self, authorization: Optional[str]) -> dict:
        """The verified claims of the request's token; Refused (401/403) if it is not acceptable."""
        match = BEARER.match(authorization or "")
        if not match:
            raise Refused(401, "an Authorization: Bearer token is required")
        token = match.group(1)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Refused(401, "the bearer token is not a JWT") from None
        if header.get("alg") not in ALGORITHMS:
            raise Refused(401, f"tokens signed with {header.get('alg')!r} are not accepted")
        key = await self.keys.get(str(header.get("kid") or ""))
        if key is None:
            raise Refused(401, "the token is signed with an unknown key")
        try:
            claims = jwt.decode(token, key=jwt.PyJWK(key, algorithm="RS256").key, algorithms=ALGORITHMS,
                                audience=self.app_id, issuer=ISSUER, leeway=LEEWAY_SECONDS,
                                options={"require": ["exp", "iss", "aud"]})
        except jwt.InvalidAudienceError:
            raise Refused(403, "the token is for another bot") from None
        except jwt.ExpiredSignatureError:
            raise Refused(401, "the token has expired") from None
        except jwt.InvalidIssuerError:
            raise Refused(401, "the token was not issued by the Bot Framework") from None
        except (jwt.PyJWTError, ValueError, TypeError):
            raise Refused(401, "the token's signature or claims are invalid") from None
        claims["_endorsements"] = key.get("endorsements")
        return claims


def check_activity(claims: dict, activity: Dict[str, Any]) -> None:
    """The token must have been issued for this activity's service URL (and channel, if endorsed)."""
    claimed = claims.get("serviceurl") or claims.get("serviceUrl")
    service_url = activity.get("serviceUrl")
    if not isinstance(claimed, str) or not isinstance(service_url, str) or \
            claimed.rstrip("/") != service_url.rstrip("/"):
        raise Refused(403, "the token was not issued for this activity's serviceUrl")
    endorsements = claims.get("_endorsements")
    if isinstance(endorsements, list) and activity.get("channelId") not in endorsements:
        raise Refused(403, "the signing key is not endorsed for this channel")
