"""A small tracker builder so the coaching actions run as the action server runs them, without Rasa
itself (rasa_sdk's Tracker only)."""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker

from bot.coaching import flow


def make_tracker(slots: Optional[dict[str, Any]] = None, text: str = "", intent: str = "ask_question",
                 form: str = flow.COACHING_FORM, requested: Optional[str] = None,
                 entities: Optional[list[dict]] = None) -> Tracker:
    all_slots = {name: None for name in flow.COACHING_SLOTS + flow.HEALTH_STEPS}
    all_slots.update(slots or {})
    all_slots["requested_slot"] = requested
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []}
    return Tracker("test", all_slots, latest, [], False, None,
                   {"name": form} if form else {}, "action_listen")
