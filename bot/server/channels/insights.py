"""GET /insights: the usage report (`bot insights`) served by the running bot, for the report's owner.

Off unless COACH_INSIGHTS_TOKEN is set (at least 16 characters): then the route answers 404, as if
it did not exist. With it set, a request needs `Authorization: Bearer <token>` (401 otherwise) and
gets the HTML report; `?since=30d|12w|48h|all` and `?format=csv` work as on the command line.
Registered in credentials.yml as `bot.server.channels.insights.InsightsInput:` (an input channel, because
that is how Rasa 3.6 lets us add a route); the url prefix "/insights" makes the route top-level.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.server import stores
from bot.server.channels.access import bearer_matches
from bot.server.channels.routes import TopLevelRoute

log = logging.getLogger(__name__)

TOKEN_ENV = "COACH_INSIGHTS_TOKEN"
MIN_TOKEN_CHARS = 16
CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'"


def configured_token() -> Optional[str]:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token and len(token) < MIN_TOKEN_CHARS:
        log.error("GET /insights is off: %s is shorter than %d characters", TOKEN_ENV, MIN_TOKEN_CHARS)
        return None
    return token or None


def render(engine: Any, since: str, fmt: str) -> tuple[int, str, str]:
    """(status, body, content type) of the report; a bad query is a 400 that says what is wrong."""
    from bot.config import load_settings
    from bot.insights import report, store

    try:
        start = None if since == "all" else store.now() - report.parse_since(since)
    except ValueError as exc:
        return 400, str(exc).replace("--since", "since") + "\n", "text/plain; charset=utf-8"
    built = report.build(engine, start, report.titles_from(load_settings().knowledge_dir),
                         report.min_conversations())
    if fmt == "csv":
        return 200, report.csv_text(built), "text/csv; charset=utf-8"
    return 200, report.html(built), "text/html; charset=utf-8"


class InsightsInput(TopLevelRoute):
    route = "insights"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        insights = Blueprint("coach_insights", __name__)
        token = configured_token()
        if token is None:
            log.info("GET /insights is off: set %s to serve the usage report", TOKEN_ENV)

        @insights.route("/", methods=["GET"], strict_slashes=False)
        async def report(request: Request) -> HTTPResponse:
            if token is None:
                return response.text("Not Found", status=404)
            if not bearer_matches(request.headers.get("Authorization"), token):
                return response.text("Unauthorised: send Authorization: Bearer <token>\n", status=401,
                                     headers={"WWW-Authenticate": 'Bearer realm="insights"'})
            store = stores.primary_store(getattr(request.app.ctx, "agent", None))
            if store is None or not hasattr(store, "engine"):
                return response.text("The usage report needs the SQL tracker store.\n", status=503)
            fmt = "csv" if request.args.get("format") == "csv" else "html"
            loop = asyncio.get_running_loop()
            try:
                status, body, kind = await loop.run_in_executor(
                    None, render, store.engine, request.args.get("since", "30d"), fmt)
            except Exception as exc:  # noqa: BLE001 - a database fault is a 503, not a traceback
                log.error("GET /insights failed: %s: %s", type(exc).__name__, exc)
                return response.text("The usage report is briefly unavailable.\n", status=503)
            return response.text(body, status=status, content_type=kind,
                                 headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                                          # The report has no scripts and loads nothing: say so.
                                          "Content-Security-Policy": CSP})

        return insights
