"""Rasa input channels shipped with the bot (REST with whole-answer messages; more per channel)."""
