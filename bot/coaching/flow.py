"""The order of the coaching and health-check steps, and what "go back" clears.

Slot names are the contract with domain.yml (the forms' `required_slots`).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

COACHING_FORM = "coaching_form"
HEALTH_FORM = "health_form"

PURPOSE = "coach_purpose"
PARTNERS = "coach_partners"
STAGE = "coach_stage"
THEME = "coach_theme"
CHALLENGE = "coach_challenge"
DESCRIPTION = "coach_challenge_description"
CONFIRMED = "coach_challenge_confirmed"
FIRST_STEP = "coach_first_step"
WHEN = "coach_step_when"
CANDIDATE = "coach_challenge_candidate"   # the challenge a description was matched to (not asked)
RECOMMENDED = "coach_recommended"         # the challenge whose enablers were last shown (not asked)
PLAN = "coach_plan"                       # the finished PlanPayload (not asked)

COACHING_STEPS = [PURPOSE, PARTNERS, STAGE, THEME, CHALLENGE, DESCRIPTION, CONFIRMED, FIRST_STEP, WHEN]
# Only asked when the leader chose "something else — let me describe it".
DESCRIBE_STEPS = (DESCRIPTION, CONFIRMED)
COACHING_SLOTS = COACHING_STEPS + [CANDIDATE, RECOMMENDED, PLAN]

HEALTH_STEPS = ["health_motivations_1", "health_motivations_2", "health_structures_1",
                "health_structures_2", "health_relationships_1", "health_relationships_2"]

# What else goes when a step is cleared: a challenge's description and its confirmation go with it.
_CLEARS_WITH = {CHALLENGE: [DESCRIPTION, CONFIRMED, CANDIDATE], DESCRIPTION: [CONFIRMED, CANDIDATE]}


def coaching_steps(slots: Mapping[str, Any]) -> list[str]:
    """The steps this conversation needs: the describe steps only on the "something else" path."""
    describing = slots.get(CHALLENGE) == "other" or slots.get(DESCRIPTION) is not None
    return [s for s in COACHING_STEPS if describing or s not in DESCRIBE_STEPS]


def steps_for(form: Optional[str], slots: Mapping[str, Any]) -> list[str]:
    if form == COACHING_FORM:
        return coaching_steps(slots)
    if form == HEALTH_FORM:
        return list(HEALTH_STEPS)
    return []


def go_back(form: Optional[str], slots: Mapping[str, Any], requested: Optional[str]) -> Optional[list[str]]:
    """The slots to clear so the form asks the previous step again; None when there is none.

    The step being asked is empty; going back clears the answered step before it (and what
    depends on it), so the form's next question is that step.
    """
    steps = steps_for(form, slots)
    answered = [s for s in steps if slots.get(s) is not None]
    if requested in steps:
        answered = [s for s in answered if steps.index(s) < steps.index(requested)]
    if not answered:
        return None
    previous = answered[-1]
    return [previous] + _CLEARS_WITH.get(previous, [])
