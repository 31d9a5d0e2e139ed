"""The REST channel: each answer as one message (text, buttons, payload), and client errors as 4xx.

Differences from Rasa 3.6.21's stock `rest` channel, and why:
- the stock CollectingOutputChannel splits a message that has both text and a custom payload into
  two list entries, so a client cannot tell which payload belongs to which text; here they stay one;
- the stock channel answers malformed JSON or a missing sender with a 500 or a silent `[]`; here the
  client gets a 400 that says what is wrong;
- the stock channel swallows a failure while handling the message and returns `[]`; here the user
  always gets a reply, and an empty one is replaced by a polite "briefly unavailable".
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.messages import canned_text

log = logging.getLogger(__name__)

MESSAGE_KEYS = ("text", "buttons", "image", "attachment", "custom", "quick_replies", "elements")
MAX_SENDER_CHARS = 256


class AnswerCollectingOutputChannel(CollectingOutputChannel):
    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        entry: Dict[Text, Any] = {"recipient_id": recipient_id}
        entry.update({k: message[k] for k in MESSAGE_KEYS if message.get(k)})
        if len(entry) > 1:
            self.messages.append(entry)


def unavailable_message(recipient_id: Text) -> Dict[Text, Any]:
    status = "error_knowledge_unavailable"
    return {"recipient_id": recipient_id, "text": canned_text(f"utter_{status}"),
            "custom": {"answer": {"status": status, "answer_id": "", "enabler": None, "challenge": None,
                                  "example": None, "fact": None, "try_this": None, "citations": [],
                                  "buttons": []}}}


def client_error(reason: str, status: int = 400) -> HTTPResponse:
    return response.json({"error": reason}, status=status)


def parse_body(request: Request) -> tuple[Dict[Text, Any] | None, str | None]:
    """The request's JSON body, or a reason it is unusable."""
    try:
        body = json.loads(request.body.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "the request body must be UTF-8 encoded JSON"
    except ValueError:
        return None, "the request body must be JSON: {\"sender\": \"...\", \"message\": \"...\"}"
    if not isinstance(body, dict):
        return None, "the request body must be a JSON object"
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        return None, "'sender' is required: a non-empty string that identifies the conversation"
    if len(sender) > MAX_SENDER_CHARS:
        return None, f"'sender' must be at most {MAX_SENDER_CHARS} characters"
    if not isinstance(body.get("message"), str):
        return None, "'message' is required and must be a string"
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        return None, "'metadata' must be a JSON object"
    return body, None


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def get_output_channel(self) -> CollectingOutputChannel:
        return AnswerCollectingOutputChannel()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body, problem = parse_body(request)
            if problem:
                return client_error(problem)
            assert body is not None
            sender = body["sender"]
            collector = self.get_output_channel()
            try:
                await on_new_message(UserMessage(body["message"], collector, sender,
                                                 input_channel=self.name(), metadata=body.get("metadata")))
            except Exception:  # noqa: BLE001 - the user gets a polite reply, operators the traceback
                log.exception("rest: handling a message from %s failed", sender)
            if not collector.messages:
                log.error("rest: no reply for %s (is the action server up?)", sender)
                collector.messages.append(unavailable_message(sender))
            return response.json(collector.messages)

        return webhook
