"""What the passage stage changes on the dev, held-out and independent sets (issue 15, ADR 0012).

Answers every question with the passage stage off and on and counts, per set and group, the answers whose
status changed (printing each) and those that gained the report's words.

    PYTHONPATH=$PWD .venv/bin/python scripts/passage_effects.py
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

from bot.answer.compose import compose_answer
from bot.config import load_settings
from bot.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    engine = Engine.build(load_settings())
    search = engine.passages
    for name in ("dev_set", "heldout_set", "independent_set"):
        data = yaml.safe_load((ROOT / "tests" / "eval" / f"{name}.yml").read_text(encoding="utf-8"))
        groups = {"in_scope": [c["q"] for c in data["in_scope"]], "off_topic": data["off_topic"],
                  "problems": data.get("collaboration_problems") or []}
        for group, questions in groups.items():
            counts: Counter[str] = Counter()
            for q in questions:
                engine.passages = None
                before = compose_answer(q, engine)
                engine.passages = search
                after = compose_answer(q, engine)
                if before.status != after.status:
                    counts[f"{before.status} -> {after.status}"] += 1
                    print(f"    {name} {group} {q!r}: {before.status} -> {after.status}")
                elif len(after.quotes) > len(before.quotes):
                    counts["words added"] += 1
                else:
                    counts["unchanged"] += 1
            if questions:
                print(f"{name} {group}: {dict(counts)}")


if __name__ == "__main__":
    main()
