"""Routes every channel module adds the same way: a channel's status, and a route at the server's top level.

Rasa 3.6 lets a project add HTTP routes only through input channels. Each chat channel answers
`GET /webhooks/<channel>/` with its status (`add_status_route`); the health check and the usage report
are input channels whose url prefix makes their one route top-level (`TopLevelRoute`).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Optional, Text

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse


def add_status_route(webhook: Blueprint, problem: Optional[str] = None) -> None:
    """`GET <channel>/`: {"status": "ok"}, or 503 naming why the channel is off (`problem`)."""

    @webhook.route("/", methods=["GET"])
    async def status(_: Request) -> HTTPResponse:
        if problem:
            return response.json({"status": problem}, status=HTTPStatus.SERVICE_UNAVAILABLE)
        return response.json({"status": "ok"})


class TopLevelRoute(InputChannel):
    """An input channel that only adds `/<route>` to the server (`rasa run` joins an absolute url prefix
    onto "/webhooks/" as is, so the route is top-level)."""

    route = ""

    @classmethod
    def name(cls) -> Text:
        return cls.route

    def url_prefix(self) -> Text:
        return f"/{self.route}"
