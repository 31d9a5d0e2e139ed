"""Settings from coach.yml, loaded once and validated with errors that name the file and key."""

from __future__ import annotations

import os
from dataclasses import MISSING, dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping

import yaml

from bot.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "coach.yml"
BACKENDS = ("onnx", "torch")
SHARE_SUFFIXES = ("_share", "_ratio")  # settings named so are fractions of a whole: 0 to 1


@dataclass(frozen=True)
class ModelSettings:
    name: str
    batch_size: int = 32
    backend: str = "onnx"  # "onnx" (verified export, faster per question) or "torch"


@dataclass(frozen=True)
class RetrievalSettings:
    dense_weight: float
    lexical_weight: float
    bm25_k1: float
    bm25_b: float
    bm25_saturation: float
    link_decay: float
    spelling_min_ratio: float


@dataclass(frozen=True)
class DecisionSettings:
    decline_below: float
    dense_floor: float
    clarify_max_words: int
    clarify_margin: float
    keyword_margin: float  # bare keywords are asked about while other items score this close to the best
    fact_margin: float
    oos_margin: float
    lookup_min_score: float
    exact_match: float
    advice_fact_margin: float
    unexplained_penalty: float
    unexplained_max: int
    answer_type_margin: float
    ask_above: float
    ask_options: int
    ask_topic_margin: float  # ...still asked when an out-of-scope topic beats the best item by less than this
    lacks_min_score: float
    example_margin: float
    off_topic_above: float  # declined when the off-topic model's probability is above this (1: never)
    off_topic_overruled_by: float  # ...unless the best item beats the best out-of-scope topic by this much


@dataclass(frozen=True)
class FinetuneSettings:
    """Contrastive fine-tuning of the embedding model on the knowledge (bot/retrieval/finetune.py)."""

    epochs: int            # 0 turns fine-tuning off: the base model is used as shipped
    layers: int            # how many of the encoder's top layers are trained; the others stay frozen
    batch_size: int        # in-batch negatives: each question's negatives are the batch's other items
    learning_rate: float
    temperature: float     # of the in-batch softmax over cosines
    max_tokens: int        # training texts are cut to this many tokens (the frozen states are kept in memory)
    seed: int
    dir: str               # where trained models are kept, one folder per fingerprint of their inputs


@dataclass(frozen=True)
class HeadSettings:
    """The classification head over item ids (bot/retrieval/head.py), trained on the same embeddings."""

    weight: float          # fused score += weight * head probability of the item
    regularisation: float  # inverse regularisation strength C of the logistic regression
    lexical_weight: float          # fused score += this * the n-gram head's probability (0: off)
    lexical_regularisation: float  # its C
    lexical_embedding_scale: float  # the n-gram head reads the question's embedding too, scaled by this (0: n-grams only)
    off_topic_regularisation: float  # C of the off-topic model over the embeddings (0: no model)
    adapter_epochs: int = 0          # epochs of the dense adapter (bot/retrieval/adapter.py; 0: base space)
    adapter_temperature: float = 0.05  # its in-batch-negatives temperature


@dataclass(frozen=True)
class PassageSettings:
    """When the report's passages answer (bot/answer/passages.py, ADR 0012)."""

    answer_min: float      # a question no item answers is answered from a passage scoring this well (fused)
    dense_min: float       # ...whose best cosine also reaches this
    add_min: float         # an item's answer also quotes the passage sentence that best answers, scoring this well
    own_margin: float      # ...preferring a passage that holds the answer's own items if within this of the best
    lacks_min: float       # a figure/name/date the passages do not hold: what the report says is shown above this
    quote_max_chars: int   # a passage longer than this is quoted by its best sentences, not whole


@dataclass(frozen=True)
class BaselineSettings:
    dense_decline_below: float
    bm25_decline_below: float


@dataclass(frozen=True)
class InputSettings:
    """What the input guard (bot/answer/guard.py) accepts before anything is searched."""

    max_chars: int            # longer messages are refused politely, not truncated
    min_latin_share: float    # a message whose letters are less Latin than this is in another script
    welsh_word_share: float   # with a Welsh marker word, this share of Welsh words makes a message Welsh


@dataclass(frozen=True)
class Settings:
    model: ModelSettings
    knowledge_dir: Path
    index_dir: Path
    retrieval: RetrievalSettings
    decision: DecisionSettings
    finetune: FinetuneSettings
    head: HeadSettings
    baselines: BaselineSettings
    input: InputSettings
    source: Path
    passages: PassageSettings


def _section(path: Path, raw: Mapping[str, Any], key: str, cls: type) -> Any:
    value = raw.get(key)
    if not isinstance(value, Mapping):
        raise ConfigError(str(path), key, "missing or not a mapping")
    kwargs = {}
    for f in fields(cls):
        if f.name not in value:
            if f.default is not MISSING:
                continue
            raise ConfigError(str(path), f"{key}.{f.name}", "missing")
        item = value[f.name]
        wanted = {"int": int, "float": float, "str": str}[str(f.type)]
        if wanted is float and isinstance(item, int) and not isinstance(item, bool):
            item = float(item)
        if not isinstance(item, wanted) or isinstance(item, bool):
            raise ConfigError(str(path), f"{key}.{f.name}", f"expected {wanted.__name__}, got {item!r}")
        if wanted in (int, float) and item < 0:
            raise ConfigError(str(path), f"{key}.{f.name}", f"must not be negative, got {item!r}")
        if f.name.endswith(SHARE_SUFFIXES) and item > 1:
            raise ConfigError(str(path), f"{key}.{f.name}", f"is a share: must be between 0 and 1, got {item!r}")
        kwargs[f.name] = item
    unknown = set(value) - {f.name for f in fields(cls)}
    if unknown:
        raise ConfigError(str(path), f"{key}.{sorted(unknown)[0]}", "unknown setting")
    return cls(**kwargs)


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read coach.yml (or COACH_CONFIG), apply COACH_MODEL, and validate every value."""
    path = Path(path or os.environ.get("COACH_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), "-", "file not found") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(str(path), "-", f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, Mapping):
        raise ConfigError(str(path), "-", "expected a mapping at the top level")
    base = path.resolve().parent
    model = _section(path, raw, "model", ModelSettings)
    if os.environ.get("COACH_MODEL"):
        model = replace(model, name=os.environ["COACH_MODEL"])
    if os.environ.get("COACH_ENCODER_BACKEND"):
        model = replace(model, backend=os.environ["COACH_ENCODER_BACKEND"])
    if model.backend not in BACKENDS:
        raise ConfigError(str(path), "model.backend", f"must be one of {', '.join(BACKENDS)}, not {model.backend!r}")
    retrieval = _section(path, raw, "retrieval", RetrievalSettings)
    if abs(retrieval.dense_weight + retrieval.lexical_weight - 1.0) > 1e-6:
        raise ConfigError(str(path), "retrieval.dense_weight", "dense_weight + lexical_weight must be 1")
    for key in ("knowledge_dir", "index_dir"):
        if not isinstance(raw.get(key), str):
            raise ConfigError(str(path), key, "missing or not a path")
    knowledge_dir = base / raw["knowledge_dir"]
    finetune = _section(path, raw, "finetune", FinetuneSettings)
    finetune = replace(finetune, dir=str(base / finetune.dir))
    index_dir = Path(os.environ.get("COACH_INDEX_DIR") or base / raw["index_dir"])
    return Settings(
        model=model,
        knowledge_dir=knowledge_dir,
        index_dir=index_dir,
        retrieval=retrieval,
        decision=_section(path, raw, "decision", DecisionSettings),
        finetune=finetune,
        head=_section(path, raw, "head", HeadSettings),
        baselines=_section(path, raw, "baselines", BaselineSettings),
        input=_section(path, raw, "input", InputSettings),
        source=knowledge_dir / "source.yml",
        passages=_section(path, raw, "passages", PassageSettings),
    )
