"""Four changes to Rasa 3.6.21 hot paths, installed into the Rasa server when it starts.

Found by profiling the Rasa process (py-spy, one server, sequential turns; docs/benchmarks.md). The
first two keep Rasa's behaviour and errors exactly; they only stop repeating work whose result cannot
change. The third sends the action server less of what it never reads; the fourth starts our answer sooner.

1. **Custom-action replies are checked with a compiled validator.** `RemoteAction._validate_action_result`
   calls `jsonschema.validate(result, schema)` on every reply. With the jsonschema Rasa pins (4.17),
   that first checks the *schema* against the meta-schema and builds a new validator, every time:
   about half the Rasa process's CPU on a turn with a custom action, which is why any custom action
   cost about as much again as a bare turn. Here the schema is checked and compiled once, and each
   returned event is checked against the one alternative of the schema's `oneOf` that its name
   selects (see `_validators` for why that is the same check). Replies still go through the whole
   schema and a bad one raises the same `ValidationError` type with the same added message; they are
   still checked because they come over the network from another process.
2. **Event classes are looked up by name in a table.** `Event.resolve_by_type` walks every `Event`
   subclass (recursively, with `inspect.isabstract` on each) for every event it deserialises: ~65 µs
   per event, for every event of the conversation each time a tracker is read from the store, and
   for each event a custom action returns. Here the same walk fills a name -> class table; a name
   not in it (an event class imported later) walks again before giving Rasa's own answer, and the
   first class the walk finds for a name wins, as before.
3. **A custom action is sent the current turn's events, not the whole conversation's.**
   `RemoteAction._action_call_format` serialises every event since the conversation began into each call
   (`EventVerbosity.ALL`). An answer's bot event carries its whole payload (about 7 KB), so by the tenth
   question a call posted about 100 KB that Rasa serialised and the action server parsed, on every turn,
   for nothing: our actions read the slots, the latest message and the active loop, which the tracker
   state carries by themselves, and rasa-sdk reads events only in `Tracker.slots_to_validate`, which walks
   back from the end to the first event that is not a slot. So the call carries the events from the latest
   user message on (everything if there is none); the rest of the state is Rasa's own. Nothing else
   changes: the store, the policies and the channels keep every event.
4. **A likely question's answer is started as the message reaches Rasa.** `Agent.handle_message` (every
   channel's way in) first asks the action server to start composing (bot.server.rasa.input_guard
   `start_on_arrival`, the rule `EarlyPrefetch` applies), then runs Rasa's own code unchanged. Taking the
   conversation's lock, reading it from the store and the session check come before NLU's first step,
   where the answer used to be started: ~3.5 ms that the answer now has too, so the action waits for
   it ~1 ms instead of ~3 (ADR 0006, addendum of 6 December, second session).

All four replace Rasa methods (the first three private ones), so each patch is guarded (docs/adr/0011):
`install()` patches only on the Rasa version they were written for (`SUPPORTED_RASA`) and only where the
target still exists with the parameters it had; anything else is skipped with one WARNING naming the reason,
Rasa keeps its own code, and `state()` says so (GET /health shows it). `installed()` is True only while every
patch is in place on targets that were checked. `install()` is idempotent; the Rasa process
calls it before it starts (bot.server.rasa.run, which bot.server.serve launches), and the health channel calls it
again once the server is up, for a Rasa started some other way.
"""

from __future__ import annotations

import copy
import functools
import inspect
import logging
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Text, Tuple, Type

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.shared.core.events import Event

log = logging.getLogger(__name__)

# The patches copy behaviour read in this Rasa release; on any other they are not applied.
SUPPORTED_RASA = "3.6.21"

# Rasa's own lookup, kept for names the table does not know; None if Rasa has renamed it (then the
# patch that would call it is skipped).
_original_resolve_by_type = getattr(Event, "resolve_by_type", None)


@functools.lru_cache(maxsize=1)
def _validators() -> tuple[Any, Optional[Dict[Text, Any]]]:
    """The reply schema compiled once; its per-event `oneOf` split into one validator per event name.

    Every alternative of the schema's event `oneOf` pins `event` to a different constant, and each
    event must have an `event` string, so at most one alternative can ever match: "exactly one
    alternative is valid" is the same as "the alternative named by `event` is valid". Checking only
    that one avoids building and discarding a validation error for each of the other ~20 (4 ms of a
    Q&A turn's reply). If a Rasa schema ever breaks that premise, the whole schema is used as is.
    """
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # what jsonschema.validate does on every call; once is enough
    split = copy.deepcopy(schema)
    items = split.get("properties", {}).get("events", {}).get("items", {})
    alternatives = items.pop("oneOf", None)
    names = [alt.get("properties", {}).get("event", {}).get("const") for alt in alternatives or []]
    if not alternatives or None in names or len(set(names)) != len(names) or "event" not in items.get("required", []):
        return cls(schema), None
    return cls(split), {name: cls(alt) for name, alt in zip(names, alternatives)}


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """`RemoteAction._validate_action_result`, compiled once (same schema, same added message)."""
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    outer, by_event = _validators()
    error = best_match(outer.iter_errors(result))
    if error is None and by_event is not None:
        for n, event in enumerate(result.get("events") or []):
            alternative = by_event.get(event["event"])
            if alternative is None:
                error = ValidationError(f"{event!r} is not valid under any of the given schemas",
                                        validator="oneOf", path=["events", n], instance=event)
            else:
                error = best_match(alternative.iter_errors(event))
            if error is not None:
                break
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the Action "
        f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


_event_classes: Dict[Text, Type[Event]] = {}


def _index_event_classes() -> None:
    from rasa.shared.utils.common import all_subclasses

    for cls in all_subclasses(Event):
        _event_classes.setdefault(cls.type_name, cls)


def resolve_event_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """`Event.resolve_by_type` from a table (same classes, same fallbacks and errors)."""
    cls = _event_classes.get(type_name)
    if cls is None:
        _index_event_classes()  # a class imported since the table was filled
        cls = _event_classes.get(type_name)
    return cls if cls is not None else _original_resolve_by_type(type_name, default)


def turn_events(tracker: Any) -> list:
    """The events from the latest user message on (all of them if the user has said nothing yet)."""
    from rasa.shared.core.events import UserUttered

    turn = []
    for event in reversed(tracker.events):
        turn.append(event)
        if isinstance(event, UserUttered):
            break
    turn.reverse()
    return turn


def action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> Dict[Text, Any]:
    """`RemoteAction._action_call_format` with the current turn's events only (point 3 above)."""
    from rasa.shared.core.trackers import EventVerbosity

    tracker_state = tracker.current_state(EventVerbosity.NONE)  # everything but the events
    tracker_state["events"] = [event.as_dict() for event in turn_events(tracker)]
    result = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": tracker_state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        result["domain"] = domain.as_dict()
    return result


# Rasa's own entry point for a message, wrapped by `handle_message_answer_started`.
_rasa_handle_message = Agent.handle_message


async def handle_message_answer_started(self: Agent, message: Any) -> Any:
    """Rasa's `Agent.handle_message`, after asking the action server to start on the message's answer."""
    from bot.server.rasa.input_guard import finish_arrival, start_on_arrival

    token = start_on_arrival(getattr(message, "text", None))
    try:
        return await _rasa_handle_message(self, message)
    finally:
        finish_arrival(token)


@dataclass(frozen=True)
class Patch:
    """One Rasa method we replace: where it is, the parameters it must have, and our replacement."""

    name: str
    owner: type
    attribute: str
    parameters: Tuple[str, ...]
    replacement: Callable[..., Any]
    static: bool = False

    def current(self) -> Any:
        return inspect.getattr_static(self.owner, self.attribute, None)

    def is_ours(self) -> bool:
        found = self.current()
        found = found.__func__ if isinstance(found, staticmethod) else found
        return found is self.replacement

    def problem(self, rasa_version: str) -> Optional[str]:
        """Why this patch must not be applied here, or None."""
        if rasa_version != SUPPORTED_RASA:
            return f"written for Rasa {SUPPORTED_RASA}, this is Rasa {rasa_version}"
        if self.is_ours():
            return None
        target, where = self.current(), f"{self.owner.__name__}.{self.attribute}"
        if target is None:
            return f"{where} does not exist"
        if self.static != isinstance(target, staticmethod):
            return f"{where} is no longer a {'static' if self.static else 'plain'} method"
        try:
            found = tuple(inspect.signature(getattr(self.owner, self.attribute)).parameters)
        except (TypeError, ValueError):
            found = ()
        if found != self.parameters:
            return f"{where} takes {found}, the patch expects {self.parameters}"
        return None

    def apply(self) -> None:
        setattr(self.owner, self.attribute, staticmethod(self.replacement) if self.static else self.replacement)


PATCHES = (
    Patch("compiled_action_validator", RemoteAction, "_validate_action_result", ("self", "result"),
          validate_action_result),
    Patch("event_type_table", Event, "resolve_by_type", ("type_name", "default"), resolve_event_type,
          static=True),
    Patch("turn_events_to_actions", RemoteAction, "_action_call_format", ("self", "tracker", "domain"),
          action_call_format),
    Patch("answer_started_on_arrival", Agent, "handle_message", ("self", "message"),
          handle_message_answer_started),
)

_skipped: Dict[str, str] = {}  # patch name -> why it was not applied
_applied_by: Dict[str, str] = {}  # patch name -> which start-up step applied it (reported in /health)


def install(rasa_version: Optional[str] = None, by: str = "bot.server.rasa.run") -> bool:
    """Apply every patch whose target checks out; True when all are in place. Never raises."""
    version = rasa_version or rasa.__version__
    for patch in PATCHES:
        problem = patch.problem(version)
        if problem is None:
            if not patch.is_ours():
                patch.apply()
                _applied_by[patch.name] = by
            _skipped.pop(patch.name, None)
        elif _skipped.get(patch.name) != problem:
            _skipped[patch.name] = problem
            log.warning("speedups: %s not applied (%s); Rasa's own code runs instead", patch.name, problem)
    return installed()


def installed() -> bool:
    """True only while every patch is in place on a target that was checked (not merely set on a class)."""
    return not _skipped and all(p.is_ours() for p in PATCHES)


def state() -> Dict[str, Any]:
    """Per patch: "installed", "not installed" or "skipped: <why>" (for GET /health)."""
    patches = {p.name: ("installed" if p.is_ours() and p.name not in _skipped
                        else f"skipped: {_skipped[p.name]}" if p.name in _skipped else "not installed")
               for p in PATCHES}
    return {"ok": installed(), "rasa": rasa.__version__, "patches": patches,
            "installed_by": sorted({_applied_by[p.name] for p in PATCHES if p.is_ours() and p.name in _applied_by})}
