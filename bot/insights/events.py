"""What one turn is recorded as: an aggregate-friendly `UsageEvent`, and sometimes a `ReviewText`.

Derived from the turn's events as Rasa serialises them (`event.as_dict()`: `{"event": "user", ...}`),
so this module knows no Rasa. A usage event never holds message text or the sender id: only the hour,
the channel, status words, knowledge ids, feedback, the coaching step and health-check scores, plus
a keyed hash of the conversation that changes every day (`conversation_key`), so distinct
conversations can be counted per day but not followed across days or linked back to a sender.

Only questions a curator needs to see (declined, clarified, corrected, marked not helpful) become a
`ReviewText`, masked again here whatever the channel did.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional

from bot.config import PROJECT_ROOT
from bot.privacy import mask_pii

# Status categories (the answer payload's status word, by its prefix; bot/answer/types.py).
ANSWERED, CLARIFICATION, DECLINED, ERROR, COACHING, OTHER = (
    "answered", "clarification", "declined", "error", "coaching", "other")
QA_STATUSES = (ANSWERED, CLARIFICATION, DECLINED, ERROR)
HELPFUL, NOT_HELPFUL, CORRECTED = "helpful", "not_helpful", "corrected"
# The coaching funnel, in order (a conversation that reached a step has passed the ones before it).
FUNNEL = ("started", "challenge", "step", "plan")
THEMES = ("motivations", "structures", "relationships")
HEALTH_SLOTS = {theme: (f"health_{theme}_1", f"health_{theme}_2") for theme in THEMES}
# Declines worth a curator's look: "out of scope" may be a bank gap. Empty, too long, emoji, another
# language or "nothing more" are about the message, not the knowledge.
REVIEWED_DECLINES = ("unanswerable_out_of_scope",)
SALT_ENV = "COACH_INSIGHTS_SALT"
SALT_FILE = PROJECT_ROOT / "build" / "insights-salt"
_CHANNEL = re.compile(r"[^a-z0-9_-]")
_ITEM_ID = re.compile(r"[a-z0-9_]{1,64}")


@dataclass(frozen=True)
class UsageEvent:
    """One turn, as counted. Every field is a category, an id from knowledge/ or a number."""

    hour: int                      # unix time of the turn, rounded down to the hour
    channel: str                   # "rest", "socketio", "slack", "teams", or "unknown"
    conversation: str              # keyed hash of the conversation id, different every day
    status: str                    # answered | clarification | declined | error | coaching | other
    status_detail: Optional[str]   # the payload's own status word, e.g. "unanswerable_out_of_scope"
    challenge: Optional[str] = None  # knowledge ids shown (or chosen in coaching) this turn
    enabler: Optional[str] = None
    example: Optional[str] = None
    theme: Optional[str] = None
    choice: Optional[str] = None   # the item picked from a clarification's buttons
    feedback: Optional[str] = None  # helpful | not_helpful | corrected
    rated_enabler: Optional[str] = None  # the enabler of the answer the feedback is about
    coaching_step: Optional[str] = None  # furthest of FUNNEL reached this turn
    health_motivations: Optional[float] = None  # health-check mean score per theme (1-5)
    health_structures: Optional[float] = None
    health_relationships: Optional[float] = None

    def row(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ReviewText:
    """A question for the curator: masked text, why it is queued, and when (to the hour)."""

    at: int
    reason: str  # declined | clarification | corrected | not_helpful
    text: str

    @property
    def key(self) -> str:
        return text_key(self.text)


@dataclass(frozen=True)
class Turn:
    event: UsageEvent
    reviews: tuple[ReviewText, ...] = ()


def normalise(text: str) -> str:
    """The form two phrasings must share to count as the same question."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def text_key(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


_secret: Optional[bytes] = None
_secret_lock = threading.Lock()


def salt_secret() -> bytes:
    """COACH_INSIGHTS_SALT, or a random secret generated once into build/insights-salt (mode 0600)."""
    global _secret
    with _secret_lock:
        if _secret is None:
            value = os.environ.get(SALT_ENV, "").strip()
            if not value:
                path = Path(os.environ.get("COACH_INSIGHTS_SALT_FILE") or SALT_FILE)
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "w") as out:
                        out.write(secrets.token_hex(32))
                value = path.read_text().strip()
            _secret = value.encode("utf-8")
        return _secret


def conversation_key(conversation_id: str, hour: int, secret: Optional[bytes] = None) -> str:
    """HMAC of the conversation id under a key derived for that UTC day: unlinkable across days."""
    day = str(hour // 86400).encode()
    day_key = hmac.new(secret or salt_secret(), day, hashlib.sha256).digest()
    return hmac.new(day_key, conversation_id.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def status_category(status: Optional[str]) -> str:
    if not status:
        return OTHER
    if status.startswith("answered"):
        return ANSWERED
    if status.startswith("clarification"):
        return CLARIFICATION
    if status.startswith("unanswerable") or status.startswith("guardrails"):
        return DECLINED
    if status.startswith("error"):
        return ERROR
    if status.startswith("coaching") or status.startswith("health"):
        return COACHING
    return OTHER


def feedback_category(value: Any) -> Optional[str]:
    """helpful / not_helpful / corrected from the `feedback` slot ({"answer_id", "helpful"}).

    A correction (issue 11) is negative feedback on the answer; it counts as "corrected" when the slot
    says so in any of the obvious ways: the value "corrected", or `corrected`/`correction` true, or a
    `kind`/`type`/`reason` of "corrected"/"correction".
    """
    if value is None:
        return None
    if isinstance(value, str):
        return CORRECTED if value.lower() in ("corrected", "correction") else None
    if not isinstance(value, Mapping):
        return None
    if value.get("corrected") or value.get("correction") is True or any(
            str(value.get(k, "")).lower() in ("corrected", "correction") for k in ("kind", "type", "reason")):
        return CORRECTED
    if "helpful" in value:
        return HELPFUL if value["helpful"] else NOT_HELPFUL
    return None


def answer_of(event: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
    """The answer payload a bot event carries, if any."""
    if event.get("event") != "bot":
        return None
    custom = (event.get("data") or {}).get("custom")
    answer = custom.get("answer") if isinstance(custom, Mapping) else None
    return answer if isinstance(answer, Mapping) and answer.get("status") else None


def _id(ref: Any) -> Optional[str]:
    return str(ref["id"]) if isinstance(ref, Mapping) and ref.get("id") else None


def _entity(user: Mapping[str, Any], name: str) -> Optional[str]:
    for entity in (user.get("parse_data") or {}).get("entities") or []:
        if entity.get("entity") == name and entity.get("value"):
            return str(entity["value"])
    return None


def _reviewable(text: Optional[str]) -> Optional[str]:
    """The masked text, or None for a button payload or nothing at all."""
    if not text or not text.strip() or text.lstrip().startswith("/"):
        return None
    return mask_pii(text.strip())


def _question_behind(answer_id: str, earlier: Iterable[Mapping[str, Any]]) -> tuple[Optional[str], Optional[str]]:
    """(the enabler of the answer with this id, the user text that asked for it), newest first."""
    enabler: Optional[str] = None
    found = False
    for event in earlier:
        if not found:
            answer = answer_of(event)
            if answer is not None and answer.get("answer_id") == answer_id:
                enabler, found = _id(answer.get("enabler")), True
        elif event.get("event") == "user":
            return enabler, event.get("text")
    return enabler, None


def _health_scores(slots: Mapping[str, Any]) -> dict[str, Optional[float]]:
    scores: dict[str, Optional[float]] = {}
    for theme, names in HEALTH_SLOTS.items():
        try:
            values = [float(slots[n]) for n in names]
        except (KeyError, TypeError, ValueError):
            values = []
        scores[f"health_{theme}"] = round(sum(values) / len(values), 2) if values else None
    return scores


def split_turns(events: list[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """The events from each user message up to the next one (events before the first are dropped)."""
    turns: list[list[Mapping[str, Any]]] = []
    for event in events:
        if event.get("event") == "user":
            turns.append([event])
        elif turns:
            turns[-1].append(event)
    return turns


def derive_turns(conversation_id: str, new_events: list[Mapping[str, Any]], slots: Mapping[str, Any],
                 earlier: Callable[[], Iterable[Mapping[str, Any]]], previous_status: Optional[str] = None,
                 secret: Optional[bytes] = None) -> list[Turn]:
    """One `Turn` per user message among the events a save is about to store.

    Args:
        conversation_id: the tracker's id; only its daily keyed hash is kept.
        new_events: the events not stored yet, as dicts, oldest first.
        slots: the tracker's slot values after the turn (health-check scores are read from them).
        earlier: the stored events before `new_events`, newest first (read only when feedback needs
            the answer it is about).
        previous_status: the status of the last answer before `new_events`, if known.
    """
    turns: list[Turn] = []
    done: list[Mapping[str, Any]] = []
    for segment in split_turns(new_events):
        turn = _derive(conversation_id, segment, slots, lambda: _chain(reversed(done), earlier()),
                       previous_status, secret)
        turns.append(turn)
        done.extend(segment)
        answers = [a for a in map(answer_of, segment) if a is not None]
        previous_status = str(answers[-1]["status"]) if answers else previous_status
    return turns


def _chain(first: Iterable[Mapping[str, Any]], then: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    yield from first
    yield from then


def _derive(conversation_id: str, segment: list[Mapping[str, Any]], slots: Mapping[str, Any],
            earlier: Callable[[], Iterable[Mapping[str, Any]]], previous_status: Optional[str],
            secret: Optional[bytes]) -> Turn:
    user = segment[0]
    hour = int(float(user.get("timestamp") or 0) // 3600 * 3600)
    channel = _CHANNEL.sub("", str(user.get("input_channel") or "").lower())[:32] or "unknown"
    answers = [a for a in map(answer_of, segment) if a is not None]
    # A turn can carry several answers (a question asked mid-form, then the form's question): the first
    # question-and-answer one describes it best.
    primary = next((a for a in answers if status_category(a["status"]) in QA_STATUSES), answers[0] if answers else None)
    fields: dict[str, Any] = {}
    # A plan (and "show my plan") restates the challenge and enablers coaching already showed.
    if primary is not None and primary["status"] != "coaching_plan":
        fields = {"challenge": _id(primary.get("challenge")), "enabler": _id(primary.get("enabler")),
                  "example": _id(primary.get("example"))}
        theme = next((r.get("theme") for r in (primary.get("enabler"), primary.get("challenge"))
                      if isinstance(r, Mapping) and r.get("theme")), None)
        fields["theme"] = str(theme).lower() if theme else None
    step_index = -1
    # A slot's last value in the turn counts: a form first fills a slot with the raw text, then its
    # validator replaces or clears it.
    last = {e.get("name"): e.get("value") for e in segment if e.get("event") == "slot"}
    if any(e.get("event") == "action" and e.get("name") == "action_coaching_start" for e in segment):
        step_index = 0
    if isinstance(last.get("coach_challenge"), str) and _ITEM_ID.fullmatch(last["coach_challenge"]) \
            and last["coach_challenge"] != "other":
        step_index = 1
        fields["challenge"] = fields.get("challenge") or last["coach_challenge"]
    if last.get("coach_first_step"):
        step_index = 2
    if last.get("coach_plan"):
        step_index = 3
    feedback_value = last.get("feedback")
    feedback = feedback_category(feedback_value)
    status = str(primary["status"]) if primary is not None else None
    category = status_category(status)
    if any(a["status"] == "health_check_result" for a in answers):
        fields.update(_health_scores(slots))
    intent = ((user.get("parse_data") or {}).get("intent") or {}).get("name")
    if intent == "choose_topic" and status_category(previous_status) == CLARIFICATION:
        fields["choice"] = _entity(user, "topic_id")
    reviews: list[ReviewText] = []
    text = _reviewable(user.get("text"))
    if text and (category == CLARIFICATION or status in REVIEWED_DECLINES):
        reviews.append(ReviewText(hour, DECLINED if category == DECLINED else CLARIFICATION, text))
    if feedback in (NOT_HELPFUL, CORRECTED):
        answer_id = feedback_value.get("answer_id") if isinstance(feedback_value, Mapping) else None
        rated, asked = _question_behind(str(answer_id), earlier()) if answer_id else (None, None)
        fields["rated_enabler"] = rated
        asked = _reviewable(asked)
        if asked:
            reviews.append(ReviewText(hour, feedback, asked))
    elif feedback == HELPFUL and isinstance(feedback_value, Mapping) and feedback_value.get("answer_id"):
        fields["rated_enabler"] = _question_behind(str(feedback_value["answer_id"]), earlier())[0]
    event = UsageEvent(hour=hour, channel=channel, conversation=conversation_key(conversation_id, hour, secret),
                       status=category, status_detail=status[:40] if status else None, feedback=feedback,
                       coaching_step=FUNNEL[step_index] if step_index >= 0 else None, **fields)
    return Turn(event, tuple(reviews))
