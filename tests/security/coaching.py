"""Drive a whole coaching conversation to its plan on any channel, answering whatever step is asked.

Each channel supplies `send(text)` and `click(payload)`, each returning what the bot showed as
[(text, [button payloads])]; the driver types `words[step]` for the free-text steps and clicks the
first option of the others, until a message carries the plan.
"""

from __future__ import annotations

from typing import Callable

Shown = list[tuple[str, list[str]]]
MAX_TURNS = 16


def next_move(shown: Shown, words: dict[str, str]) -> tuple[str, str]:
    """("click", payload) or ("say", text) for what the bot just asked."""
    text = " ".join(t for t, _ in shown).lower()
    payloads = [p for _, buttons in shown for p in buttons]

    def option(kind: str, value: str = "") -> str | None:
        return next((p for p in payloads if f'"{kind}:{value}' in p), None)

    if option("challenge", "other"):
        return "click", option("challenge", "other")
    if option("confirm", "yes"):
        return "click", option("confirm", "yes")
    for kind in ("stage", "theme"):
        if option(kind):
            return "click", option(kind, "structures") if kind == "theme" and option(kind, "structures") \
                else option(kind)
    if "who are the partners" in text:
        return "say", words["partners"]
    if "what is the collaboration for" in text:
        return "say", words["purpose"]
    if "own words" in text or "describe" in text:
        return "say", words["described"]
    if "when will you" in text:
        return "say", words["when"]
    if "first step" in text:
        return "say", words["first_step"]
    raise AssertionError(f"the coaching driver does not know this step: {shown}")


def coach_to_plan(send: Callable[[str], Shown], click: Callable[[str], Shown],
                  has_plan: Callable[[], bool], words: dict[str, str]) -> None:
    shown = send("coach me")
    for _ in range(MAX_TURNS):
        if has_plan():
            return
        move, value = next_move(shown, words)
        shown = click(value) if move == "click" else send(value)
    assert has_plan(), "no plan after the whole conversation"
