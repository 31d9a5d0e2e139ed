"""The coaching steps: their options, and the pure checks that accept or refuse a leader's reply.

Every reply arrives as text: either typed, or a button payload such as
`/coach_choice{"coach_choice":"stage:stuck"}` whose `stage:` prefix names the step the button
belongs to, so an old button pressed at the wrong step is refused rather than accepted.
A refusal names a domain response (`utter_coach_invalid_*`); the form then asks again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Optional, Union

from bot.answer import guard
from bot.answer import types as t
from bot.coaching import dates

CHOICE_INTENT = "coach_choice"
CHOICE_ENTITY = "coach_choice"
MAX_FREE_TEXT = 500   # a purpose, a description or a first step: a sentence or two
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
_PAYLOAD = re.compile(r"^\s*/(?P<intent>[a-z_]+)(?P<entities>\{.*\})?\s*$", re.S)
_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


@dataclass(frozen=True)
class Accepted:
    value: Any


@dataclass(frozen=True)
class Refused:
    response: str   # the domain response that says, politely, what was wrong


Checked = Union[Accepted, Refused]

EMPTY = Refused("utter_coach_invalid_empty")
TOO_LONG = Refused("utter_coach_invalid_too_long")
NOT_WORDS = Refused("utter_coach_invalid_not_words")
WRONG_STEP = Refused("utter_coach_invalid_wrong_step")
NOT_AN_OPTION = Refused("utter_coach_invalid_option")


# --- reading a reply -----------------------------------------------------------------------------

def choice_payload(step: str, value: str) -> str:
    """The button payload for one option of one step."""
    return f'/{CHOICE_INTENT}{{"{CHOICE_ENTITY}":"{step}:{value}"}}'


def parse_payload(text: str) -> Optional[tuple[str, str]]:
    """(intent, choice) for a button payload such as `/coach_choice{...}`; None for typed text.

    The choice is "" for payloads of other intents (an old "Another enabler" button, say).
    """
    match = _PAYLOAD.match(text or "")
    if not match:
        return None
    choice = ""
    if match.group("entities"):
        try:
            entities = json.loads(match.group("entities"))
        except ValueError:
            entities = {}
        choice = str(entities.get(CHOICE_ENTITY, "")) if isinstance(entities, dict) else ""
    return match.group("intent"), choice


def button_choice(step: str, text: str) -> Optional[Checked]:
    """Accepted(value) for this step's button, WRONG_STEP for any other payload, None for typed text."""
    parsed = parse_payload(text)
    if parsed is None:
        return None
    intent, choice = parsed
    prefix, _, value = choice.partition(":")
    if intent != CHOICE_INTENT or prefix != step or not value:
        return WRONG_STEP
    return Accepted(value)


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w'/ -]+", " ", text.lower()).split())


def is_wordlike(token: str) -> bool:
    """A token that could be a word: has a vowel, no long consonant run, no key-row mash."""
    token = token.lower()
    if not re.search(r"[aeiouy]", token) or re.search(r"[^aeiouy\W\d_]{5,}", token):
        return False
    if re.search(r"(.)\1\1", token):
        return False
    return not (len(token) >= 4 and any(token in row for row in _KEYBOARD_ROWS))


def looks_like_words(text: str) -> bool:
    tokens = re.findall(r"[^\W\d_]+", text)
    if not tokens:
        return False
    return sum(is_wordlike(tok) for tok in tokens) * 2 >= len(tokens)


def free_text(raw: Any, max_chars: int = MAX_FREE_TEXT) -> Checked:
    """A sentence or two in the leader's words (button payloads and nonsense refused)."""
    if not isinstance(raw, str) or not raw.strip():
        return EMPTY
    if parse_payload(raw) is not None:
        return WRONG_STEP
    if len(raw) > max_chars:
        return TOO_LONG
    checked = guard.check(raw, max_chars)
    if checked.status in (t.EMPTY, t.NO_TEXT):
        return NOT_WORDS if checked.status == t.NO_TEXT else EMPTY
    if checked.status is not None or not looks_like_words(checked.text):
        return NOT_WORDS
    return Accepted(checked.text)


def _typed_option(text: str, words: dict[str, tuple[str, ...]]) -> Optional[str]:
    """The option whose cue words the typed text mentions (exactly one), else None."""
    said = f" {normalise(text)} "
    found = [key for key, cues in words.items() if any(f" {cue} " in said for cue in cues)]
    return found[0] if len(found) == 1 else None


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
    if not isinstance(raw, str) or not raw.strip():
        return EMPTY
    if raw in STAGES:
        return Accepted(raw)
    button = button_choice("stage", raw)
    if button is not None:
        return button if not isinstance(button, Accepted) or button.value in STAGES else WRONG_STEP
    if len(raw) > MAX_FREE_TEXT:
        return TOO_LONG
    typed = _typed_option(raw, STAGE_WORDS)
    return Accepted(typed) if typed else NOT_AN_OPTION


def check_theme(raw: Any, themes: dict[str, str]) -> Checked:
    """`themes` maps theme id to title."""
    if not isinstance(raw, str) or not raw.strip():
        return EMPTY
    if raw in themes:
        return Accepted(raw)
    button = button_choice("theme", raw)
    if button is not None:
        return button if not isinstance(button, Accepted) or button.value in themes else WRONG_STEP
    if len(raw) > MAX_FREE_TEXT:
        return TOO_LONG
    typed = _typed_option(raw, {i: (title.lower(), title.lower().rstrip("s")) for i, title in themes.items()})
    return Accepted(typed) if typed else NOT_AN_OPTION


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


QUESTION_INTENTS = ("ask_question", "out_of_scope", "follow_up", "nlu_fallback")


def is_question(text: str, intent: Optional[str]) -> bool:
    """A typed question at a button step, which is answered before the step is asked again."""
    if not text or parse_payload(text) is not None or intent not in QUESTION_INTENTS:
        return False
    return looks_like_words(text) and (text.rstrip().endswith("?") or len(text.split()) >= 4)


# Steps whose answer is free text: a sentence typed there is read as the answer first, even when NLU
# hears "start coaching" in it ("partnership to get rough sleepers into housing with the council").
FREE_TEXT_STEPS = ("coach_purpose", "coach_partners", "coach_challenge_description", "coach_first_step",
                   "coach_step_when")
_START_COMMAND = re.compile(r"(?i)\b(coach(ing)?|start (again|over|afresh)|new plan|from scratch)\b")
MAX_START_COMMAND_WORDS = 8


def is_start_command(text: str) -> bool:
    """"coach me", "start coaching again", a /start_coaching button: a request to start afresh.
    A longer sentence or one that never mentions coaching is an answer, not a command."""
    if parse_payload(text or "") is not None:
        return True
    return len((text or "").split()) <= MAX_START_COMMAND_WORDS and bool(_START_COMMAND.search(text or ""))


def prefill_from_opening(text: str) -> dict[str, Any]:
    """What an opening such as "our joint project with the council is stuck" already tells us.

    Only the stage and the partners' sectors, and only when unambiguous; button payloads give nothing.
    """
    if not text or parse_payload(text) is not None or len(text) > MAX_FREE_TEXT:
        return {}
    found: dict[str, Any] = {}
    stage = _typed_option(text, {k: v for k, v in STAGE_WORDS.items() if k in ("starting", "stuck", "ending")})
    if stage:
        found["stage"] = stage
    said = f" {normalise(text)} "
    sectors = [key for key, cues in SECTOR_WORDS.items() if key != "other" and any(f" {c} " in said for c in cues)]
    if sectors:
        found["partners"] = {"sectors": sectors, "detail": None}
    return found


REAL_QUESTION = re.compile(
    r"(?i)^\s*(what|how|why|who|whom|which|where|when|is|are|does|do|did|can you|could you|would you|will you|"
    r"tell me|show me|explain|give me)\b")
TENTATIVE = re.compile(r"(?i)^\s*(how about|what about|what if|maybe|perhaps|possibly|probably|should|shall|could we|"
                       r"can we|might|i (think|guess|suppose|could|might|should)|we (could|might|should))\b")


def is_real_question(text: str) -> bool:
    """A question to the coach, not a tentative answer: "what's an example of this?" is one;
    "maybe get the finance leads to map every budget line?" and "how about a joint budget?" are not."""
    return bool(REAL_QUESTION.match(text or "")) and not TENTATIVE.match(text or "")


def is_plain_question(text: str, intent: Optional[str]) -> bool:
    """At a free-text step only a real question ("what ...?") is answered; a tentative or
    question-shaped answer ("maybe get the finance leads together?") is the answer to the step."""
    return is_question(text, intent) and text.rstrip().endswith("?") and is_real_question(text)


# Sector cues that name an organisation rather than a topic: "improving mental health" names no partner.
_TOPIC_CUES = frozenset({"health", "mental health", "public health", "social care", "primary care", "county",
                         "reoffending", "district", "la", "other", "new", "business", "volunteers", "employer",
                         "employers"})


def partners_in(text: str) -> Optional[dict[str, Any]]:
    """The partners' sectors a purpose names ("with the district council and a housing charity")."""
    if not isinstance(text, str) or parse_payload(text) is not None:
        return None
    said = f" {normalise(text)} "
    sectors = [key for key, cues in SECTOR_WORDS.items()
               if any(f" {c} " in said for c in cues if c not in _TOPIC_CUES)]
    return {"sectors": sectors, "detail": None} if sectors else None


def describe_partners(found: dict[str, Any]) -> str:
    names = ", ".join(SECTORS[s] for s in found["sectors"])
    return (f"You mentioned the partners already, so I've noted them as *{names}*. "
            "Say \"go back\" if that's not right.")


def looks_like_a_problem(text: str) -> bool:
    """Words at the theme step that describe a difficulty ("nobody owns the budget") rather than
    choose a theme or ask the coach something."""
    return (isinstance(text, str) and parse_payload(text) is None and len(text.split()) >= 4
            and not is_real_question(text) and looks_like_words(text))


def describe_prefill(found: dict[str, Any]) -> str:
    """One line telling the leader what their opening already answered."""
    noted = []
    if "stage" in found:
        noted.append(f"the collaboration is *{STAGES[found['stage']].lower()}*")
    if "partners" in found:
        noted.append("the partners include *" + ", ".join(SECTORS[s] for s in found["partners"]["sectors"]) + "*")
    return f"From what you said, I've noted that {' and '.join(noted)}. Say \"go back\" later to change it."
