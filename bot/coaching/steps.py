"""The coaching steps: their options, their buttons, and the pure check that accepts or refuses each reply.

How any reply is read (button payloads, typed words, the refusals) is bot/coaching/replies.py; what a
reply says beyond the step's answer (a question to answer first, partners already named) is
bot/coaching/cues.py.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Optional

from bot.answer import types as t
from bot.coaching import dates
from bot.coaching.replies import (EMPTY, NOT_AN_OPTION, WRONG_STEP, Accepted, Checked, Refused,
                                  button_choice, choice_payload, free_text, normalise, one_of)

MAX_WHEN = 120

STAGES = {"starting": "Just starting", "under_way": "Under way", "stuck": "Stuck", "ending": "Ending"}
STAGE_WORDS = {
    "starting": ("start", "starting", "just starting", "beginning", "begin", "new", "early", "setting up"),
    "under_way": ("under way", "underway", "ongoing", "going", "running", "in progress", "middle", "established"),
    "stuck": ("stuck", "stalled", "blocked", "going nowhere", "not moving", "struggling", "bogged down"),
    "ending": ("ending", "end", "closing", "finishing", "wrapping up", "winding down", "coming to an end"),
}
SECTORS = {"nhs": "NHS", "local_authority": "Local authority", "police_fire": "Police / fire",
           "justice": "Justice", "voluntary": "Voluntary sector", "private": "Private sector", "other": "Other"}
SECTOR_WORDS = {
    "nhs": ("nhs", "health", "hospital", "ccg", "icb", "ics", "gp", "gps", "primary care", "foundation trust",
            "public health", "mental health"),
    "local_authority": ("council", "councils", "local authority", "local authorities", "borough", "county",
                        "district", "social care", "social services", "la"),
    "police_fire": ("police", "constabulary", "fire", "rescue", "pcc", "blue light"),
    "justice": ("justice", "probation", "prison", "prisons", "court", "courts", "youth offending", "cps",
                "reoffending", "hmpps"),
    "voluntary": ("voluntary", "charity", "charities", "vcse", "third sector", "community group",
                  "community groups", "social enterprise", "volunteers"),
    "private": ("private", "business", "businesses", "company", "companies", "firm", "firms", "employer",
                "employers", "supplier", "suppliers"),
    "other": ("school", "schools", "university", "universities", "college", "housing association",
              "government department", "other"),
}
YES = ("yes", "y", "yeah", "yep", "yup", "correct", "that's it", "thats it", "that's right", "right",
       "exactly", "spot on", "sure", "ok", "okay")
NO = ("no", "n", "nope", "not really", "not quite", "wrong", "that's not it", "no, that's not it")
OTHER_CHALLENGE = "other"
OTHER_WORDS = ("something else", "other", "none of these", "none of them", "let me describe it", "describe it")
_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?")


# --- the steps -----------------------------------------------------------------------------------

def check_purpose(raw: Any) -> Checked:
    return free_text(raw)


def check_partners(raw: Any) -> Checked:
    """A sector button, or free text naming the partners; stored as {"sectors", "detail"}."""
    if isinstance(raw, dict) and raw.get("sectors") and set(raw["sectors"]) <= set(SECTORS):
        return Accepted({"sectors": list(raw["sectors"]), "detail": raw.get("detail")})
    if not isinstance(raw, str):
        return EMPTY
    button = button_choice("partners", raw)
    if button is not None:
        if isinstance(button, Accepted) and button.value not in SECTORS:
            return WRONG_STEP
        return Accepted({"sectors": [button.value], "detail": None}) if isinstance(button, Accepted) else button
    checked = free_text(raw)
    if isinstance(checked, Refused):
        return checked
    said = f" {normalise(checked.value)} "
    sectors = [key for key, cues in SECTOR_WORDS.items() if any(f" {cue} " in said for cue in cues)]
    return Accepted({"sectors": sectors or ["other"], "detail": checked.value})


def check_stage(raw: Any) -> Checked:
    return one_of("stage", raw, STAGES, STAGE_WORDS)


def check_theme(raw: Any, themes: dict[str, str]) -> Checked:
    """`themes` maps theme id to title; a theme is typed by its title ("structures", "structure")."""
    return one_of("theme", raw, themes, {i: (title.lower(), title.lower().rstrip("s")) for i, title in themes.items()})


def check_challenge(raw: Any, challenges: dict[str, str]) -> Checked:
    """A challenge id, OTHER_CHALLENGE, or Accepted(("describe", text)) for a typed description.

    `challenges` maps the ids offered at this step (the chosen theme's) to their titles.
    """
    if not isinstance(raw, str) or not raw.strip():
        return EMPTY
    if raw in challenges or raw == OTHER_CHALLENGE:
        return Accepted(raw)
    button = button_choice("challenge", raw)
    if button is not None:
        if isinstance(button, Accepted) and button.value not in challenges and button.value != OTHER_CHALLENGE:
            return WRONG_STEP   # e.g. a challenge button from another theme's list
        return button
    said = normalise(raw)
    if said in OTHER_WORDS:
        return Accepted(OTHER_CHALLENGE)
    ids = list(challenges)
    if said.isdigit() and 1 <= int(said) <= len(ids):
        return Accepted(ids[int(said) - 1])
    for challenge_id, title in challenges.items():
        if said == normalise(title):
            return Accepted(challenge_id)
    checked = free_text(raw)
    return Accepted(("describe", checked.value)) if isinstance(checked, Accepted) else checked


def check_description(raw: Any) -> Checked:
    return free_text(raw)


def check_confirmation(raw: Any) -> Checked:
    """Accepted(True) for yes, Accepted(False) for no."""
    if raw is True or raw is False:
        return Accepted(raw)
    if not isinstance(raw, str) or not raw.strip():
        return EMPTY
    button = button_choice("confirm", raw)
    if button is not None:
        if isinstance(button, Accepted):
            return Accepted(button.value == "yes") if button.value in ("yes", "no") else WRONG_STEP
        return button
    said = normalise(raw).rstrip(".!")
    if said in YES or said.startswith(("yes", "yeah", "yep")):
        return Accepted(True)
    if said in NO or said.startswith(("no ", "no,", "nope")):
        return Accepted(False)
    return NOT_AN_OPTION


def check_first_step(raw: Any) -> Checked:
    return free_text(raw)


def check_when(raw: Any, today: Optional[date] = None) -> Checked:
    """When the leader will take their first step: a button, or their words, read as a date where
    possible (bot.coaching.dates) and otherwise kept as they said them. Accepted(dates.When)."""
    today = today or date.today()
    if isinstance(raw, str):
        button = button_choice("when", raw)
        if isinstance(button, Refused):
            return button
        if isinstance(button, Accepted):
            if button.value not in WHEN_BUTTONS:
                return WRONG_STEP
            read = dates.read_when(WHEN_BUTTONS[button.value], today)
            return Accepted(dates.When(WHEN_BUTTONS[button.value], read.by, f"by {dates.day(read.by)}"
                                       if read.by else None))
        if _DATE.fullmatch(raw.strip()):
            return Accepted(dates.read_when(raw.strip(), today))
    checked = free_text(raw, MAX_WHEN)
    if isinstance(checked, Refused):
        return checked
    return Accepted(dates.read_when(checked.value, today))


WHEN_BUTTONS = {"this_week": "This week", "next_week": "Next week", "this_month": "This month"}


def step_buttons(slot: str) -> list[t.ButtonPayload]:
    """The buttons of a button step that the domain does not hold (their payloads contain `{...}`,
    which Rasa's response templating would read as slot placeholders)."""
    options = {"coach_partners": ("partners", SECTORS), "coach_stage": ("stage", STAGES),
               "coach_step_when": ("when", WHEN_BUTTONS)}[slot]
    step, labels = options
    return [{"title": title, "payload": choice_payload(step, key)} for key, title in labels.items()]
