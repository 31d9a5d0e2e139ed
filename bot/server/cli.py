"""The `bot` command as installed: the core commands (bot/cli.py) plus the ones that read the
conversation store through Rasa's tracker-store configuration — `retention`, `insights`, `review`.

They live here because the store is the server side's (ADR 0004): the core's `python -m bot.cli`
validates, indexes, answers and evaluates without importing Rasa.
"""

from __future__ import annotations

import sys
from typing import Optional, Sequence

from bot import cli
from bot.server.insights_cli import add_parsers as add_insights_parsers
from bot.server.retention import add_arguments, cmd_retention


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser, sub = cli.build_parser()
    p = sub.add_parser("retention", help="delete conversations inactive for more than N days")
    add_arguments(p)
    p.set_defaults(func=cmd_retention)
    add_insights_parsers(sub)  # `bot insights`, `bot review`
    return cli.main(argv, parser)


if __name__ == "__main__":
    sys.exit(main())
