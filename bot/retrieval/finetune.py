"""Fine-tune the embedding model's top layers on the knowledge, so leaders' phrasings land near the right item.

Why: the base all-MiniLM-L6-v2 knows English but not this report: "partners nod along, then nothing
happens" and *Lack of ownership or buy-in* are far apart for it. Contrastive training on the question
banks (each bank question against another text of its item: its title, a quote or a sibling question;
the batch's other items' texts are the negatives) teaches it which phrasings mean the same thing here.

How, in about a minute on 2 cores: only the top `layers` transformer layers are trained. The frozen
layers below give every text the same output whatever the training does, so that output is computed
once per text and kept in memory, and each step runs (and back-propagates through) the top layers
alone. Training the whole encoder the usual way took 7 minutes here; two layers for two epochs take about
a minute. It sharpens the dense signal alone (the right item nearest for 81 % of held-out bank questions
against 65 % with the base model, in a prototype over two folds) but not the whole pipeline, whose heads
learn worse from vectors of texts the model was trained on; so it is off in coach.yml (ADR 0009, fifth addendum).

The model is saved whole (frozen layers included) in `<finetune.dir>/<fingerprint>/`, so the index,
the ONNX export and the heads follow it like any other model. The fingerprint covers the base model,
the knowledge's texts and the settings, so it retrains only when the banks, quotes or settings change.
A fixed seed makes the run repeatable. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import numpy as np

from bot.config import FinetuneSettings, ModelSettings
from bot.knowledge.model import Knowledge
from bot.retrieval.encoder import resolve_model_path

log = logging.getLogger(__name__)

DONE_FILE = "finetune.json"  # written last: a folder without it is an interrupted run


@dataclass(frozen=True)
class TrainedModel:
    name: str   # logical name: base model + fingerprint (keys the index and its embedding cache)
    path: str   # the folder it is saved in


@dataclass(frozen=True)
class Group:
    texts: tuple[str, ...]      # an item's title, quotes and bank questions, each once
    questions: tuple[str, ...]  # its bank questions: the anchors, because questions are what the model is asked


def training_groups(knowledge: Knowledge) -> dict[str, Group]:
    """Every item with a bank question and another text to pull it towards, in a stable order."""
    groups = {}
    for item in sorted(knowledge.items.values(), key=lambda i: i.id):
        texts = tuple(dict.fromkeys((item.title, *item.quotes, *item.questions)))
        if len(texts) > 1 and item.questions:
            groups[item.id] = Group(texts, tuple(dict.fromkeys(item.questions)))
    return groups


def batches(groups: dict[str, Group], batch_size: int, epochs: int,
            seed: int) -> Iterator[list[tuple[str, str, str]]]:
    """(item id, anchor, positive) triples per step: every bank question once per epoch as the anchor, against
    another text of its item chosen at random."""
    rng = np.random.default_rng(seed)
    anchors = [(item_id, question) for item_id, group in groups.items() for question in group.questions]
    for _ in range(epochs):
        order = rng.permutation(len(anchors))
        for start in range(0, len(order), batch_size):
            chosen = [anchors[n] for n in order[start:start + batch_size]]
            if len(chosen) < 2:  # a lone anchor has no negatives to learn from
                continue
            batch = []
            for item_id, anchor in chosen:
                others = [t for t in groups[item_id].texts if t != anchor]
                batch.append((item_id, anchor, others[int(rng.integers(len(others)))]))
            yield batch


def fingerprint(model: ModelSettings, settings: FinetuneSettings, knowledge: Knowledge) -> str:
    digest = hashlib.sha256(model.name.encode())
    digest.update(json.dumps([settings.epochs, settings.layers, settings.batch_size, settings.learning_rate,
                              settings.temperature, settings.max_tokens, settings.seed]).encode())
    for item in sorted(knowledge.items.values(), key=lambda i: i.id):
        digest.update(json.dumps([item.id, item.title, list(item.quotes), list(item.questions)]).encode())
    return digest.hexdigest()


def trained_model(model: ModelSettings, settings: FinetuneSettings, knowledge: Knowledge) -> Optional[TrainedModel]:
    """Where the fine-tuned model for this knowledge is (or will be); None when fine-tuning is off."""
    if settings.epochs <= 0 or settings.layers <= 0:
        return None
    fp = fingerprint(model, settings, knowledge)[:16]
    return TrainedModel(name=f"{model.name}+ft-{fp}", path=str(Path(settings.dir) / fp))


def is_trained(trained: TrainedModel) -> bool:
    return (Path(trained.path) / DONE_FILE).exists()


def ensure_trained(model: ModelSettings, settings: FinetuneSettings, knowledge: Knowledge,
                   progress: bool = False) -> Optional[TrainedModel]:
    """The fine-tuned model for this knowledge, training it first if it is not on disk yet."""
    trained = trained_model(model, settings, knowledge)
    if trained is None or is_trained(trained):
        return trained
    train(resolve_model_path(model.name), training_groups(knowledge), settings, Path(trained.path), progress)
    return trained


class FrozenStates:
    """The output of the frozen layers for every training text, computed once; and the trained layers
    run over it, which is the whole model's forward pass for those texts (checked in tests/model)."""

    def __init__(self, transformer, texts: list[str], first_trained: int, max_tokens: int) -> None:
        import torch

        self.bert = transformer.auto_model
        self.first = first_trained
        self.row = {text: n for n, text in enumerate(texts)}
        self.states: list = []
        tokenizer = transformer.tokenizer
        self.bert.eval()
        with torch.no_grad():
            for start in range(0, len(texts), 64):
                encoded = tokenizer(texts[start:start + 64], padding=True, truncation=True, max_length=max_tokens,
                                    return_tensors="pt")
                hidden = self.bert(**encoded, output_hidden_states=True).hidden_states[first_trained]
                for row, mask in zip(hidden, encoded["attention_mask"]):
                    self.states.append(row[:int(mask.sum())].clone())

    def trained_layers(self):
        return self.bert.encoder.layer[self.first:]

    def embed(self, texts: list[str]):
        """Unit vectors (mean of the top layer's token states, as the model's own pooling does)."""
        import torch

        rows = [self.states[self.row[t]] for t in texts]
        width = max(r.shape[0] for r in rows)
        hidden = torch.zeros(len(rows), width, rows[0].shape[1])
        mask = torch.zeros(len(rows), width)
        for n, r in enumerate(rows):
            hidden[n, :r.shape[0]] = r
            mask[n, :r.shape[0]] = 1
        # An additive mask in the (batch, 1, query, key) shape every attention implementation accepts.
        additive = ((1.0 - mask[:, None, None, :]) * torch.finfo(hidden.dtype).min).expand(-1, 1, width, width)
        for layer in self.trained_layers():
            out = layer(hidden, attention_mask=additive)
            hidden = out[0] if isinstance(out, tuple) else out  # transformers 4 returns a tuple, 5 a tensor
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return torch.nn.functional.normalize(pooled, dim=-1)


def _check_mean_pooling(model) -> None:
    pooling = model[1] if len(model) > 1 else None
    mode = getattr(pooling, "pooling_mode", None) or getattr(pooling, "get_pooling_mode_str", lambda: None)()
    if mode != "mean":
        raise ValueError("fine-tuning the top layers needs a mean-pooled transformer model "
                         "(like all-MiniLM-L6-v2); set finetune.epochs to 0 for this model")


def train(base_path: str, groups: dict[str, Group], settings: FinetuneSettings, out: Path,
          progress: bool = False) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(settings.seed)
    started = time.monotonic()
    model = SentenceTransformer(base_path, device="cpu")
    _check_mean_pooling(model)
    layers = model[0].auto_model.encoder.layer
    first = max(0, len(layers) - settings.layers)
    texts = sorted({t for group in groups.values() for t in group.texts})
    frozen = FrozenStates(model[0], texts, first, settings.max_tokens)
    for parameter in model.parameters():
        parameter.requires_grad = False
    trained = list(frozen.trained_layers().parameters())
    for parameter in trained:
        parameter.requires_grad = True
    optimiser = torch.optim.AdamW(trained, lr=settings.learning_rate)
    frozen.trained_layers().train()
    steps = 0
    for batch in batches(groups, settings.batch_size, settings.epochs, settings.seed):
        items = [item_id for item_id, _, _ in batch]
        anchors = frozen.embed([anchor for _, anchor, _ in batch])
        positives = frozen.embed([positive for _, _, positive in batch])
        logits = anchors @ positives.T / settings.temperature
        # Another anchor's positive of the same item is no negative.
        same = torch.tensor([[a == b for b in items] for a in items])
        same.fill_diagonal_(False)
        loss = torch.nn.functional.cross_entropy(logits.masked_fill(same, float("-inf")), torch.arange(len(batch)))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        steps += 1
        if progress and steps % 50 == 0:
            print(f"  fine-tuning: step {steps}, loss {loss.item():.3f}", flush=True)
    frozen.trained_layers().eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as scratch:
        staged = Path(scratch) / "model"
        model.save(str(staged))
        (staged / DONE_FILE).write_text(json.dumps({
            "base": base_path, "texts": len(texts), "steps": steps, "trained_layers": len(layers) - first,
            "seconds": round(time.monotonic() - started, 1), "settings": settings.__dict__}, indent=2),
            encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(staged, out)
    log.info("fine-tuned the top %d layers of %s on %d texts (%d steps, %.0f s) into %s", len(layers) - first,
             base_path, len(texts), steps, time.monotonic() - started, out)


def prune(settings: FinetuneSettings, keep: set[str]) -> None:
    """Remove trained models no longer wanted (older knowledge), keeping the named folders."""
    root = Path(settings.dir)
    if root.is_dir():
        for folder in root.iterdir():
            if folder.is_dir() and folder.name not in keep and not folder.name.startswith("tmp"):
                shutil.rmtree(folder, ignore_errors=True)
