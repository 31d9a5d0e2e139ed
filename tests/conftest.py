"""Shared fixtures: settings, the real knowledge, an in-memory fake-encoder engine, the real engine, a running bot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.config import load_settings  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402
from bot.knowledge.source import SourceText  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "knowledge" / "source" / "collaboration-executive-summary.txt"


@pytest.fixture(scope="session")
def settings():
    return load_settings()


@pytest.fixture(scope="session")
def knowledge(settings):
    return load_knowledge(settings.knowledge_dir)


@pytest.fixture(scope="session")
def report_text() -> SourceText:
    """The report exactly as shipped in shared/, for the verbatim checks: a quote is verbatim if it is in the raw
    text, or in it with the footnote lines knowledge/source.yml lists taken out (a sentence the PDF printed a
    footnote into, quoted whole by a passage answer; bot/knowledge/source.py)."""
    import yaml

    from bot.knowledge.source import LineRange

    meta = yaml.safe_load((REPORT.parent.parent / "source.yml").read_text(encoding="utf-8"))
    return SourceText(REPORT.read_text(encoding="utf-8"),
                      tuple(LineRange.parse(a["lines"]) for a in meta.get("artefacts", [])))


@pytest.fixture(scope="session")
def fake_engine(settings, knowledge):
    """The real knowledge searched in memory with a hashed bag-of-words encoder: fast, no model, no FAISS."""
    from tests.fakes import in_memory_engine

    return in_memory_engine(settings, knowledge)


@pytest.fixture(scope="session")
def real_engine(settings):
    """The real MiniLM model and the real index built by `make index`."""
    from bot.engine import Engine

    return Engine.build(settings)


# The origin the browser tests present as "an intranet allowed to embed the widget".
ALLOWED_TEST_ORIGIN = "http://intranet.anytown.example"


@pytest.fixture(scope="session")
def bot_server():
    """One running bot (action server + Rasa, the project's credentials.yml) shared by the REST,
    coaching and browser tests: starting one takes a minute, so they share it."""
    from tests.servers import running_bot

    env = {"COACH_ALLOWED_ORIGINS": ALLOWED_TEST_ORIGIN, "COACH_TURN_TIMEOUT": "60"}
    with running_bot(env=env) as server:
        yield server
