"""The insight tables, next to Rasa's `events` table in the conversations database.

- `insight_events`: one row per turn (`UsageEvent`); no text, no sender id; kept by `bot retention`;
- `insight_review`: one row per queued question (masked text); deleted by `bot retention` with the
  conversations, so a text is kept no longer than the conversation it came from;
- `insight_review_decision`: the curator's accept / reject per phrasing (by its hash, no text).

Rows are written inside the tracker store's own session (`write`), so a turn and its event are
committed together or not at all. Tables are created on first use, for SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Iterable, Iterator, Optional

import sqlalchemy as sa

from bot.insights.events import ReviewText, UsageEvent

metadata = sa.MetaData()
_ID = 64

usage_events = sa.Table(
    "insight_events", metadata,
    sa.Column("id", sa.Integer, sa.Sequence("insight_events_seq"), primary_key=True),
    sa.Column("hour", sa.BigInteger, nullable=False, index=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("conversation", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("status_detail", sa.String(40)),
    sa.Column("challenge", sa.String(_ID)),
    sa.Column("enabler", sa.String(_ID)),
    sa.Column("example", sa.String(_ID)),
    sa.Column("theme", sa.String(_ID)),
    sa.Column("choice", sa.String(_ID)),
    sa.Column("feedback", sa.String(16)),
    sa.Column("rated_enabler", sa.String(_ID)),
    sa.Column("coaching_step", sa.String(16)),
    sa.Column("health_motivations", sa.Float),
    sa.Column("health_structures", sa.Float),
    sa.Column("health_relationships", sa.Float),
)

review_texts = sa.Table(
    "insight_review", metadata,
    sa.Column("id", sa.Integer, sa.Sequence("insight_review_seq"), primary_key=True),
    sa.Column("at", sa.BigInteger, nullable=False, index=True),
    sa.Column("text_key", sa.String(64), nullable=False, index=True),
    sa.Column("reason", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)

review_decisions = sa.Table(
    "insight_review_decision", metadata,
    sa.Column("text_key", sa.String(64), primary_key=True),
    sa.Column("decision", sa.String(16), nullable=False),  # "accepted" | "rejected"
    sa.Column("item_id", sa.String(_ID)),
    sa.Column("at", sa.BigInteger, nullable=False),
)

EVENT_COLUMNS = [c.name for c in usage_events.columns if c.name != "id"]

_ready: set[str] = set()
_ready_lock = threading.Lock()


def ensure_tables(engine: sa.engine.Engine) -> None:
    """Create the insight tables if missing (once per database per process)."""
    url = engine.url.render_as_string(hide_password=False)
    if url in _ready:
        return
    with _ready_lock:
        if url not in _ready:
            try:
                metadata.create_all(engine)
            except sa.exc.SQLAlchemyError:
                # Another replica created them at the same moment: fine if they now exist.
                if not sa.inspect(engine).has_table(usage_events.name):
                    raise
            _ready.add(url)


def write(connection: Any, events: Iterable[UsageEvent], reviews: Iterable[ReviewText]) -> None:
    """Insert on `connection` (an ORM session or a Core connection), inside its transaction."""
    rows = [e.row() for e in events]
    if rows:
        connection.execute(usage_events.insert(), rows)
    texts = [{"at": r.at, "text_key": r.key, "reason": r.reason, "text": r.text} for r in reviews]
    if texts:
        connection.execute(review_texts.insert(), texts)


def event_rows(engine: sa.engine.Engine, since: Optional[float]) -> Iterator[tuple]:
    """Every usage event since a unix time (None: all), as tuples in EVENT_COLUMNS order."""
    ensure_tables(engine)
    columns = [usage_events.c[name] for name in EVENT_COLUMNS]
    query = sa.select(*columns)
    if since is not None:
        query = query.where(usage_events.c.hour >= int(since // 3600 * 3600))
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True).execute(query)
        for chunk in iter(lambda: result.fetchmany(10000), []):
            yield from (tuple(row) for row in chunk)


def purge_reviews(connection: Any, cutoff: float, dry_run: bool = False) -> int:
    """Delete (or count) review texts and decisions older than `cutoff`; the usage events stay."""
    if not sa.inspect(connection).has_table(review_texts.name):
        return 0
    old_texts = review_texts.c.at < cutoff
    if dry_run:
        return int(connection.execute(sa.select(sa.func.count()).where(old_texts)).scalar() or 0)
    deleted = connection.execute(review_texts.delete().where(old_texts)).rowcount
    connection.execute(review_decisions.delete().where(review_decisions.c.at < cutoff))
    return int(deleted or 0)


def now() -> float:
    return time.time()
