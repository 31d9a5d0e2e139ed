"""Fine-tuning the top layers: the frozen-state forward pass is the model's own, and training moves a bank
question towards its item on the real model."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from bot.retrieval import finetune
from bot.retrieval.encoder import SentenceTransformerEncoder, resolve_model_path

pytestmark = pytest.mark.model


def test_the_trained_layers_over_frozen_states_give_the_models_own_vectors(settings):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(resolve_model_path(settings.model.name), device="cpu")
    texts = ["Partners nod along at the steering group, then nothing happens.", "Dedicated, flexible funding",
             "ICB and council budgets never line up"]
    frozen = finetune.FrozenStates(model[0], texts, first_trained=4, max_tokens=64)
    ours = frozen.embed(texts).detach().numpy()
    theirs = model.encode(texts, normalize_embeddings=True)
    assert float(np.abs(ours - theirs).max()) < 1e-5


def test_a_short_training_run_pulls_questions_to_their_item_and_is_saved_whole(settings, knowledge, tmp_path):
    ids = ["dedicated_flexible_funding", "organisational_hierarchies", "strong_pre_existing_relationships",
           "maintaining_open_frequent_communication"]
    groups = {i: g for i, g in finetune.training_groups(knowledge).items() if i in ids}
    assert len(groups) == len(ids)
    quick = dataclasses.replace(settings.finetune, epochs=3, layers=1)
    out = tmp_path / "model"
    finetune.train(resolve_model_path(settings.model.name), groups, quick, out)
    assert json.loads((out / finetune.DONE_FILE).read_text())["trained_layers"] == 1

    def margin(encoder) -> float:
        """Mean cosine of a bank question to its own item's title, minus to the other items' titles."""
        titles = encoder.encode([knowledge[i].title for i in ids])
        total = 0.0
        for n, item_id in enumerate(ids):
            q = encoder.encode(list(groups[item_id].questions))
            sims = q @ titles.T
            total += float(sims[:, n].mean() - np.delete(sims, n, axis=1).mean())
        return total / len(ids)

    before = margin(SentenceTransformerEncoder(settings.model.name))
    after = margin(SentenceTransformerEncoder("tuned", path=str(out)))
    assert after > before + 0.05
