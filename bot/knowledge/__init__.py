"""The knowledge model: the report's items as typed data, loaded from reviewable YAML."""

from bot.knowledge.model import Item, Knowledge, Kind
from bot.knowledge.loader import load_knowledge

__all__ = ["Item", "Knowledge", "Kind", "load_knowledge"]
