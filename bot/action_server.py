"""Start the Rasa action server with the knowledge and index loaded once, before the first request.

    python -m bot.action_server [--port 5055]

A knowledge or index problem stops start-up with one readable line instead of failing on the first
question.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from bot.errors import CoachError

log = logging.getLogger("bot.action_server")


def main() -> int:
    parser = argparse.ArgumentParser(description="Collaboration Coach action server")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_SERVER_PORT", 5055)))
    parser.add_argument("--host", default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from bot.engine import load_engine

    try:
        engine = load_engine()
    except CoachError as exc:
        print(f"action server: {exc}", file=sys.stderr)
        return 1

    from rasa_sdk.endpoint import create_app
    from sanic import response

    app = create_app("actions", cors_origins=[])

    @app.get("/ready")
    async def ready(_request):
        """Readiness: the knowledge and index are loaded and answer a query."""
        hits = engine.retriever.retrieve("trust between partners").items
        return response.json({"status": "ok", "items": len(engine.knowledge.items), "top": hits[0].item_id})

    log.info("action server on http://%s:%d (%d knowledge items)", args.host, args.port, len(engine.knowledge.items))
    app.run(args.host, args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
