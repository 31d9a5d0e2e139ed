"""Record a turn's usage event in the same transaction as the turn (the one part that knows Rasa).

`RecordsUsageEvents` is mixed into `bot.server.stores.GuardedSQLTrackerStore`. Rasa's `SQLTrackerStore.save`
asks `_additional_events(session, tracker)` for the events it has not stored yet, inside its own
session; the mixin passes them to `record_turn`, whose rows are committed by the same
`session.commit()`, so a turn is stored with its event or not at all. A fault in deriving the event
(never in writing it) is logged and skipped: a conversation matters more than a count.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Iterator, Mapping, Optional

from rasa.shared.core.events import BotUttered, Event, UserUttered

from bot.insights import events as ev
from bot.insights import store

log = logging.getLogger(__name__)


def _earlier(tracker: Any, stored: int) -> Iterator[Mapping[str, Any]]:
    """The stored events before this save's, newest first; only user and bot events are needed."""
    history = list(tracker.events)[:stored]
    for event in reversed(history):
        if isinstance(event, (UserUttered, BotUttered)):
            yield event.as_dict()


def _previous_status(tracker: Any, stored: int) -> Optional[str]:
    for event in _earlier(tracker, stored):
        answer = ev.answer_of(event)
        if answer is not None:
            return str(answer["status"])
    return None


def derive(tracker: Any, new_events: list[Event]) -> list[ev.Turn]:
    if not any(isinstance(e, UserUttered) for e in new_events):
        return []
    stored = len(tracker.events) - len(new_events)
    as_dicts = [e.as_dict() for e in new_events]
    previous: Optional[str] = None
    first_user = next(i for i, e in enumerate(new_events) if isinstance(e, UserUttered))
    if as_dicts[first_user].get("parse_data", {}).get("intent", {}).get("name") == "choose_topic":
        previous = _previous_status(tracker, stored)  # only a clarification choice needs it
    slots = tracker.current_slot_values()
    return ev.derive_turns(tracker.sender_id, as_dicts, slots, lambda: _earlier(tracker, stored), previous)


def record_turn(session: Any, tracker: Any, new_events: Iterable[Event]) -> None:
    """Add the turn's usage event(s) and review texts to `session` (not committed here)."""
    new_events = list(new_events)
    try:
        turns = derive(tracker, new_events)
    except Exception:  # noqa: BLE001 - a bug here must not cost the user the conversation
        log.exception("insights: could not derive the usage event of a turn; it is not counted")
        return
    if not turns:
        return
    store.ensure_tables(session.get_bind())
    store.write(session, [t.event for t in turns], [r for t in turns for r in t.reviews])


class RecordsUsageEvents:
    """Mixin for Rasa's SQLTrackerStore (before it in the bases): records each saved turn's usage event."""

    def _additional_events(self, session: Any, tracker: Any) -> Iterator[Event]:
        new_events = list(super()._additional_events(session, tracker))  # type: ignore[misc]
        record_turn(session, tracker, new_events)
        return iter(new_events)
