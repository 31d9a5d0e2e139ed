"""`bot insights` and `bot review`: the report for the owner and the queue for the curator.

    bot insights --out insights.html [--since 30d] [--format html|csv]
    bot review [--since 30d]                 # the queue, each with the three nearest knowledge items
    bot review --accept N ITEM_ID            # add entry N's phrasing to ITEM_ID's question bank
    bot review --reject N                    # hide entry N

Both read the conversations database named by the endpoints file (as `bot retention` does).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Optional

from bot.config import PROJECT_ROOT, load_settings
from bot.errors import CoachError


def _engine(args: argparse.Namespace) -> Any:
    from bot.server.retention import engine_for, tracker_store_config

    return engine_for(tracker_store_config(Path(args.endpoints)))


def _since(args: argparse.Namespace) -> Optional[float]:
    from bot.insights import report, store

    if args.since in (None, "all"):
        return None
    try:
        return store.now() - report.parse_since(args.since)
    except ValueError as exc:
        raise CoachError(str(exc)) from None


def _database_error(exc: Exception) -> CoachError:
    return CoachError(f"insights: cannot read the conversations database: {type(exc).__name__}: "
                      f"{str(exc).splitlines()[0] if str(exc) else ''}")


def cmd_insights(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from bot.insights import report

    since = _since(args)
    settings = load_settings(args.config)
    threshold = report.min_conversations(args.config)
    engine = _engine(args)
    try:
        built = report.build(engine, since, report.titles_from(settings.knowledge_dir), threshold)
    except sa.exc.SQLAlchemyError as exc:
        raise _database_error(exc) from exc
    finally:
        engine.dispose()
    text = report.csv_text(built) if args.format == "csv" else report.html(built)
    if not args.out or args.out == "-":
        sys.stdout.write(text)
        return 0
    Path(args.out).write_text(text, encoding="utf-8")
    turns = dict(built.headline).get("Turns", "0")
    print(f"insights: {args.format.upper()} report for {report.period(built)} ({turns} turns) written to {args.out}")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from bot.insights import review

    engine = _engine(args)
    try:
        if args.accept:
            number, item_id = args.accept
            settings = load_settings(args.config)
            path, text = review.accept(engine, _number(number), item_id, settings.knowledge_dir)
            shown = Path(path).relative_to(PROJECT_ROOT) if Path(path).is_relative_to(PROJECT_ROOT) else path
            print(f"review: added \"{text}\" to the question bank of '{item_id}' in {shown}; the knowledge "
                  "validates.\nNext: run `make index` so answers use it (`make run` also regenerates the NLU "
                  "examples and retrains Rasa).")
            return 0
        if args.reject is not None:
            text = review.reject(engine, _number(args.reject))
            print(f"review: \"{text}\" is hidden from the queue.")
            return 0
        entries = review.queue(engine, _since(args))
    except sa.exc.SQLAlchemyError as exc:
        raise _database_error(exc) from exc
    finally:
        engine.dispose()
    if entries and not args.no_nearest:
        try:
            from bot.engine import Engine

            review.add_nearest(entries, Engine.build(load_settings(args.config)))
        except CoachError as exc:
            print(f"bot: nearest items not shown: {exc}", file=sys.stderr)
    print(review.render(entries))
    if entries:
        print("\nAccept a phrasing with `bot review --accept N ITEM_ID`, hide it with `bot review --reject N`.")
    return 0


def _number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise CoachError(f"review: {value!r} is not an entry number (the first column of `bot review`)") from None


def add_parsers(sub: argparse._SubParsersAction) -> None:
    endpoints = str(PROJECT_ROOT / "endpoints.yml")
    p = sub.add_parser("insights", help="usage report: what leaders asked, how answers landed (HTML or CSV)")
    p.add_argument("--out", help="file to write (default: standard output)")
    p.add_argument("--since", default="30d", help="period: 30d (default), 12w, 48h, or all")
    p.add_argument("--format", choices=("html", "csv"), default="html")
    p.add_argument("--endpoints", default=endpoints, help="endpoints file naming the tracker store")
    p.set_defaults(func=cmd_insights)
    p = sub.add_parser("review", help="the curator's queue of declined, clarified and unhelpful questions")
    p.add_argument("--since", default="30d", help="period: 30d (default), 12w, 48h, or all")
    p.add_argument("--accept", nargs=2, metavar=("N", "ITEM_ID"), help="add entry N's phrasing to ITEM_ID's bank")
    p.add_argument("--reject", metavar="N", help="hide entry N from the queue")
    p.add_argument("--no-nearest", action="store_true", help="skip the nearest knowledge items (no model load)")
    p.add_argument("--endpoints", default=endpoints, help="endpoints file naming the tracker store")
    p.set_defaults(func=cmd_review)
