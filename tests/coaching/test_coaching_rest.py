"""A whole coaching conversation over REST against the running bot (action server + Rasa).

Uses the trained model in models/ (or COACH_TEST_RASA_MODEL); the sender's rate limit is switched
off because one coaching conversation is about twenty messages.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import date

import pytest

from bot.coaching.dates import read_when
from bot.coaching.steps import choice_payload

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def coach_server(bot_server):
    """The shared bot (tests/conftest.py; rate limit off, 60 s turn deadline)."""
    yield bot_server


class Conversation:
    def __init__(self, server):
        self.server = server
        self.sender = f"coach-{uuid.uuid4().hex[:8]}"
        self.transcript: list[str] = []
        self.buttons: dict[str, str] = {}  # payload -> title of the buttons last shown

    def say(self, text: str) -> list[dict]:
        replies = self.server.say(self.sender, text)
        assert replies, f"no reply to {text!r}"
        for reply in replies:
            assert reply.get("text") or reply.get("custom"), reply
            assert "Traceback" not in (reply.get("text") or "")
        clicked = self.buttons.get(text)
        self.transcript.append(f"**Leader:** [{clicked}]" if clicked else f"**Leader:** {text}")
        self.buttons = {b["payload"]: b["title"] for r in replies for b in r.get("buttons") or []}
        self.transcript += [f"**Coach:** {r.get('text', '')}" + "".join(
            f" [{b['title']}]" for b in r.get("buttons") or []) for r in replies]
        return replies

    @staticmethod
    def text(replies: list[dict]) -> str:
        return "\n".join(r.get("text") or "" for r in replies)

    @staticmethod
    def custom(replies: list[dict], status: str) -> dict:
        found = [r["custom"] for r in replies if (r.get("custom") or {}).get("answer", {}).get("status") == status]
        assert found, f"no {status} message in {json.dumps(replies)[:500]}"
        return found[0]


def test_a_whole_coaching_conversation_ends_with_a_plan_whose_quotes_are_verbatim(coach_server, report_text):
    c = Conversation(coach_server)
    assert "what is the collaboration for" in c.text(c.say("coach me")).lower()
    assert "partners" in c.text(c.say("Joining up support for families leaving temporary accommodation")).lower()
    assert "where does the collaboration stand" in c.text(c.say("the district council and a housing charity")).lower()
    theme_ask = c.say(choice_payload("stage", "stuck"))
    assert "How funding, governance, hierarchies and internal systems help or hinder joint working." in c.text(theme_ask)

    # A question mid-form is answered, then the same step is asked again.
    mid = c.say("what's an example of this?")
    assert mid[0].get("custom", {}).get("answer", {}).get("status") == "answered"
    assert "Which of these feels hardest" in c.text(mid)

    # An old button for another step is refused politely and the step re-asked.
    wrong = c.say(choice_payload("stage", "starting"))
    assert "belongs to a different question" in c.text(wrong) and "Which of these feels hardest" in c.text(wrong)

    challenge_ask = c.say(choice_payload("theme", "structures"))
    assert "Siloed funding streams and competition" in [b["title"] for r in challenge_ask for b in r.get("buttons", [])]
    assert "own words" in c.text(c.say(choice_payload("challenge", "other"))).lower()
    confirm = c.say("nobody will share their budgets or staff with us")
    assert "Siloed funding streams and competition" in c.text(confirm) and "Is that it?" in c.text(confirm)

    recommended = c.say(choice_payload("confirm", "yes"))
    recommendation = c.custom(recommended, "coaching_recommendation")
    assert recommendation["answer"]["challenge"]["id"] == "siloed_funding_and_competition"
    assert "first step" in c.text(recommended)

    # Go back to the confirmation, confirm again: the recommendation is not repeated.
    assert "Is that it?" in c.text(c.say("go back"))
    again = c.say("yes")
    assert not any((r.get("custom") or {}).get("answer") for r in again) and "first step" in c.text(again)

    assert "When will you take that step" in c.text(c.say("Invite both finance leads to map every budget line"))
    # NLU reads this as "another enabler"; at the "when" step it is the answer, read as a date.
    done = c.say("asap, prob next month tbh")
    assert c.text(done).startswith("Noted: “asap, prob next month tbh” — I've read that as as soon as possible")
    card = c.custom(done, "coaching_plan")
    plan = card["plan"]
    assert plan["context"]["purpose"] == "Joining up support for families leaving temporary accommodation"
    assert plan["context"]["partners"] == ["Local authority", "Voluntary sector"]
    assert plan["context"]["stage"] == "Stuck"
    assert plan["challenge"]["id"] == "siloed_funding_and_competition"
    assert plan["challenge"]["described_as"] == "nobody will share their budgets or staff with us"
    assert [e["id"] for e in plan["enablers"]] == ["dedicated_flexible_funding", "existing_cross_sector_structures"]
    assert all(e["reflective_question"] for e in plan["enablers"])
    assert plan["example"] is not None
    assert plan["first_step"] == "Invite both finance leads to map every budget line"
    assert plan["when"] == read_when("asap, prob next month tbh", date.today()).label
    quotes = [c_["quote"] for c_ in plan["challenge"]["citations"]]
    quotes += [c_["quote"] for e in plan["enablers"] for c_ in e["citations"]]
    quotes += [c_["quote"] for c_ in card["answer"]["citations"]]
    for quote in quotes + plan["example"]["quotes"]:
        assert report_text.contains(quote), quote
    for quote in quotes:
        assert f"> {quote}" in plan["markdown"]

    shown_again = c.custom(c.say("show my plan"), "coaching_plan")
    assert shown_again["plan"] == plan

    # A question after the plan is answered by the ordinary pipeline, unchanged.
    answered = c.custom(c.say("partners don't trust us"), "answered")
    assert {"title": "Start coaching", "payload": "/start_coaching"} in answered["answer"]["buttons"]

    c.say("/restart")
    assert "don't have a plan yet" in c.text(c.say("show my plan"))

    out = os.environ.get("COACH_TRANSCRIPT")
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write("\n\n".join(c.transcript) + "\n")


def test_stop_mid_form_leaves_cleanly_and_says_how_to_resume(coach_server):
    c = Conversation(coach_server)
    c.say("coach me")
    c.say("Reducing reoffending among young adults")
    stopped = c.text(c.say("stop"))
    assert "resume coaching" in stopped
    assert c.say("how do we build trust with partners?")[0]["custom"]["answer"]["status"] == "answered"
    assert "Who are the partners?" in c.text(c.say("resume coaching"))


def test_the_health_check_gives_the_weakest_theme_and_offers_coaching_on_it(coach_server, report_text):
    c = Conversation(coach_server)
    assert "1 of 6" in c.text(c.say("health check"))
    for score in ("5", "4", "1", "2"):
        c.say(choice_payload("score", score))
    assert "Sorry, that isn't one of the options" in c.text(c.say("seven"))
    c.say(choice_payload("score", "4"))
    replies = c.say(choice_payload("score", "5"))
    assert "The lowest area is **Structures**" in c.text(replies)
    result = c.custom(replies, "health_check_result")
    answer = result["answer"]
    assert answer["fact"]["id"] == "structures"
    for citation in answer["citations"]:
        assert report_text.contains(citation["quote"])
    offer = answer["buttons"][0]
    assert offer["title"] == "Coach me on Structures"
    reply = c.text(c.say(offer["payload"]))
    assert "what is the collaboration for" in reply.lower()
