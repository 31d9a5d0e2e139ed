"""The conversation so far, as the messages the widget drew, rebuilt from the tracker's events.

A reloaded page asks for its session again; the channel answers with these so the widget can draw the
same conversation. Only what came after the last restart is replayed ("start again" clears the view).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List

from rasa.shared.core.events import BotUttered, Event, Restarted, UserUttered

BOT_KEYS = ("text", "buttons", "custom", "quick_replies", "image", "attachment", "elements")
# Clicks the widget shows as a state, not as something the user said.
SILENT_PAYLOADS = ("/feedback_helpful", "/feedback_unhelpful", "/restart")


def _since_last_restart(events: Iterable[Event]) -> List[Event]:
    events = list(events)
    starts = [i for i, event in enumerate(events) if isinstance(event, Restarted)]
    return events[starts[-1] + 1:] if starts else events


def replay_messages(events: Iterable[Event]) -> List[Dict[str, Any]]:
    """[{"sender": "user", "text"} | {"sender": "bot", "text", "buttons", "custom", ...}] in order.

    A button click is stored as its intent payload ("/show_example"); it is shown as the title of the
    button that sent it, as the widget did at the time.
    """
    messages: List[Dict[str, Any]] = []
    titles: Dict[str, str] = {}
    for event in _since_last_restart(events):
        if isinstance(event, BotUttered):
            data = event.data or {}
            message = {"sender": "bot", "text": event.text} if event.text else {"sender": "bot"}
            message.update({k: data[k] for k in BOT_KEYS if k != "text" and data.get(k)})
            answer = (data.get("custom") or {}).get("answer") or {}
            for button in [*(data.get("buttons") or []), *(answer.get("buttons") or [])]:
                if isinstance(button, dict) and button.get("payload"):
                    titles[str(button["payload"])] = str(button.get("title", ""))
            if len(message) > 1:
                messages.append(message)
        elif isinstance(event, UserUttered) and event.text:
            text = event.text
            if text.startswith("/"):
                if text in SILENT_PAYLOADS or text not in titles:
                    continue
                text = titles[text]
            messages.append({"sender": "user", "text": text})
    return messages
