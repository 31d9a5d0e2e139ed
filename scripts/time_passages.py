"""What the report's passages add to composing an answer, per question (issue 15, ADR 0012).

Composes every dev-set question with the passage stage off and on, alternately (so both see the same load on a
shared machine), with the remembered question vectors cleared before each turn (so "on" re-uses the vector the
item search just made, as in a real turn, and "off" gets no help from the previous turn). Prints medians.

    PYTHONPATH=$PWD .venv/bin/python scripts/time_passages.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import yaml

from bot.answer.compose import compose_answer
from bot.config import load_settings
from bot.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    engine = Engine.build(load_settings())
    passages = engine.passages
    dev = yaml.safe_load((ROOT / "tests" / "eval" / "dev_set.yml").read_text(encoding="utf-8"))
    questions = [c["q"] for c in dev["in_scope"]] + list(dev["off_topic"])
    recent = getattr(engine.retriever.encoder, "_recent", {})
    off: list[float] = []
    on: list[float] = []
    for q in questions[:10]:  # warm up
        compose_answer(q, engine)
    for _ in range(args.rounds):
        for q in questions:
            for store, search in ((off, None), (on, passages)):
                engine.passages = search
                recent.clear()
                started = time.perf_counter()
                compose_answer(q, engine)
                store.append(1000 * (time.perf_counter() - started))
    engine.passages = passages
    diffs = [b - a for a, b in zip(off, on)]
    print(f"{len(questions)} dev questions x {args.rounds} rounds")
    print(f"compose, passages off: median {statistics.median(off):.2f} ms")
    print(f"compose, passages on:  median {statistics.median(on):.2f} ms")
    print(f"added per question (median of paired differences): {statistics.median(diffs):.2f} ms")


if __name__ == "__main__":
    main()
