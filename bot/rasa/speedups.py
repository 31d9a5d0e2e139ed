"""Two fixes to Rasa 3.6.21 hot paths, installed into the Rasa server when it starts.

Found by profiling the Rasa process (py-spy, one server, sequential turns; docs/benchmarks.md). Both
keep Rasa's behaviour and errors exactly; they only stop repeating work whose result cannot change.

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

`install()` is idempotent; bot.channels.health calls it in its `after_server_start` listener, so any
Rasa server started with our credentials.yml has it, however it was launched.
"""

from __future__ import annotations

import copy
import functools
from typing import Any, Dict, Optional, Text, Type

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event

_original_resolve_by_type = Event.resolve_by_type


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


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(resolve_event_type)  # type: ignore[method-assign]


def installed() -> bool:
    return (RemoteAction._validate_action_result is validate_action_result
            and Event.resolve_by_type is resolve_event_type)
