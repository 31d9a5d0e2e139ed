"""Session ids the server issues and can recognise, so a client can neither guess nor choose one.

An id is 128 random bits plus an HMAC of them under a server secret. A widget keeps its id in
sessionStorage to survive a reload; an id the server did not issue (a guess, "1234", a copied
format) fails the HMAC and the client gets a fresh session instead of someone else's conversation.

The secret comes from COACH_SESSION_SECRET or credentials.yml `session_secret`; without one a random
secret is made at start-up, so ids stop working after a restart. That matches the default in-memory
tracker store, which forgets conversations on restart too; set a secret with a persistent store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import Any, Optional

RANDOM_BYTES = 16  # 128 bits
SIGNATURE_CHARS = 22  # 132 bits of the HMAC-SHA256, base64url
TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class SessionIds:
    def __init__(self, secret: Optional[str] = None) -> None:
        self._key = (secret or secrets.token_hex(32)).encode("utf-8")

    def _sign(self, random_part: str) -> str:
        return _b64(hmac.new(self._key, random_part.encode("ascii"), hashlib.sha256).digest())[:SIGNATURE_CHARS]

    def new(self) -> str:
        random_part = _b64(secrets.token_bytes(RANDOM_BYTES))
        return f"{random_part}.{self._sign(random_part)}"

    def is_valid(self, session_id: Any) -> bool:
        if not isinstance(session_id, str) or not TOKEN.match(session_id):
            return False
        random_part, signature = session_id.split(".")
        return hmac.compare_digest(signature, self._sign(random_part))
