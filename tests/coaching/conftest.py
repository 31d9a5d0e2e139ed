"""Fixtures for the coaching tests: the fake-encoder engine installed as the shared engine, and
a small tracker builder so the validation actions run without Rasa."""

from __future__ import annotations

from typing import Any, Optional

import pytest
from rasa_sdk import Tracker

from bot.coaching import flow


@pytest.fixture
def shared_fake_engine(fake_engine):
    """The actions call bot.engine.load_engine(); point it at the fake-encoder engine."""
    from bot import engine as engine_module

    previous = engine_module._engine
    engine_module.set_engine(fake_engine)
    yield fake_engine
    engine_module.set_engine(previous)


def make_tracker(slots: Optional[dict[str, Any]] = None, text: str = "", intent: str = "ask_question",
                 form: str = flow.COACHING_FORM, requested: Optional[str] = None,
                 entities: Optional[list[dict]] = None) -> Tracker:
    all_slots = {name: None for name in flow.COACHING_SLOTS + flow.HEALTH_STEPS}
    all_slots.update(slots or {})
    all_slots["requested_slot"] = requested
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []}
    return Tracker("test", all_slots, latest, [], False, None,
                   {"name": form} if form else {}, "action_listen")
