"""Conversation storage that fails loudly, masks personal data, and can be health-checked.

Rasa 3.6.21 wraps every tracker store in a `FailSafeTrackerStore`: when the database is unreachable
it logs one line and carries on with a blank in-memory tracker, so the user silently loses the
conversation's history, slots and step. `fail_loudly(agent)` replaces that fallback with an exception
(`StoreUnavailable`) that the REST channel turns into a 503 "briefly unavailable" reply
(docs/adr/0005-fail-loudly-when-conversations-cannot-be-stored.md).

`GuardedSQLTrackerStore` is Rasa's SQL store (SQLite by default, PostgreSQL in production) plus:
- personal data is masked (`bot.privacy.mask_data`) in every event as it is written: user text and
  its parse data and metadata, bot messages with their payloads (the coaching plan), slot values;
- a relative SQLite path is resolved against the project root, so every command finds the same file,
  and COACH_CONVERSATIONS_DB overrides it (tests and throwaway runs keep their own file);
- PostgreSQL connections time out after a few seconds instead of hanging a turn, and pooled
  connections are checked before use, so the first turn after a database restart does not fail;
- the last error is remembered for the health check, and `ping()` checks the database.

Configured in endpoints.yml as `tracker_store: {type: bot.server.stores.GuardedSQLTrackerStore, ...}`.
"""

from __future__ import annotations

import inspect
import logging
import os
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, Iterator, Optional, Text, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore, TrackerStore, create_engine_kwargs
from rasa.shared.core.events import BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import PROJECT_ROOT
from bot.server.insights_hook import RecordsUsageEvents
from bot.privacy import mask_data, mask_pii

log = logging.getLogger(__name__)

T = TypeVar("T")

# libpq's connect timeout (seconds): an unreachable database fails the turn quickly instead of
# holding the conversation lock until it expires.
POSTGRES_CONNECT_TIMEOUT = "5"


class StoreUnavailable(Exception):
    """The conversation store could not be read or written, so the turn must not go ahead."""


def mask_event(event: Event) -> Event:
    """Mask personal data in every text an event stores, in place (nested values are replaced, not
    edited, so a reply already handed to a channel is not changed under it)."""
    if isinstance(event, UserUttered):
        if event.text:
            event.text = mask_pii(event.text)
        event.parse_data = mask_data(event.parse_data)
        if isinstance(getattr(event, "metadata", None), dict):
            event.metadata = mask_data(event.metadata)
    elif isinstance(event, BotUttered):
        if event.text:
            event.text = mask_pii(event.text)
        event.data = mask_data(event.data)
    elif isinstance(event, SlotSet):
        event.value = mask_data(event.value)
    return event


def resolve_sqlite_db(db: str) -> str:
    """The SQLite file to use: COACH_CONVERSATIONS_DB or `db`, relative to the project root, folder created."""
    path = Path(os.environ.get("COACH_CONVERSATIONS_DB") or db)
    if not path.is_absolute():
        path = PROJECT_ROOT / path
    path.parent.mkdir(parents=True, exist_ok=True)
    return str(path)


# RecordsUsageEvents (bot/insights, docs/adr/0010): each saved turn's usage event is written in the
# same transaction as the turn.
class GuardedSQLTrackerStore(RecordsUsageEvents, SQLTrackerStore):
    """Rasa's SQL tracker store that masks user text, records failures and can be pinged."""

    def __init__(self, domain=None, dialect: Text = "sqlite", host: Optional[Text] = None,
                 port: Optional[int] = None, db: Text = "build/conversations.db", username: Text = None,
                 password: Text = None, event_broker=None, login_db: Optional[Text] = None,
                 query: Optional[Dict] = None, **kwargs: Any) -> None:
        if dialect == "sqlite":
            db = resolve_sqlite_db(db)
        elif dialect.startswith("postgresql"):
            query = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT, **(query or {})}
        self.last_error: Optional[str] = None
        self.last_error_at: Optional[float] = None
        super().__init__(domain, dialect, host, port, db, username, password, event_broker, login_db, query,
                         **kwargs)
        # Same engine, plus a pre-ping: a connection the database dropped (restart, failover) is
        # replaced on checkout instead of failing the next turn. Costs one `SELECT 1` per checkout.
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        log.info("conversations are stored in %s", self.engine.url.render_as_string(hide_password=True))

    async def _guard(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            result = await call()
        except Exception as exc:  # noqa: BLE001 - any storage failure must stop the turn
            self.last_error, self.last_error_at = f"{what} failed: {type(exc).__name__}: {exc}", time.time()
            log.error("tracker store: %s", self.last_error)
            raise StoreUnavailable(self.last_error) from exc
        self.last_error = None
        return result

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._guard("reading a conversation", lambda: super(GuardedSQLTrackerStore, self)
                                 .retrieve(sender_id))

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return await self._guard("reading a conversation", lambda: super(GuardedSQLTrackerStore, self)
                                 .retrieve_full_tracker(conversation_id))

    async def keys(self) -> Iterable[Text]:
        return await self._guard("listing conversations", lambda: super(GuardedSQLTrackerStore, self).keys())

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        # Exactly the events about to be written; channels mask on the way in, this is the defence
        # for everything derived later (decoded text in slots, the plan, bot messages).
        return (mask_event(event) for event in super()._additional_events(session, tracker))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._guard("saving a conversation", lambda: super(GuardedSQLTrackerStore, self).save(tracker))

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))


def _raise_unavailable(error: Exception) -> None:
    log.error("tracker store unavailable; refusing to continue with a blank conversation: %s", error)
    raise StoreUnavailable(str(error)) from error


_unguarded_logged = False


def _has_error_hook(store: Any) -> bool:
    # Rasa 3.6.21 keeps the constructor's `on_tracker_store_error` as this private attribute; check it is
    # still there (and still a constructor argument) before relying on it, rather than setting a new
    # attribute Rasa never reads.
    return (hasattr(store, "_on_tracker_store_error")
            and "on_tracker_store_error" in inspect.signature(FailSafeTrackerStore.__init__).parameters)


def fail_loudly(agent: Any) -> bool:
    """Make the agent's tracker store raise instead of silently falling back to memory (idempotent).

    True when storage failures now stop the turn (or there is no fail-safe wrapper to disarm); False,
    with an ERROR logged once, when this Rasa's wrapper has no hook to do it with."""
    global _unguarded_logged
    store = getattr(agent, "tracker_store", None)
    if not isinstance(store, FailSafeTrackerStore):
        return True
    if getattr(store, "_on_tracker_store_error", None) is _raise_unavailable:
        return True
    if not _has_error_hook(store):
        if not _unguarded_logged:
            log.error("tracker store: this Rasa's FailSafeTrackerStore has no on_tracker_store_error hook, so a "
                      "storage failure would silently continue with a blank conversation")
            _unguarded_logged = True
        return False
    # The constructor argument Rasa offers for exactly this; Agent builds the wrapper without it.
    store._on_tracker_store_error = _raise_unavailable
    return True


def fails_loudly(agent: Any) -> bool:
    """Whether a storage failure stops the turn (what GET /health reports), without changing anything."""
    store = getattr(agent, "tracker_store", None)
    return not isinstance(store, FailSafeTrackerStore) or \
        getattr(store, "_on_tracker_store_error", None) is _raise_unavailable


def primary_store(agent: Any) -> Optional[TrackerStore]:
    """The configured tracker store behind Rasa's FailSafe (and awaitable) wrappers."""
    store = getattr(agent, "tracker_store", None)
    while store is not None and hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store
