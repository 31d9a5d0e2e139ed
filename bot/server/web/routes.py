"""GET routes for the widget bundle and the demo intranet page, added to the socket.io channel's blueprint.

Only the files named here are served (no path from the URL reaches the file system). The bundle is
built from widget/ by `make widget` and committed, so a fresh clone serves it without npm.

Headers: the demo page gets a strict Content-Security-Policy (scripts and styles only from this
server, its one inline <style> allowed by hash, connections only back to this server) and may not be
framed by anyone (`frame-ancestors 'none'`, X-Frame-Options: DENY), so another site cannot overlay it
(clickjacking). The widget files are scripts and styles other origins must load, so they get
`Cross-Origin-Resource-Policy: cross-origin`, `nosniff`, and a CSP that forbids framing or rendering
them as a document. The CSP a host page needs for the widget is in widget/README.md.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
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
NO_FRAMING = {"X-Frame-Options": "DENY"}
FILE_HEADERS = {**HEADERS, **NO_FRAMING, "Cross-Origin-Resource-Policy": "cross-origin",
                "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; sandbox"}
INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


@lru_cache(maxsize=1)
def demo_csp() -> str:
    """The demo page's policy; its inline <style> is allowed by its hash, nothing else inline."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(style.encode('utf-8')).digest()).decode()}'"
                      for style in INLINE_STYLE.findall(DEMO_PAGE.read_text(encoding="utf-8")))
    return ("default-src 'none'; script-src 'self'; "
            f"style-src 'self' {hashes}; connect-src 'self'; img-src 'self' data:; font-src 'self'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def add_routes(webhook: Blueprint) -> None:
    """/widget/<file> and /demo under the channel's prefix (e.g. /webhooks/socketio/demo)."""

    @webhook.route("/widget/<name>", methods=["GET"])
    async def widget_file(_: Request, name: str) -> HTTPResponse:
        mime = WIDGET_FILES.get(name)
        path = STATIC_DIR / name
        if mime is None or not path.is_file():
            return response.text("Not found", status=404)
        return await response.file(path, mime_type=mime, headers=dict(FILE_HEADERS))

    @webhook.route("/demo", methods=["GET"])
    async def demo(request: Request) -> HTTPResponse:
        # ?mode=inline shows the panel in the page instead of the floating launcher.
        mode = request.args.get("mode", "launcher")
        page = DEMO_PAGE.read_text(encoding="utf-8").replace("{{mode}}", mode if mode in MODES else "launcher")
        return response.html(page, headers={**HEADERS, **NO_FRAMING, "Referrer-Policy": "same-origin",
                                            "Content-Security-Policy": demo_csp()})
