"""Start the Rasa action server with the knowledge and index loaded once, before the first request.

    python -m bot.server.action_server [--port 5055]

A knowledge or index problem stops start-up with one readable line instead of failing on the first
question.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from bot.errors import CoachError

log = logging.getLogger("bot.server.action_server")


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

    from bot.engine import load_engine

    try:
        engine = load_engine()
    except CoachError as exc:
        print(f"action server: {exc}", file=sys.stderr)
        return 1

    from rasa_sdk.endpoint import create_app
    from sanic import response

    from bot.server import prefetch
    from bot.answer import compose

    app = create_app("actions", cors_origins=[])
    # A new question is always composed with a fresh memory (actions.ActionAnswerQuestion), so its
    # answer can be started from its text alone, before the action asks for it.
    answers = prefetch.serve_answers(lambda text: compose.compose_answer(text, engine, compose.Memory()))

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
        if not isinstance(text, str) or not answers.start(text):
            return response.json({"error": "expected {\"text\": \"a question\"} of 1 to "
                                           f"{prefetch.MAX_TEXT_CHARS} characters"}, status=400)
        return response.json({"status": "started"}, status=202)

    log.info("action server on http://%s:%d (%d knowledge items)", args.host, args.port, len(engine.knowledge.items))
    app.run(args.host, args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
