"""How the actions get the engine: handed to them, once, by the action server (ADR 0013).

rasa_sdk would build every `Action` subclass itself, with no arguments, so each would have to reach for
a shared engine. Instead `bot/server/action_server.py` builds the engine at start, calls
`actions_for(engine)` and registers the instances it returns; an action that needs the knowledge
derives from `WithEngine` and finds it in `self.engine`. Tests construct actions the same way, with an
in-memory engine (tests/fakes.py).
"""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
from typing import Any, Dict, List, Text

from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.utils import all_subclasses

from bot.answer.content import canned
from bot.answer.types import KNOWLEDGE_UNAVAILABLE
from bot.engine import Engine
from bot.errors import CoachError
from bot.render import bot_message

log = logging.getLogger(__name__)
PACKAGE = "actions"


class WithEngine:
    """Mixed into an action that needs the knowledge: it is constructed with the engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine


def actions_for(engine: Engine) -> List[Action]:
    """One instance of every concrete action in this package; those that need it get `engine`."""
    package = importlib.import_module(PACKAGE)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{PACKAGE}.{module.name}")
    # A class named with a leading underscore is a shared base (its `name()` is incomplete), not an action.
    found = [cls for cls in dict.fromkeys(all_subclasses(Action))
             if cls.__module__.startswith(PACKAGE + ".") and not cls.__name__.startswith("_")
             and not inspect.isabstract(cls)]
    return [cls(engine) if issubclass(cls, WithEngine) else cls() for cls in found]


def unavailable(dispatcher: CollectingDispatcher, exc: CoachError) -> List[Dict[Text, Any]]:
    """A knowledge failure mid-turn: logged once, and the leader hears the canned "briefly unavailable"."""
    log.error("knowledge unavailable: %s", exc)
    answer = canned(KNOWLEDGE_UNAVAILABLE)  # with its payload, as every reply (ADR 0003)
    dispatcher.utter_message(response=answer.response, json_message=bot_message(answer)["custom"])
    return []
