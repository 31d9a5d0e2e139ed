"""Matching a leader's own description to a challenge, with the real model and index."""

from __future__ import annotations

import pytest

from bot.coaching.diagnose import match_challenge

pytestmark = pytest.mark.model


@pytest.mark.parametrize("description, theme, challenge", [
    ("nobody will share their budgets or staff with us", "structures", "siloed_funding_and_competition"),
    ("our IT systems cannot share data", "structures", "excessive_internal_systems"),
    ("the partners just don't trust each other", "relationships", "building_new_relationships"),
    ("my team is exhausted", "relationships", "evaluating_staff_wellbeing"),
    ("we all want different things", "motivations", "difficult_to_align_goals"),
])
def test_a_description_is_matched_to_the_challenge_it_describes(real_engine, description, theme, challenge):
    match = match_challenge(real_engine, description, theme)
    assert match is not None and match.challenge_id == challenge


@pytest.mark.parametrize("description", ["the canteen lasagne is cold on Tuesdays", "what is the weather",
                                         "asdf jkl"])
def test_a_description_the_report_does_not_cover_matches_nothing(real_engine, description):
    assert match_challenge(real_engine, description, "structures") is None
