"""What the conversation has already shown, so follow-ups and "another enabler" do not repeat it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Optional


@dataclass
class Memory:
    """What the conversation has already shown (kept by Rasa in one slot between turns)."""

    last_query: Optional[str] = None
    enabler_id: Optional[str] = None
    challenge_id: Optional[str] = None
    example_id: Optional[str] = None
    shown_enablers: list[str] = field(default_factory=list)
    shown_examples: list[str] = field(default_factory=list)
    # For follow-ups (bot/answer/followups.py): the fact or case study last shown, and which of the
    # example's sentences were shown, as a bitmask (bit n: its quote n), since an enabler answer shows the
    # sentence closest to the question, not always the first.
    fact_id: Optional[str] = None
    case_study_id: Optional[str] = None
    example_quotes_shown: int = 0

    def as_slot(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_slot(cls, value: object) -> "Memory":
        """The memory a slot holds; anything unreadable (an old or hand-edited tracker) is forgotten."""
        if not isinstance(value, dict):
            return cls()
        text = {k: value.get(k) if isinstance(value.get(k), str) else None
                for k in ("last_query", "enabler_id", "challenge_id", "example_id", "fact_id", "case_study_id")}
        shown = {k: [x for x in value.get(k) or [] if isinstance(x, str)] if isinstance(value.get(k), list) else []
                 for k in ("shown_enablers", "shown_examples")}
        count = value.get("example_quotes_shown")
        return cls(**text, **shown, example_quotes_shown=count if type(count) is int else 0)
