"""Errors that carry enough context to become one readable line at the edge."""

from __future__ import annotations


class CoachError(Exception):
    """Base class: every error the bot raises on purpose."""


class KnowledgeError(CoachError):
    """A problem in a knowledge file, located by file and line."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class ConfigError(CoachError):
    """A missing or invalid setting, named by file and key."""

    def __init__(self, path: str, key: str, reason: str) -> None:
        super().__init__(f"{path}: {key}: {reason}")
        self.path = path
        self.key = key
        self.reason = reason


class IndexMissingError(CoachError):
    """The search index has not been built (or was built for other knowledge)."""
