"""Build Bot Framework activities and their bearer tokens, signed by a test RSA key."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Optional

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

APP_ID = "00000000-0000-0000-0000-0000000c0ac4"
APP_PASSWORD = "test-app-password"
ISSUER = "https://api.botframework.com"
KEY_ID = "test-signing-key"
SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks() -> dict:
    key = json.loads(RSAAlgorithm.to_jwk(SIGNING_KEY.public_key()))
    key.update(kid=KEY_ID, use="sig", endorsements=["msteams", "webchat"])
    return {"keys": [key]}


def token(service_url: str, **overrides: Any) -> str:
    """A connector token; overrides change claims (None removes one) or `_key`, `_alg`, `_kid`."""
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "nbf": now - 10, "exp": now + 3600}
    key = overrides.pop("_key", SIGNING_KEY)
    alg = overrides.pop("_alg", "RS256")
    kid = overrides.pop("_kid", KEY_ID)
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


def activity(text: str, service_url: str, conversation_id: Optional[str] = None, user: Optional[str] = None,
             conversation_type: str = "personal", value: Any = None, mention: bool = False) -> dict:
    conversation_id = conversation_id or f"a:{uuid.uuid4().hex}"
    # A personal chat is one Rasa conversation per user, so each test conversation gets its own user.
    user = user or f"29:user-{uuid.uuid5(uuid.NAMESPACE_URL, conversation_id).hex[:12]}"
    bot = {"id": f"28:{APP_ID}", "name": "Collaboration Coach"}
    body = {"type": "message", "id": uuid.uuid4().hex[:16], "timestamp": "2024-01-01T10:00:00.000Z",
            "serviceUrl": service_url, "channelId": "msteams", "from": {"id": user, "name": "Alex"},
            "conversation": {"id": conversation_id, "conversationType": conversation_type, "tenantId": "t1"},
            "recipient": bot, "text": text, "textFormat": "plain", "locale": "en-GB",
            "channelData": {"tenant": {"id": "t1"}}}
    if mention:
        body["text"] = f"<at>Collaboration Coach</at> {text}"
        body["entities"] = [{"type": "mention", "text": "<at>Collaboration Coach</at>", "mentioned": bot}]
    if value is not None:
        body["value"] = value
    return body


def click(card_action: dict, service_url: str, conversation_id: str, **kw: Any) -> dict:
    """The activity Teams sends when a user clicks an Action.Submit with an msteams messageBack."""
    back = card_action["data"]["msteams"]
    value = back.get("value")
    return activity(back["text"], service_url, conversation_id,
                    value=json.loads(value) if isinstance(value, str) else value, **kw)


def card_of(reply: dict) -> dict:
    (attachment,) = reply["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


def quotes(card: dict) -> list[str]:
    return [run["text"] for c in card["body"] if c["type"] == "Container" and c.get("style") == "emphasis"
            for block in c["items"] if block["type"] == "RichTextBlock" for run in block["inlines"]]


def keys(card: dict, prefix: str) -> list[str]:
    return [e["id"].split(":", 1)[1] for e in card["body"] if e.get("id", "").startswith(prefix + ":")]
