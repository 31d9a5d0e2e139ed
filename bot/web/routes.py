"""GET routes for the widget bundle and the demo intranet page, added to the socket.io channel's blueprint.

Only the files named here are served (no path from the URL reaches the file system). The bundle is
built from widget/ by `make widget` and committed, so a fresh clone serves it without npm.
"""

from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
DEMO_PAGE = WEB_DIR / "demo.html"
WIDGET_FILES = {
    "coach-widget.js": "application/javascript; charset=utf-8",
    "coach-widget.css": "text/css; charset=utf-8",
}
MODES = ("launcher", "inline")
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}


def add_routes(webhook: Blueprint) -> None:
    """/widget/<file> and /demo under the channel's prefix (e.g. /webhooks/socketio/demo)."""

    @webhook.route("/widget/<name>", methods=["GET"])
    async def widget_file(_: Request, name: str) -> HTTPResponse:
        mime = WIDGET_FILES.get(name)
        path = STATIC_DIR / name
        if mime is None or not path.is_file():
            return response.text("Not found", status=404)
        return await response.file(path, mime_type=mime, headers=dict(HEADERS))

    @webhook.route("/demo", methods=["GET"])
    async def demo(request: Request) -> HTTPResponse:
        # ?mode=inline shows the panel in the page instead of the floating launcher.
        mode = request.args.get("mode", "launcher")
        page = DEMO_PAGE.read_text(encoding="utf-8").replace("{{mode}}", mode if mode in MODES else "launcher")
        return response.html(page, headers={**HEADERS, "Referrer-Policy": "same-origin"})
