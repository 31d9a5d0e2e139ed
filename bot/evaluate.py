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
from bot.knowledge.glossary import Glossary


@dataclass
class Tally:
    """What every evaluation keeps per system: how long each question took, and what it got wrong."""

    system: str
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


@dataclass
class Result(Tally):
    enabler_correct: int = 0
    enabler_total: int = 0
    fact_correct: int = 0
    fact_total: int = 0
    declined: int = 0
    off_topic_total: int = 0
    in_scope_declined: int = 0
    problems_total: int = 0      # genuine collaboration problems that must not be flatly declined
    problems_declined: int = 0
    problems_clarified: int = 0

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
    data.setdefault("collaboration_problems", [])
    return data


def baseline_engine(engine: Engine, mode: str) -> Engine:
    """Our engine searching with one signal, declining below that signal's own threshold."""
    s = engine.settings
    floor = s.baselines.dense_decline_below if mode == "dense" else s.baselines.bm25_decline_below
    decision = dataclasses.replace(s.decision, decline_below=floor,
                                   dense_floor=floor if mode == "dense" else 0.0,
                                   ask_above=float("inf"))  # a baseline declines; it never asks
    single = engine.with_mode(mode)  # type: ignore[arg-type]
    single.retriever.glossary = Glossary()  # one signal alone: no collaboration vocabulary, no head
    single.settings = dataclasses.replace(s, decision=decision)
    return single


def evaluate(engine: Engine, dev: dict[str, Any], system: str, result: Result | None = None) -> Result:
    """Ask every question of `dev`; add the outcome to `result` (a new one if None)."""
    result = result or Result(system)
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
    for question in dev.get("collaboration_problems") or []:
        answer = compose_answer(question, engine)
        result.problems_total += 1
        if answer.status.startswith("unanswerable"):
            result.problems_declined += 1
            result.misses.append(f"problem flatly declined {question!r}")
        result.problems_clarified += answer.status == t.CLARIFICATION
    return result


def table(results: list[Result]) -> str:
    problems = any(r.problems_total for r in results)
    extra = " collaboration problems flatly declined | ...asked to clarify |" if problems else ""
    rows = ["| system | enabler accuracy | fact accuracy | in-scope accuracy | off-topic declined "
            "| in-scope wrongly declined |" + extra + " median ms/question |",
            "|---|---|---|---|---|---|" + ("---|---|" if problems else "") + "---|"]
    for r in results:
        cells = (f" {r.pct(r.problems_declined, r.problems_total)} | {r.pct(r.problems_clarified, r.problems_total)} |"
                 if problems else "")
        rows.append(f"| {r.system} | {r.pct(r.enabler_correct, r.enabler_total)} | "
                    f"{r.pct(r.fact_correct, r.fact_total)} | {r.in_scope} | "
                    f"{r.pct(r.declined, r.off_topic_total)} | "
                    f"{r.pct(r.in_scope_declined, r.enabler_total + r.fact_total)} |{cells} "
                    f"{statistics.median(r.latencies_ms):.1f} |")
    return "\n".join(rows)


OURS = "ours: dense (adapted) + BM25 + question bank + links + n-gram + embedding head + off-topic model"
BM25_ALONE = "baseline: BM25 alone"
DENSE_ALONE = "baseline: dense MiniLM alone (base model)"


def run_eval(engine: Engine, dev_path: Path, base: Engine | None = None) -> list[Result]:
    """Ours and the two single-signal baselines; `base` searches with the base model (default `engine`)."""
    dev = load_dev_set(dev_path)
    base = base or engine
    return [evaluate(engine, dev, OURS),
            evaluate(baseline_engine(base, "bm25"), dev, BM25_ALONE),
            evaluate(baseline_engine(base, "dense"), dev, DENSE_ALONE)]


def run_crossval(folds: list[Any]) -> list[Result]:
    """The three systems over every fold of bank cross-validation (bot.crossval.fold_engines)."""
    results = [Result(OURS), Result(BM25_ALONE), Result(DENSE_ALONE)]
    for fold in folds:
        evaluate(fold.ours, fold.questions, OURS, results[0])
        evaluate(baseline_engine(fold.base, "bm25"), fold.questions, BM25_ALONE, results[1])
        evaluate(baseline_engine(fold.base, "dense"), fold.questions, DENSE_ALONE, results[2])
    return results
