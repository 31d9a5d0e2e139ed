"""Delete conversations nobody has touched for N days: `bot retention --days N` (docs/operations.md).

A conversation's age is the time of its latest event, so an old conversation that someone came back
to yesterday is kept whole. Questions queued for the curator (`bot review`) older than N days go too;
the usage events behind `bot insights` hold no text or sender id and are kept (docs/adr/0010).
Works on the SQL tracker store named in the endpoints file (SQLite by
default, PostgreSQL in production), with the same ${VAR} expansion Rasa uses.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

from bot.config import PROJECT_ROOT
from bot.errors import CoachError

DEFAULT_DAYS = 90  # UK GDPR storage limitation: keep conversations no longer than needed to improve answers
SQL_STORES = ("sql", "bot.server.stores.GuardedSQLTrackerStore")


@dataclass(frozen=True)
class Purge:
    conversations: int
    events: int
    review_texts: int = 0


def tracker_store_config(endpoints: Path) -> Dict[str, Any]:
    """The tracker_store section of an endpoints file, environment variables expanded."""
    from rasa.utils.endpoints import read_endpoint_config

    if not endpoints.exists():
        raise CoachError(f"{endpoints}: no such endpoints file")
    try:
        config = read_endpoint_config(str(endpoints), "tracker_store")
    except Exception as exc:  # noqa: BLE001 - e.g. an unset ${VAR}; one line for the operator
        raise CoachError(f"{endpoints}: {exc}") from exc
    if config is None or config.type not in SQL_STORES:
        kind = config.type if config else "none (in memory)"
        raise CoachError(f"{endpoints}: tracker_store is {kind}; retention needs an SQL tracker store")
    return {"host": config.url, **config.kwargs}


def engine_for(config: Dict[str, Any]):
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.server.stores import resolve_sqlite_db

    dialect = config.get("dialect", "sqlite")
    db = config.get("db", "rasa.db")
    if dialect == "sqlite":
        db = resolve_sqlite_db(db)
    port = int(config["port"]) if config.get("port") else None
    url = SQLTrackerStore.get_db_url(dialect, config.get("host"), port, db, config.get("username"),
                                     config.get("password"), query=config.get("query"))
    return sa.create_engine(url)


def purge(engine, days: float, now: Optional[float] = None, dry_run: bool = False) -> Purge:
    """Delete (or with dry_run only count) conversations whose latest event is older than `days`."""
    import sqlalchemy as sa

    from bot.insights.store import purge_reviews

    cutoff = (now if now is not None else time.time()) - days * 86400
    old = "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"
    with engine.begin() as connection:
        reviews = purge_reviews(connection, cutoff, dry_run)
        if not sa.inspect(connection).has_table("events"):
            return Purge(0, 0, reviews)
        conversations = connection.execute(sa.text(f"SELECT COUNT(*) FROM ({old}) AS old"),
                                           {"cutoff": cutoff}).scalar()
        if dry_run:
            events = connection.execute(sa.text(f"SELECT COUNT(*) FROM events WHERE sender_id IN ({old})"),
                                        {"cutoff": cutoff}).scalar()
        else:
            events = connection.execute(sa.text(f"DELETE FROM events WHERE sender_id IN ({old})"),
                                        {"cutoff": cutoff}).rowcount
    return Purge(int(conversations or 0), int(events or 0), reviews)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=float, default=float(os.environ.get("COACH_RETENTION_DAYS", DEFAULT_DAYS)),
                        help=f"keep conversations active in the last N days (default $COACH_RETENTION_DAYS "
                             f"or {DEFAULT_DAYS})")
    parser.add_argument("--endpoints", default=str(PROJECT_ROOT / "endpoints.yml"),
                        help="endpoints file naming the tracker store")
    parser.add_argument("--dry-run", action="store_true", help="only count what would be deleted")


def cmd_retention(args: argparse.Namespace) -> int:
    if args.days <= 0:
        raise CoachError("--days must be more than 0")
    engine = engine_for(tracker_store_config(Path(args.endpoints)))
    try:
        result = purge(engine, args.days, dry_run=args.dry_run)
    except Exception as exc:  # noqa: BLE001 - database errors as one line, not a traceback
        raise CoachError(f"retention: {type(exc).__name__}: {str(exc).splitlines()[0]}") from exc
    finally:
        engine.dispose()
    verb = "would delete" if args.dry_run else "deleted"
    print(f"retention: {verb} {result.conversations} conversation(s) ({result.events} events) "
          f"inactive for more than {args.days:g} days, and {result.review_texts} queued review text(s)")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="bot retention", description=__doc__.splitlines()[0])
    add_arguments(parser)
    try:
        return cmd_retention(parser.parse_args(argv))
    except CoachError as exc:
        print(f"bot: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
