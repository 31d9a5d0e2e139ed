"""`bot eval`: accuracy on the development set for our retrieval and two single-signal baselines.

All three run in the same process over the same knowledge, index and questions; only the signal
(and its decline threshold) differs.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.answer import types as t
from bot.answer.compose import compose_answer
from bot.engine import Engine


@dataclass
class Result:
    system: str
    enabler_correct: int = 0
    enabler_total: int = 0
    fact_correct: int = 0
    fact_total: int = 0
    declined: int = 0
    off_topic_total: int = 0
    in_scope_declined: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @staticmethod
    def pct(n: int, d: int) -> str:
        return f"{100 * n / d:5.1f} % ({n}/{d})" if d else "n/a"

    @property
    def in_scope(self) -> str:
        return self.pct(self.enabler_correct + self.fact_correct, self.enabler_total + self.fact_total)


def load_dev_set(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data.get("in_scope") or not data.get("off_topic"):
        raise ValueError(f"{path}: expected 'in_scope' and 'off_topic' lists")
    return data


def baseline_engine(engine: Engine, mode: str) -> Engine:
    """Our engine searching with one signal, declining below that signal's own threshold."""
    s = engine.settings
    floor = s.baselines.dense_decline_below if mode == "dense" else s.baselines.bm25_decline_below
    decision = dataclasses.replace(s.decision, decline_below=floor,
                                   dense_floor=floor if mode == "dense" else 0.0)
    single = engine.with_mode(mode)  # type: ignore[arg-type]
    single.settings = dataclasses.replace(s, decision=decision)
    return single


def evaluate(engine: Engine, dev: dict[str, Any], system: str) -> Result:
    result = Result(system)
    for case in dev["in_scope"]:
        started = time.perf_counter()
        answer = compose_answer(case["q"], engine)
        result.latencies_ms.append(1000 * (time.perf_counter() - started))
        if answer.status.startswith("unanswerable"):
            result.in_scope_declined += 1
        if "enabler" in case:
            result.enabler_total += 1
            ok = answer.status == t.ANSWERED and answer.enabler_id in case["enabler"]
            result.enabler_correct += ok
        else:
            result.fact_total += 1
            ok = answer.is_answer and (answer.fact_id in case["fact"] or answer.enabler_id in case["fact"])
            result.fact_correct += ok
        if not ok:
            got = answer.fact_id or answer.enabler_id or answer.status
            result.misses.append(f"{case['q']!r}: got {got}, expected {case.get('enabler') or case.get('fact')}")
    for question in dev["off_topic"]:
        answer = compose_answer(question, engine)
        result.off_topic_total += 1
        if answer.status.startswith("unanswerable"):
            result.declined += 1
        else:
            result.misses.append(f"off-topic {question!r}: got {answer.enabler_id or answer.fact_id or answer.status}")
    return result


def table(results: list[Result]) -> str:
    rows = ["| system | enabler accuracy | fact accuracy | in-scope accuracy | off-topic declined "
            "| in-scope wrongly declined | median ms/question |",
            "|---|---|---|---|---|---|---|"]
    for r in results:
        rows.append(f"| {r.system} | {r.pct(r.enabler_correct, r.enabler_total)} | "
                    f"{r.pct(r.fact_correct, r.fact_total)} | {r.in_scope} | "
                    f"{r.pct(r.declined, r.off_topic_total)} | "
                    f"{r.pct(r.in_scope_declined, r.enabler_total + r.fact_total)} | "
                    f"{statistics.median(r.latencies_ms):.1f} |")
    return "\n".join(rows)


def run_eval(engine: Engine, dev_path: Path) -> list[Result]:
    dev = load_dev_set(dev_path)
    return [evaluate(engine, dev, "hybrid (ours: dense + BM25 + question bank + links)"),
            evaluate(baseline_engine(engine, "bm25"), dev, "baseline: BM25 alone"),
            evaluate(baseline_engine(engine, "dense"), dev, "baseline: dense MiniLM alone")]
