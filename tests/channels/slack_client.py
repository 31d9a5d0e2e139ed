"""Build signed Slack Events API and interactivity requests, as Slack sends them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any, Optional
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret"
BOT_USER = "UBOTCOACH"


def signed_headers(body: bytes, content_type: str, timestamp: Optional[int] = None,
                   secret: str = SIGNING_SECRET) -> dict:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def event_body(text: str, channel: str, user: str = "UALEX", kind: str = "app_mention",
               thread_ts: Optional[str] = None, event_id: Optional[str] = None) -> dict:
    ts = f"{time.time():.6f}"
    event = {"type": kind, "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts,
             "client_msg_id": str(uuid.uuid4())}
    if kind == "message":
        event["channel_type"] = "im"
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {"token": "unused", "team_id": "TPARTNER", "api_app_id": "ACOACH", "type": "event_callback",
            "event": event, "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": "TPARTNER", "user_id": BOT_USER, "is_bot": True}]}


def json_request(body: dict, content_type: str = "application/json; charset=utf-8",
                 **sign: Any) -> tuple[bytes, dict]:
    raw = json.dumps(body).encode()
    return raw, signed_headers(raw, content_type, **sign)


def click(post: dict, button: dict, user: str = "UALEX") -> tuple[bytes, dict]:
    """The block_actions request Slack sends when `user` clicks `button` on the bot's `post`."""
    channel, posted_ts = post["channel"], post["_ts"]
    message = {"type": "message", "ts": posted_ts, "text": post.get("text", ""), "blocks": post.get("blocks", [])}
    container = {"type": "message", "message_ts": posted_ts, "channel_id": channel, "is_ephemeral": False}
    if post.get("thread_ts"):
        message["thread_ts"] = container["thread_ts"] = post["thread_ts"]
    payload = {"type": "block_actions", "user": {"id": user, "team_id": "TPARTNER"}, "api_app_id": "ACOACH",
               "team": {"id": "TPARTNER"}, "channel": {"id": channel}, "container": container,
               "message": message, "trigger_id": "1.2.3", "response_url": "http://127.0.0.1:9/unused",
               "actions": [{"type": "button", "action_id": button["action_id"], "block_id": "b",
                            "text": button["text"], "value": button["value"], "action_ts": f"{time.time():.6f}"}]}
    raw = urlencode({"payload": json.dumps(payload)}).encode()
    return raw, signed_headers(raw, "application/x-www-form-urlencoded")


def buttons(post: dict) -> list[dict]:
    return [e for b in post.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def quotes(post: dict) -> list[str]:
    return [t["text"] for b in post.get("blocks", []) if b["type"] == "rich_text"
            for q in b["elements"] if q["type"] == "rich_text_quote" for t in q["elements"] if t["type"] == "text"]


def keys(post: dict, prefix: str) -> list[str]:
    """Ids carried in block ids, e.g. keys(post, "enabler") -> ["maintaining_open_frequent_communication"]."""
    return [b["block_id"].split(":", 1)[1] for b in post.get("blocks", [])
            if b.get("block_id", "").startswith(prefix + ":")]
