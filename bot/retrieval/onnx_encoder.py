"""The query encoder on ONNX Runtime: the same model and the same vectors, about 3x faster per question.

Why: on this machine (2 cores, one thread per process) torch takes ~18 ms to embed one short question
with all-MiniLM-L6-v2, most of a Q&A turn's own cost; ONNX Runtime runs the same graph in ~7 ms
(docs/benchmarks.md). Int8 quantisation was faster still but moved the vectors (cosine to the torch
vector as low as 0.93), so it is not used: the index and the thresholds in coach.yml were made with
the torch vectors, and the exported model must reproduce them.

How: `bot index` (and, if that was skipped, the first start of the action server) exports the
sentence-transformers model's transformer to `<index_dir>/onnx/model.onnx` with torch's exporter,
then checks that ONNX Runtime's vectors match torch's on probe sentences (including one long enough
to be truncated) to within `MAX_DIFFERENCE`. Only a verified export is used. The export is keyed by
a fingerprint of the model's files, so another model (COACH_MODEL) gets its own export. Pooling is
read from the model's own sentence-transformers config; models whose pooling is not mean or CLS,
or any failure to export or verify, fall back to torch with one warning in the log.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

from bot.retrieval.encoder import SentenceTransformerEncoder, resolve_model_path

log = logging.getLogger(__name__)

EXPORT_DIR = "onnx"
MODEL_FILE = "model.onnx"
META_FILE = "export.json"
MAX_DIFFERENCE = 1e-4  # largest allowed |onnx - torch| in any vector component (unit vectors)
OPSET = 17
PROBES = [
    "How do we build trust with partners who have been let down before?",
    "siloed funding",
    "Collaboration between councils, NHS trusts, police and charities in one place. " * 40,  # > 256 tokens
]
SUPPORTED_POOLING = ("mean", "cls")


class ExportError(Exception):
    """The model could not be exported, or its export does not reproduce the torch vectors."""


def model_fingerprint(model_dir: Path) -> str:
    """Changes when the model's configuration, tokenizer or weights change."""
    digest = hashlib.sha256()
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(model_dir)).encode())
        if path.suffix in (".json", ".txt"):
            digest.update(path.read_bytes())
        else:  # weights: size and mtime, not hundreds of MB of hashing at every start
            stat = path.stat()
            digest.update(f"{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()


def _pooling_mode(model: Any) -> str:
    pooling = next((m for m in model if type(m).__name__ == "Pooling"), None)
    if pooling is None:
        raise ExportError("the model has no Pooling module")
    config = pooling.get_config_dict()
    mode = config.get("pooling_mode")  # sentence-transformers 5; older versions keep one flag per mode
    if mode is None:
        flags = [k for k, v in config.items() if k.startswith("pooling_mode_") and v is True]
        mode = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}.get(flags[0], flags[0]) \
            if len(flags) == 1 else "+".join(flags) or "unknown"
    if mode not in SUPPORTED_POOLING:
        raise ExportError(f"pooling '{mode}' is not supported by the ONNX path (only {SUPPORTED_POOLING})")
    return mode


def export(model_dir: Path, out_dir: Path, fingerprint: str) -> Path:
    """Export the transformer to ONNX, verify it against torch, and write it with its metadata."""
    try:
        return _export(model_dir, out_dir, fingerprint)
    except ExportError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever stops the export, the answer is "use torch"
        raise ExportError(f"{type(exc).__name__}: {exc}") from exc


def _export(model_dir: Path, out_dir: Path, fingerprint: str) -> Path:
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ExportError(f"exporting needs torch and sentence-transformers: {exc}") from exc

    model = SentenceTransformer(str(model_dir), device="cpu")
    mode = _pooling_mode(model)
    normalize = any(type(m).__name__ == "Normalize" for m in model)
    transformer = model[0].auto_model.eval()
    tokenizer = model.tokenizer
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in tokenizer.model_input_names]

    class LastHiddenState(torch.nn.Module):
        """Named inputs in, token vectors out: the graph ONNX Runtime will run."""

        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(names, inputs))).last_hidden_state

    sample = tokenizer(["a short sample sentence"], return_tensors="pt")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as scratch:
        staged = Path(scratch) / MODEL_FILE
        try:
            with torch.inference_mode(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the tracer's notes on shapes it treats as dynamic
                torch.onnx.export(LastHiddenState(transformer), tuple(sample[n] for n in names), str(staged),
                                  input_names=names, output_names=["last_hidden_state"], opset_version=OPSET,
                                  dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
                                  dynamo=False)
        except Exception as exc:  # noqa: BLE001 - any exporter failure means "use torch"
            raise ExportError(f"torch.onnx.export failed: {type(exc).__name__}: {exc}") from exc
        meta = {"fingerprint": fingerprint, "pooling": mode, "normalize": normalize,
                "max_seq_length": int(model.max_seq_length), "inputs": names}
        expected = model.encode(PROBES, normalize_embeddings=normalize, convert_to_numpy=True)
        got = _Runner(staged, meta, model_dir).encode(PROBES)
        difference = float(np.abs(got - expected).max())
        if difference > MAX_DIFFERENCE:
            raise ExportError(f"the ONNX vectors differ from torch's by {difference:.2e} (> {MAX_DIFFERENCE})")
        meta["verified_max_difference"] = difference
        (Path(scratch) / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        # Replace atomically, metadata last, so a reader never pairs a new model with old metadata.
        os.replace(staged, out_dir / MODEL_FILE)
        os.replace(Path(scratch) / META_FILE, out_dir / META_FILE)
    log.info("exported %s to ONNX (%s pooling; max difference from torch %.1e)", model_dir, mode, difference)
    return out_dir / MODEL_FILE


class _Runner:
    """Tokenise, run the ONNX graph, pool and normalise: what SentenceTransformer.encode does."""

    def __init__(self, model_file: Path, meta: dict, model_dir: Path, threads: int = 1) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        self.meta = meta
        # Hugging Face's fast tokenizer sets truncation and padding on shared state at each call, so
        # two threads (an action and a prefetch, bot.server.prefetch) must not tokenise at the same time.
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        with self._lock:
            return self._encode(texts, batch_size)

    def _encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        rows = []
        for start in range(0, len(texts), batch_size):
            batch = self.tokenizer(list(texts[start:start + batch_size]), padding=True, truncation=True,
                                   max_length=self.meta["max_seq_length"], return_tensors="np")
            feeds = {n: batch[n].astype(np.int64) for n in self.meta["inputs"]}
            tokens = self.session.run(None, feeds)[0]
            if self.meta["pooling"] == "cls":
                vectors = tokens[:, 0]
            else:
                mask = feeds["attention_mask"][..., None].astype(np.float32)
                vectors = (tokens * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            if self.meta["normalize"]:
                vectors = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
            rows.append(vectors.astype(np.float32))
        return np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32)


def ensure_export(model_name: str, index_dir: Path, model_path: Optional[str] = None) -> Path:
    """The verified ONNX export for this model, exporting it first if it is missing or stale."""
    model_dir = Path(model_path or resolve_model_path(model_name))
    if not model_dir.is_dir():
        raise ExportError(f"model '{model_name}' is not a local folder or installed package")
    fingerprint = model_fingerprint(model_dir)
    out_dir = index_dir / EXPORT_DIR / fingerprint[:16]
    if not ((out_dir / META_FILE).exists() and (out_dir / MODEL_FILE).exists()):
        export(model_dir, out_dir, fingerprint)
    return out_dir / MODEL_FILE


class OnnxEncoder(SentenceTransformerEncoder):
    """The configured model on ONNX Runtime. Same `name`, so it reads the index torch built."""

    def __init__(self, name: str, batch_size: int, index_dir: Path, threads: Optional[int] = None,
                 path: Optional[str] = None) -> None:
        super().__init__(name, batch_size, path)
        model_file = ensure_export(name, index_dir, self.path)
        meta = json.loads((model_file.parent / META_FILE).read_text(encoding="utf-8"))
        threads = threads or int(os.environ.get("COACH_ENCODER_THREADS") or os.environ.get("OMP_NUM_THREADS") or 1)
        self._runner = _Runner(model_file, meta, Path(self.path), threads)
        self.backend = "onnx"

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self._runner.encode(texts, self.batch_size)


def make_encoder(name: str, batch_size: int, backend: str, index_dir: Path,
                 path: Optional[str] = None) -> SentenceTransformerEncoder:
    """ONNX Runtime when configured and verified; otherwise (or on any export problem) torch."""
    if backend == "onnx":
        try:
            return OnnxEncoder(name, batch_size, index_dir, path=path)
        except Exception as exc:  # noqa: BLE001 - an export, a session or metadata that will not load
            log.warning("encoder: using torch, not ONNX Runtime, for '%s': %s", name, exc)
    return SentenceTransformerEncoder(name, batch_size, path)
