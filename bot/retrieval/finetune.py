"""Fine-tune the embedding model on the knowledge, so leaders' phrasings land near the right item.

Why: the base all-MiniLM-L6-v2 knows English but not this report: "partners nod along, then nothing
happens" and *Lack of ownership or buy-in* are far apart for it. Contrastive training on the question
banks (each question paired with its item's title and quotes, and with another question of the same
item; the other pairs in a batch are the negatives) teaches it which phrasings mean the same thing
here. Measured by cross-validation over the banks (bot/crossval.py, docs/adr/0009).

How: sentence-transformers' own fit loop with MultipleNegativesRankingLoss, a fixed seed and one
thread-count-independent shuffle, so `make index` builds the same model on every machine. The model
is kept in `<finetune.dir>/<fingerprint>/`; the fingerprint covers the base model, the training
pairs and the settings, so it retrains only when the banks, quotes or settings change. Nothing is
downloaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from bot.config import FinetuneSettings, ModelSettings
from bot.retrieval.encoder import resolve_model_path
from bot.knowledge.model import Knowledge

log = logging.getLogger(__name__)

DONE_FILE = "finetune.json"  # written last: a folder without it is an interrupted run


@dataclass(frozen=True)
class TrainedModel:
    name: str   # logical name: base model + fingerprint (keys the index and its embedding cache)
    path: str   # the folder it is saved in


def item_text(knowledge: Knowledge, item_id: str) -> str:
    item = knowledge[item_id]
    return " ".join((item.title, *item.quotes))


def training_pairs(knowledge: Knowledge, seed: int) -> list[tuple[str, str]]:
    """(anchor, positive) pairs: bank question -> its item's title and quotes, and -> a sibling question."""
    rng = random.Random(seed)
    pairs: list[tuple[str, str]] = []
    for item in knowledge.items.values():
        document = item_text(knowledge, item.id)
        questions = list(item.questions)
        for n, question in enumerate(questions):
            pairs.append((question, document))
            if len(questions) > 1:
                sibling = questions[(n + 1 + rng.randrange(len(questions) - 1)) % len(questions)]
                pairs.append((question, sibling))
    rng.shuffle(pairs)
    return pairs


def fingerprint(model: ModelSettings, settings: FinetuneSettings, pairs: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256(model.name.encode())
    digest.update(json.dumps([settings.epochs, settings.batch_size, settings.learning_rate,
                              settings.warmup_share, settings.seed]).encode())
    for anchor, positive in pairs:
        digest.update(f"\x00{anchor}\x00{positive}".encode())
    return digest.hexdigest()


def trained_model(model: ModelSettings, settings: FinetuneSettings, knowledge: Knowledge) -> Optional[TrainedModel]:
    """Where the fine-tuned model for this knowledge is (or will be); None when fine-tuning is off."""
    if settings.epochs <= 0:
        return None
    fp = fingerprint(model, settings, training_pairs(knowledge, settings.seed))[:16]
    return TrainedModel(name=f"{model.name}+ft-{fp}", path=str(Path(settings.dir) / fp))


def is_trained(trained: TrainedModel) -> bool:
    return (Path(trained.path) / DONE_FILE).exists()


def ensure_trained(model: ModelSettings, settings: FinetuneSettings, knowledge: Knowledge,
                   progress: bool = False) -> Optional[TrainedModel]:
    """The fine-tuned model for this knowledge, training it first if it is not on disk yet."""
    trained = trained_model(model, settings, knowledge)
    if trained is None or is_trained(trained):
        return trained
    train(resolve_model_path(model.name), training_pairs(knowledge, settings.seed), settings,
          Path(trained.path), progress)
    return trained


def train(base_path: str, pairs: list[tuple[str, str]], settings: FinetuneSettings, out: Path,
          progress: bool = False) -> None:
    import torch
    from sentence_transformers import InputExample, SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from torch.utils.data import DataLoader

    random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    model = SentenceTransformer(base_path, device="cpu")
    examples = [InputExample(texts=[a, p]) for a, p in pairs]
    generator = torch.Generator().manual_seed(settings.seed)
    loader = DataLoader(examples, shuffle=True, batch_size=settings.batch_size, generator=generator)
    loss = MultipleNegativesRankingLoss(model)
    steps = len(loader) * settings.epochs
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as scratch:
        model.old_fit(train_objectives=[(loader, loss)], epochs=settings.epochs,
                      warmup_steps=int(steps * settings.warmup_share),
                      optimizer_params={"lr": settings.learning_rate}, show_progress_bar=progress)
        staged = Path(scratch) / "model"
        model.save(str(staged))
        (staged / DONE_FILE).write_text(json.dumps({"base": base_path, "pairs": len(pairs), "steps": steps,
                                                    "settings": settings.__dict__}, indent=2), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(staged, out)
    log.info("fine-tuned %s on %d pairs (%d steps) into %s", base_path, len(pairs), steps, out)


def prune(settings: FinetuneSettings, keep: set[str]) -> None:
    """Remove trained models no longer wanted (older knowledge), keeping the named folders."""
    root = Path(settings.dir)
    if root.is_dir():
        for folder in root.iterdir():
            if folder.is_dir() and folder.name not in keep and not folder.name.startswith("tmp"):
                shutil.rmtree(folder, ignore_errors=True)
