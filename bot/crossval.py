"""k-fold cross-validation over the question banks: accuracy on phrasings the system was not built from.

Each item's bank is split into k parts. For fold f, part f of every bank is taken out of the
knowledge; the index, the fine-tuned model and the head are rebuilt from what is left, and the
held-out questions are asked. A bank question of an out-of-scope topic must be declined; any other
must be answered with its item (a challenge's question with one of the challenge's enablers, as in
the dev set). Fold models and indexes are cached under `build/cv/` by fingerprint, so `make eval`
retrains only when the banks or settings change.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from bot.config import Settings
from bot.retrieval.encoder import SentenceTransformerEncoder
from bot.engine import Engine
from bot.retrieval.finetune import ensure_trained
from bot.retrieval.index import CACHE_FILE, build_index
from bot.knowledge.model import Kind, Knowledge

Held = frozenset[tuple[str, int]]  # (item id, position in its bank)


def split(knowledge: Knowledge, k: int, seed: int) -> list[Held]:
    """k disjoint sets of bank questions; every item's bank is spread evenly over the folds."""
    rng = random.Random(seed)
    parts: list[set[tuple[str, int]]] = [set() for _ in range(k)]
    start = 0
    for item in knowledge.items.values():
        positions = list(range(len(item.questions)))
        rng.shuffle(positions)
        for n, position in enumerate(positions):
            parts[(start + n) % k].add((item.id, position))
        start += len(positions)
    return [frozenset(p) for p in parts]


def without(knowledge: Knowledge, held: Held) -> Knowledge:
    items = {i.id: dataclasses.replace(i, questions=tuple(q for n, q in enumerate(i.questions)
                                                          if (i.id, n) not in held))
             for i in knowledge.items.values()}
    return Knowledge(items=items, document=knowledge.document, publisher=knowledge.publisher,
                     year=knowledge.year, names=knowledge.names)


def expected(knowledge: Knowledge, item_id: str) -> dict[str, list[str]]:
    """What counts as the right answer to one of the item's bank questions (dev-set convention)."""
    item = knowledge[item_id]
    if item.kind is Kind.ENABLER:
        return {"enabler": [item.id]}
    if item.kind is Kind.CHALLENGE:
        return {"enabler": list(item.enablers)}
    if item.kind is Kind.THEME:
        return {"fact": [item.id] + [e.id for e in knowledge.enablers_in(item.id)]}
    if item.kind is Kind.EXAMPLE:
        linked = list(item.enablers) + [e for c in item.challenges for e in knowledge[c].enablers]
        return {"fact": [item.id] + ([item.case_study] if item.case_study else []) + linked}
    if item.kind is Kind.CASE_STUDY:
        return {"fact": [item.id] + [e.id for e in knowledge.of_kind(Kind.EXAMPLE) if e.case_study == item.id]}
    return {"fact": [item.id]}


def held_out_set(knowledge: Knowledge, held: Held) -> dict[str, Any]:
    in_scope, off_topic = [], []
    for item_id, position in sorted(held):
        question = knowledge[item_id].questions[position]
        if knowledge[item_id].kind is Kind.OUT_OF_SCOPE:
            off_topic.append(question)
        else:
            in_scope.append({"q": question, **expected(knowledge, item_id)})
    return {"in_scope": in_scope, "off_topic": off_topic}


@dataclass
class Fold:
    number: int
    questions: dict[str, Any]  # a dev-set-shaped dict of the held-out questions
    ours: Engine                # fine-tuned model (if configured) on the fold's knowledge
    base: Engine                # the base model, for the baselines


def _seed_cache(base_cache: Path | None, index_dir: Path) -> None:
    """Start a fold's base-model index from vectors already computed (same model, same texts)."""
    target = index_dir / CACHE_FILE
    if base_cache is not None and base_cache.exists() and not target.exists():
        index_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(base_cache, target)


def fold_engines(settings: Settings, knowledge: Knowledge, k: int, seed: int, work_dir: Path,
                 log: Callable[[str], None] = print, base_cache: Path | None = None) -> list[Fold]:
    """Build (or reuse from `work_dir`) each fold's fine-tuned model, indexes and engines.

    `base_cache`: an embedding cache of the base model (e.g. the baselines' index) to start from.
    """
    base_encoder = SentenceTransformerEncoder(settings.model.name, settings.model.batch_size)
    cv_finetune = dataclasses.replace(settings.finetune, dir=str(work_dir / "finetuned"))
    folds = []
    for number, held in enumerate(split(knowledge, k, seed)):
        known = without(knowledge, held)
        base_dir = work_dir / f"fold{number}" / "base-index"
        _seed_cache(base_cache, base_dir)
        build_index(known, base_encoder, base_dir)
        base = Engine.build(dataclasses.replace(settings, index_dir=base_dir), encoder=base_encoder, knowledge=known)
        trained = ensure_trained(settings.model, cv_finetune, known)
        if trained is None:
            ours = base
        else:
            log(f"fold {number + 1}/{k}: fine-tuned model {trained.path}")
            encoder = SentenceTransformerEncoder(trained.name, settings.model.batch_size, trained.path)
            ours_dir = work_dir / f"fold{number}" / "index"
            build_index(known, encoder, ours_dir)
            ours = Engine.build(dataclasses.replace(settings, index_dir=ours_dir), encoder=encoder, knowledge=known)
        folds.append(Fold(number, held_out_set(knowledge, held), ours, base))
    return folds
