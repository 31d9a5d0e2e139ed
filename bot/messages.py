"""Canned replies, read from the Rasa domain so every fallback text lives in one place."""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

import yaml

from bot.config import PROJECT_ROOT


@lru_cache(maxsize=1)
def _responses() -> dict:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return domain.get("responses", {})


def canned_text(response: Optional[str]) -> str:
    """The first text variant of a domain response (for the CLI and for channels outside Rasa)."""
    variants = _responses().get(response or "", [])
    return variants[0]["text"] if variants else ""


def canned_buttons(response: Optional[str]) -> list[dict]:
    """The buttons of a domain response's first variant ({title, payload} each), so a canned reply's
    payload offers what its text does."""
    variants = _responses().get(response or "", [])
    buttons = variants[0].get("buttons") if variants else None
    return [{"title": str(b["title"]), "payload": str(b["payload"])} for b in buttons or []
            if isinstance(b, dict) and b.get("title") and b.get("payload")]
