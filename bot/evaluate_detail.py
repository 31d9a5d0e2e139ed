"""`bot eval --detail`: does the answer contain the sentence of the report that answers the question?

A detail set (tests/eval/detail_set.yml) lists questions answerable from one sentence of the report, each
with the `answer` span copied from the report. Ours is right when the composed answer shows that span
(in its text or its quotes), compared after folding white space and removing the PDF's artefacts
(bullets, glued footnote markers; bot/knowledge/clean.py). The baselines show the single best passage
by BM25 alone and by dense MiniLM alone. Every quote ours shows is also checked verbatim in the report.
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.render import to_markdown
from bot.answer.compose import compose_answer
from bot.evaluate import Tally
from bot.engine import Engine
from bot.knowledge.clean import clean
from bot.knowledge.source import SourceText, fold_space

OURS = "ours: items, then the report's passages (dense + BM25)"
BM25_TOP = "baseline: top passage by BM25 alone"
DENSE_TOP = "baseline: top passage by dense MiniLM alone"
_BULLET = re.compile(r"(?m)^\s*[▪●•>]\s*")


@dataclass
class DetailResult(Tally):
    right: int = 0
    total: int = 0
    declined: int = 0
    not_verbatim: int = 0


def load_detail_set(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("detail"), list) or not data["detail"]:
        raise ValueError(f"{path}: expected a 'detail' list of {{q, answer}}")
    return data["detail"]


class Normaliser:
    """White space folded, bullets and blockquote marks dropped, footnote markers glued to a line's end and
    the number that starts a footnote taken off (as the cleaning step does), so a span copied from the raw
    report compares with a quote."""

    def __init__(self, raw_report: str) -> None:
        lines = raw_report.splitlines()
        cleaned = clean(raw_report)
        self.marked = [(lines[n - 1].strip(), marker) for n, marker in cleaned.markers]
        self.numbered = [(lines[f.first_line - 1].strip(), f"{f.number} ") for f in cleaned.footnotes]

    def __call__(self, text: str) -> str:
        text = text.strip()
        for line, marker in self.marked:
            if line.endswith(text) and text.endswith(marker):
                text = text[: -len(marker)]
        for line, number in self.numbered:  # "2 King et al. (2020)…": the 2 is the footnote's number
            if line.startswith(text) and text.startswith(number):
                text = text[len(number):]
        return fold_space(_BULLET.sub("", text))


def evaluate_detail(engine: Engine, cases: list[dict[str, Any]], source: SourceText,
                    normalise: Normaliser) -> list[DetailResult]:
    ours, bm25, dense = DetailResult(OURS), DetailResult(BM25_TOP), DetailResult(DENSE_TOP)
    assert engine.passages is not None
    single = {"bm25": engine.passages.with_mode("bm25"), "dense": engine.passages.with_mode("dense")}
    # The baselines embed the question themselves (not from the vector ours just remembered), for fair timings.
    single["dense"].encoder = getattr(engine.passages.encoder, "wrapped", engine.passages.encoder)
    for case in cases:
        span = normalise(case["answer"])
        started = time.perf_counter()
        answer = compose_answer(case["q"], engine)
        ours.latencies_ms.append(1000 * (time.perf_counter() - started))
        shown = normalise(to_markdown(answer)) + " \n " + normalise(" ".join(q.text for q in answer.quotes))
        ours.total += 1
        ours.declined += answer.status.startswith("unanswerable") and not answer.quotes
        ours.not_verbatim += sum(not source.contains(q.text) for q in answer.quotes)
        if span in shown:
            ours.right += 1
        else:
            ours.misses.append(f"{case['q']!r}: {answer.status}, wanted {case['answer']!r}")
        for result, mode in ((bm25, "bm25"), (dense, "dense")):
            started = time.perf_counter()
            top = single[mode].search(case["q"], k=1)[0]
            result.latencies_ms.append(1000 * (time.perf_counter() - started))
            result.total += 1
            if span in normalise(top.passage.text):
                result.right += 1
            else:
                result.misses.append(f"{case['q']!r}: {top.passage.id}")
    return [ours, bm25, dense]


def detail_table(results: list[DetailResult]) -> str:
    def pct(n: int, d: int) -> str:
        return f"{100 * n / d:5.1f} % ({n}/{d})" if d else "n/a"

    rows = ["| system | answer contains the report's answering words | declined | quotes not verbatim "
            "| median ms/question |", "|---|---|---|---|---|"]
    for r in results:
        rows.append(f"| {r.system} | {pct(r.right, r.total)} | {pct(r.declined, r.total)} | {r.not_verbatim} "
                    f"| {statistics.median(r.latencies_ms):.1f} |")
    return "\n".join(rows)
