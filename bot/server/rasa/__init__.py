"""Rasa-specific pieces that live outside actions: NLU components."""
