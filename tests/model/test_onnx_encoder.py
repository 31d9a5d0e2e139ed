"""The ONNX query encoder is the real model: same vectors as torch, exported once, used by the engine."""

from __future__ import annotations

import numpy as np
import pytest

from bot.engine import model_for
from bot.retrieval import onnx_encoder
from bot.retrieval.encoder import SentenceTransformerEncoder
from tests.model.test_real_retrieval import every_eval_question

pytestmark = pytest.mark.model


def test_the_engine_embeds_questions_with_the_verified_onnx_export(real_engine, settings):
    assert settings.model.backend == "onnx"
    encoder = real_engine.retriever.encoder
    encoder = getattr(encoder, "wrapped", encoder)  # under RecentQueries, which re-uses a question's vector
    assert isinstance(encoder, onnx_encoder.OnnxEncoder)
    assert encoder.name == model_for(settings, real_engine.knowledge)[0]  # so it reads the index torch built


def test_onnx_and_torch_give_the_same_vectors_for_every_eval_question(real_engine, settings):
    questions = every_eval_question()
    onnx = real_engine.retriever.encoder.encode(questions)
    name, path = model_for(settings, real_engine.knowledge)  # the fine-tuned model, as the index was built
    torch = SentenceTransformerEncoder(name, path=path).encode(questions)
    assert onnx.shape == torch.shape == (len(questions), 384)
    assert float(np.abs(onnx - torch).max()) < onnx_encoder.MAX_DIFFERENCE
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)


def test_an_export_is_made_once_per_model_and_then_reused(settings, tmp_path):
    first = onnx_encoder.ensure_export(settings.model.name, tmp_path)
    made = first.stat().st_mtime_ns
    again = onnx_encoder.ensure_export(settings.model.name, tmp_path)
    assert again == first and again.stat().st_mtime_ns == made
    assert first.parent.name == onnx_encoder.model_fingerprint(
        onnx_encoder.Path(onnx_encoder.resolve_model_path(settings.model.name)))[:16]
