"""Typed knowledge items. Everything a user is shown comes from these, never from typed-in text."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable


class Kind(str, Enum):
    THEME = "theme"
    CHALLENGE = "challenge"
    ENABLER = "enabler"
    EXAMPLE = "example"
    CASE_STUDY = "case_study"
    FACT = "fact"
    OUT_OF_SCOPE = "out_of_scope"  # a kind of question the report does not answer; never shown


@dataclass(frozen=True)
class Item:
    id: str
    kind: Kind
    title: str
    section: str
    quotes: tuple[str, ...]
    questions: tuple[str, ...] = ()
    theme: str | None = None
    # Links, by id: a challenge's enablers (best first); what an example illustrates.
    enablers: tuple[str, ...] = ()
    challenges: tuple[str, ...] = ()
    case_study: str | None = None
    # Our own words, never shown as a quote.
    summary: str | None = None
    try_this: str | None = None
    reflective_question: str | None = None
    participants: int | None = None
    source_line: int = 0
    source_file: str = ""


@dataclass
class Knowledge:
    """All items, with the links between them resolved both ways."""

    items: dict[str, Item]
    document: str
    publisher: str
    year: int
    names: tuple[str, ...] = ()  # organisations and places in the case studies
    _examples_for: dict[str, list[str]] = field(default_factory=dict)
    _challenges_for: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for item in self.items.values():
            if item.kind is Kind.EXAMPLE:
                for linked in item.enablers + item.challenges:
                    self._examples_for.setdefault(linked, []).append(item.id)
            if item.kind is Kind.CHALLENGE:
                for enabler in item.enablers:
                    self._challenges_for.setdefault(enabler, []).append(item.id)

    def __getitem__(self, item_id: str) -> Item:
        return self.items[item_id]

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.items

    def of_kind(self, *kinds: Kind) -> list[Item]:
        return [i for i in self.items.values() if i.kind in kinds]

    def examples_for(self, item_id: str) -> list[Item]:
        """Worked examples that illustrate an enabler or challenge, in file order."""
        return [self.items[i] for i in self._examples_for.get(item_id, [])]

    def challenges_for(self, enabler_id: str) -> list[Item]:
        return [self.items[i] for i in self._challenges_for.get(enabler_id, [])]

    def enablers_in(self, theme: str) -> list[Item]:
        return [i for i in self.of_kind(Kind.ENABLER) if i.theme == theme]

    def challenges_in(self, theme: str) -> list[Item]:
        return [i for i in self.of_kind(Kind.CHALLENGE) if i.theme == theme]

    def all_quotes(self) -> Iterable[tuple[Item, str]]:
        for item in self.items.values():
            for quote in item.quotes:
                yield item, quote
