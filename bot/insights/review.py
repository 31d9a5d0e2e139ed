"""The curator's queue: questions the bot declined, clarified, got corrected on or was told did not help.

Texts are masked (bot.privacy) and grouped by their normalised form, most frequent first. Each entry's
number is the id of its first stored occurrence, so it stays the same between `bot review` runs
while new questions arrive. `accept` adds the phrasing to an item's question bank in knowledge/*.yml
(ruamel.yaml round trip: comments, order and quoting kept), checks the knowledge with the validator
and undoes the edit if it fails; `reject` hides the phrasing from the queue.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa

from bot.errors import CoachError
from bot.insights import store
from bot.insights.events import normalise

REASONS = {"declined": "declined", "clarification": "clarified", "corrected": "corrected",
           "not_helpful": "not helpful"}
# The top-level key of each knowledge file that holds items with a question bank.
BANKS = ("themes", "challenges", "enablers", "examples", "case_studies", "facts", "topics")


@dataclass
class Entry:
    number: int
    key: str
    text: str                 # the most frequent wording with this normalised form (masked)
    count: int
    last_seen: int
    reasons: Counter = field(default_factory=Counter)
    wordings: Counter = field(default_factory=Counter)
    nearest: list[tuple[str, str, float]] = field(default_factory=list)  # (item id, title, score)

    def why(self) -> str:
        return ", ".join(f"{REASONS.get(r, r)} {n}" for r, n in self.reasons.most_common())


def queue(engine: sa.engine.Engine, since: Optional[float]) -> list[Entry]:
    """Undecided questions seen since `since` (unix time; None for all), most frequent first."""
    store.ensure_tables(engine)
    t, d = store.review_texts, store.review_decisions
    with engine.connect() as connection:
        decided = {k for (k,) in connection.execute(sa.select(d.c.text_key))}
        rows = connection.execute(sa.select(t.c.id, t.c.at, t.c.text_key, t.c.reason, t.c.text).order_by(t.c.id))
        entries: dict[str, Entry] = {}
        for row_id, at, key, reason, text in rows:
            if key in decided:
                continue
            entry = entries.get(key)
            if entry is None:
                entry = entries[key] = Entry(row_id, key, text, 0, at)
            if since is not None and at < since:
                continue
            entry.count += 1
            entry.reasons[reason] += 1
            entry.wordings[text] += 1
            entry.last_seen = max(entry.last_seen, at)
            entry.text = entry.wordings.most_common(1)[0][0]
    listed = [e for e in entries.values() if e.count]
    return sorted(listed, key=lambda e: (-e.count, -e.last_seen, e.number))


def add_nearest(entries: list[Entry], bot_engine: Any, k: int = 3) -> None:
    """The k knowledge items the retriever finds closest to each question, with their scores."""
    knowledge = bot_engine.knowledge
    for entry in entries:
        items = bot_engine.retriever.retrieve(entry.text).items[:k]
        entry.nearest = [(h.item_id, knowledge[h.item_id].title, h.score) for h in items]


def find(engine: sa.engine.Engine, number: int) -> tuple[str, str]:
    """(key, most frequent wording) of the queue entry with this number."""
    store.ensure_tables(engine)
    t = store.review_texts
    with engine.connect() as connection:
        key = connection.execute(sa.select(t.c.text_key).where(t.c.id == number)).scalar()
        if key is None:
            raise CoachError(f"review: there is no entry {number} (run `bot review` to see the queue)")
        text = connection.execute(sa.select(t.c.text).where(t.c.text_key == key).group_by(t.c.text)
                                  .order_by(sa.func.count().desc(), sa.func.max(t.c.id).desc()).limit(1)).scalar()
    return key, text


def decide(engine: sa.engine.Engine, key: str, decision: str, item_id: Optional[str] = None) -> None:
    d = store.review_decisions
    with engine.begin() as connection:
        connection.execute(d.delete().where(d.c.text_key == key))
        connection.execute(d.insert(), {"text_key": key, "decision": decision, "item_id": item_id,
                                        "at": int(store.now())})


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long quote
    yaml.indent(mapping=2, sequence=4, offset=2)  # the knowledge files' own layout
    return yaml


def add_question(knowledge_dir: Path, item_id: str, question: str) -> Path:
    """Append `question` to the item's bank, keeping the file's comments and order; the file written."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    yaml = _yaml()
    for path in sorted(Path(knowledge_dir).glob("*.yml")):
        data = yaml.load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            continue
        for bank in BANKS:
            for item in data.get(bank) or []:
                if not isinstance(item, dict) or str(item.get("id")) != item_id:
                    continue
                questions = item.get("questions")
                if questions is None:
                    raise CoachError(f"{path}: item '{item_id}' has no question bank")
                if any(normalise(str(q)) == normalise(question) for q in questions):
                    raise CoachError(f"{path}: '{item_id}' already has the question {question!r}")
                questions.append(DoubleQuotedScalarString(question))
                out = io.StringIO()
                yaml.dump(data, out)
                path.write_text(out.getvalue(), encoding="utf-8")
                return path
    raise CoachError(f"review: no knowledge item '{item_id}' in {knowledge_dir}")


def accept(engine: sa.engine.Engine, number: int, item_id: str, knowledge_dir: Path) -> tuple[Path, str]:
    """Add entry `number`'s phrasing to `item_id`'s bank and validate; undo and raise if invalid."""
    from bot.knowledge.loader import validate_knowledge

    key, text = find(engine, number)
    before: dict[Path, str] = {p: p.read_text(encoding="utf-8") for p in Path(knowledge_dir).glob("*.yml")}
    path = add_question(knowledge_dir, item_id, text)
    _, errors = validate_knowledge(knowledge_dir)
    if errors:
        path.write_text(before[path], encoding="utf-8")
        raise CoachError("review: the knowledge would not validate, so nothing was changed:\n"
                         + "\n".join(str(e) for e in errors))
    decide(engine, key, "accepted", item_id)
    return path, text


def reject(engine: sa.engine.Engine, number: int) -> str:
    key, text = find(engine, number)
    decide(engine, key, "rejected")
    return text


def render(entries: list[Entry]) -> str:
    if not entries:
        return "review: the queue is empty."
    lines = []
    for e in entries:
        lines.append(f"{e.number:>5}  ×{e.count}  \"{e.text}\"  ({e.why()})")
        for item_id, title, score in e.nearest:
            lines.append(f"         {score:.2f}  {item_id} — {title}")
    return "\n".join(lines)


__all__ = ["Entry", "accept", "add_nearest", "add_question", "queue", "reject", "render"]
