"""Start the Rasa action server with the engine built once, before the first request, and handed to
every action.

    python -m bot.server.action_server [--port 5055]

A knowledge or index problem stops start-up with one readable line instead of failing on the first
question. rasa_sdk's own `create_app` would construct each action class itself with no arguments, so
this server registers instances instead: `actions.wiring.actions_for(engine)` (ADR 0013). The routes
Rasa uses (`/webhook`, `/health`, `/actions`) behave as rasa_sdk's do.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import zlib
from typing import Any, Callable

from bot.engine import Engine, start_engine
from bot.errors import CoachError

log = logging.getLogger("bot.server.action_server")


def create_app(engine: Engine, compose: Callable[[str], Any]) -> Any:
    """The action server's Sanic app: every action registered with `engine`, answers prefetched with
    `compose`, and /ready for health checks."""
    from rasa_sdk import utils
    from rasa_sdk.executor import ActionExecutor
    from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
    from sanic import Sanic, response

    from actions.wiring import actions_for
    from bot.server import prefetch

    executor = ActionExecutor()
    for action in actions_for(engine):
        executor.register_action(action)
    app = Sanic("coach_actions", configure_logging=False)
    answers = prefetch.serve_answers(compose)

    @app.get("/health")
    async def health(_request):
        return response.json({"status": "ok"})

    @app.get("/actions")
    async def registered(_request):
        return response.json([{"name": name} for name in executor.actions])

    @app.post("/webhook")
    async def webhook(request):
        """Run the action Rasa names, as rasa_sdk's endpoint does (a deflated body too)."""
        try:
            body = zlib.decompress(request.body) if request.headers.get("Content-Encoding") == "deflate" \
                else request.body
            call = json.loads(body or b"null")
        except (ValueError, zlib.error):
            call = None
        if not isinstance(call, dict):
            return response.json({"error": "Invalid body request"}, status=400)
        utils.check_version_compatibility(call.get("version"))
        try:
            return response.json(await executor.run(call))
        except ActionExecutionRejection as exc:
            log.debug(exc)
            return response.json({"error": exc.message, "action_name": exc.action_name}, status=400)
        except ActionNotFoundException as exc:
            log.error(exc)
            return response.json({"error": exc.message, "action_name": exc.action_name}, status=404)

    @app.exception(Exception)
    async def failed(request, exception: Exception):
        log.error("action call failed: %s", exception, exc_info=exception)
        return response.json({"error": str(exception)}, status=500)

    @app.get("/ready")
    async def ready(_request):
        """Readiness: the knowledge and index are loaded and answer a query."""
        hits = engine.retriever.retrieve("trust between partners").items
        return response.json({"status": "ok", "items": len(engine.knowledge.items), "top": hits[0].item_id,
                              "prefetch": answers.stats()})

    @app.post("/prefetch")
    async def start_answer(request):
        """Start composing the answer to {"text": ...}; Rasa's NLU sends it (bot.server.prefetch)."""
        try:
            text = json.loads(request.body or b"null").get("text")
        except (ValueError, AttributeError):
            text = None
        launch = answers.reserve(text) if isinstance(text, str) else None
        if launch is None:
            return response.json({"error": "expected {\"text\": \"a question\"} of 1 to "
                                           f"{prefetch.MAX_TEXT_CHARS} characters"}, status=400)
        # Reply first, then start composing. Woken while this server was still replying, the worker
        # ran on the core Rasa had just left to wait for the reply and shared it with Rasa's NLU while
        # the other core idled: +7 ms on a Q&A turn (ADR 0006, addendum of 6 December, third session).
        try:
            reply = await request.respond(status=202, content_type="application/json")
            await reply.send(b'{"status": "started"}', end_stream=True)
        finally:
            launch()  # also if the reply failed: Rasa may still ask for the answer, and must not wait

    return app


def main() -> int:
    parser = argparse.ArgumentParser(description="Collaboration Coach action server")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_SERVER_PORT", 5055)))
    parser.add_argument("--host", default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The action server sees every question (and the coaching slots) too: whatever a library logs of
    # them here is masked like the Rasa process's logs.
    from bot.privacy import install_log_masking

    install_log_masking()

    try:
        engine = start_engine()
    except CoachError as exc:
        print(f"action server: {exc}", file=sys.stderr)
        return 1

    from bot.answer import compose

    # A new question is always composed with a fresh memory (actions.ActionAnswerQuestion), so its
    # answer can be started from its text alone, before the action asks for it.
    app = create_app(engine, lambda text: compose.compose_answer(text, engine, compose.Memory()))
    log.info("action server on http://%s:%d (%d knowledge items)", args.host, args.port, len(engine.knowledge.items))
    app.run(args.host, args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
