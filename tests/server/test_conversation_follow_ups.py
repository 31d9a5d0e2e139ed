"""Follow-ups, corrections, free-text coaching, the health check in words, sharing the plan, and a
clean log — whole conversations over REST against the running bot (real NLU, model and index).

Every turn asserts the WHOLE list of bot messages (text opening, buttons, status), so a stray or
missing message fails. Uses the session's shared bot (tests/conftest.py `bot_server`).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import date
from typing import Optional

import pytest

from bot.coaching.dates import read_when
from bot.coaching.steps import choice_payload

pytestmark = pytest.mark.server

THEME_BUTTONS = ["Motivations", "Structures", "Relationships"]
SCORE_BUTTONS = ["1 Strongly disagree", "2", "3", "4", "5 Strongly agree"]
LOG_PROBLEM = re.compile(r"\b(ERROR|WARNING|CRITICAL)\b|\[(error|warning|critical)\s*\]")


class Chat:
    def __init__(self, server, report_text):
        self.server, self.report = server, report_text
        self.sender = f"conv-u{uuid.uuid4().hex[:10]}"  # a letter first, or the digits can look like a phone number
        self.transcript: list[str] = []
        self.buttons: dict[str, str] = {}

    def say(self, text: str, *expected: tuple[str, Optional[list[str]], Optional[str]]) -> list[dict]:
        """Send `text`; the replies must be exactly `expected`: (text opening, button titles, status)."""
        replies = self.server.say(self.sender, text)
        self.transcript.append(f"**Leader:** [{self.buttons[text]}]" if text in self.buttons else f"**Leader:** {text}")
        self.buttons = {b["payload"]: b["title"] for r in replies for b in r.get("buttons") or []}
        self.transcript += [f"**Coach:** {r.get('text', '')}"
                            + "".join(f" [{b['title']}]" for b in r.get("buttons") or []) for r in replies]
        got = [((r.get("text") or "")[:60], [b["title"] for b in r.get("buttons") or []],
                ((r.get("custom") or {}).get("answer") or {}).get("status")) for r in replies]
        assert len(replies) == len(expected), (text, got)
        for reply, (opening, buttons, status) in zip(replies, expected):
            assert (reply.get("text") or "").startswith(opening), (text, got)
            if buttons is not None:
                assert [b["title"] for b in reply.get("buttons") or []] == buttons, (text, got)
            assert ((reply.get("custom") or {}).get("answer") or {}).get("status") == status, (text, got)
            # Only the report's words are blockquotes (health-check statements and coaching prompts are ours).
            for line in (reply.get("text") or "").splitlines():
                if line.startswith(">") and line.lstrip("> ").strip():
                    assert self.report.contains(line.lstrip("> ").strip()), (text, line)
            for citation in ((reply.get("custom") or {}).get("answer") or {}).get("citations") or []:
                assert self.report.contains(citation["quote"]), citation["quote"]
                assert f"> {citation['quote']}" in reply["text"] or (reply.get("custom") or {}).get("plan")
        return replies


def _log_offset(server) -> int:
    return len(server.log.read_bytes())


def _problems_since(server, offset: int) -> list[str]:
    return [line for line in server.log.read_bytes()[offset:].decode("utf-8", "replace").splitlines()
            if LOG_PROBLEM.search(line)]


def test_follow_ups_are_answered_from_what_was_just_shown(bot_server, report_text):
    c = Chat(bot_server, report_text)
    first = c.say("partners don't trust us", ("That sounds like **Building new relationships**",
                                              ["Another enabler", "Show the example", "Start coaching"], "answered"))
    enabler = first[0]["custom"]["answer"]["enabler"]["title"]
    c.say("why?", (f"The report's reasoning for **{enabler}**:",
                   ["What does that mean in practice?", "Another enabler"], "answered"))
    c.say("who did that?", ("That was **Kent Fire and Rescue Service, Responding to COVID-19**, one of the report's "
                            "six case studies (5 leaders were interviewed for it, Table 1).",
                            ["What helps collaboration?"], "answered_fact"))
    # The answer showed both sentences of the Kent box (the second points back to the first), so "in
    # practice" moves on to another example, and again to a third: never the same sentences twice.
    assert first[0]["text"].count("> ") >= 3
    practice = c.say("what does that mean in practice?", ("Another example from the report",
                                                           ["Who did that?", "Another enabler"], "answered"))
    assert "Kent Fire & Rescue Service and Age UK" not in practice[0]["text"]
    again = c.say("what does that mean in practice?", ("Another example from the report",
                                                        ["Who did that?", "Another enabler"], "answered"))
    assert again[0]["text"] != practice[0]["text"]
    c.say("which enabler matters most?", (
        "The report doesn't single out one enabler as the most important. Its finding is that they work together:",
        ["What helps collaboration?", "Start coaching"], "answered_fact"))


def test_that_one_and_a_named_case_resolve_to_the_case_study_and_its_table_1_count(bot_server, report_text):
    c = Chat(bot_server, report_text)
    c.say("what did Kent Fire and Rescue do during covid?",
          ("**Kent Fire and Rescue Service, Responding to COVID-19** is one of the report's six case studies "
           "(5 leaders were interviewed for it, Table 1).", None, "answered_fact"))
    c.say("how many people did they interview for that one?",
          ("For **Kent Fire and Rescue Service, Responding to COVID-19**, 5 leaders were interviewed (Table 1 of the "
           "report).", ["Tell me more about Kent"], "answered_fact"))
    ambulance = c.say("what did Kent do with the ambulance service?",
                      ("**Kent Fire and Rescue Service, Responding to COVID-19** is one of", None, "answered_fact"))
    assert "supporting the local ambulance service’s pandemic response" in ambulance[0]["text"]
    bristol = c.say("tell me more about Bristol", ("**The Stepping Up Leadership Programme, Bristol** is one of the "
                                                   "report's six case studies (6 leaders", None, "answered_fact"))
    assert "The report's worked example from it, **Stepping Up Leadership Programme, Bristol**" in bristol[0]["text"]
    c.say("what's the phone number for Kent Fire and Rescue?",
          ("Sorry, I can't help with that", ["What helps collaboration?", "What can you do?"],
           "unanswerable_out_of_scope"))


def test_a_correction_gets_a_different_answer_or_the_nearest_challenges_never_the_same_one(bot_server, report_text):
    c = Chat(bot_server, report_text)
    first = c.say("our budgets are ring-fenced so we cannot pool money",
                  ("That sounds like **Siloed funding streams and competition**", None, "answered"))
    corrected = c.say("no, that's not what I meant — the issue is partners don't trust us",
                      ("Thanks — reading it again with what you've added:\n\nThat sounds like **Building new "
                       "relationships**", ["Another enabler", "Show the example", "Start coaching"], "answered"))
    assert corrected[0]["custom"]["answer"]["enabler"]["id"] != first[0]["custom"]["answer"]["enabler"]["id"]
    assert corrected[0]["text"] != first[0]["text"]
    bare = c.say("that answer wasn't right", ("Sorry that missed. Which of these challenges from the report is closer "
                                              "to what you meant?", None, "clarification"))
    offered = bare[0]["buttons"]
    assert len(offered) == 3 and "Building new relationships" not in [b["title"] for b in offered]
    assert all(b["payload"].startswith('/choose_topic{"topic_id":') for b in offered)

    # A second correction never offers what this thread already answered (and the leader rejected).
    t = Chat(bot_server, report_text)
    trust = t.say("partners don't trust us", ("That sounds like **Building new relationships**", None, "answered"))
    funding = t.say("no, that's not what I meant — the issue is funding",
                    ("Thanks — reading it again with what you've added:", None, "answered"))
    again = t.say("that answer wasn't right", ("Sorry that missed. Which of these challenges from the report is "
                                               "closer to what you meant?", None, "clarification"))
    rejected = {r[0]["custom"]["answer"]["challenge"]["id"] for r in (trust, funding)}
    offered = [json.loads(b["payload"][len("/choose_topic"):])["topic_id"] for b in again[0]["buttons"]]
    assert len(offered) == 3 and not rejected & set(offered), (rejected, offered)
    assert "Building new relationships" not in [b["title"] for b in again[0]["buttons"]]


def test_free_text_coaching_with_a_question_shaped_step_and_a_loose_date_logs_no_errors(bot_server, report_text):
    offset = _log_offset(bot_server)
    c = Chat(bot_server, report_text)
    c.say("coach me", ("Let's work through it together", [], None), ("First, what is the collaboration for?", [], None))
    # Partners named in the purpose are noted and said back, not asked again.
    c.say("Joining up support for families with the district council and a housing charity",
          ("You mentioned the partners already, so I've noted them as *Local authority, Voluntary sector*.", [], None),
          ("Where does the collaboration stand?", ["Just starting", "Under way", "Stuck", "Ending"], None))
    c.say(choice_payload("stage", "stuck"),
          ("Which of these feels hardest in this collaboration?", THEME_BUTTONS, None))
    # A difficulty described at the theme step goes straight to matching, with confirmation.
    c.say("nobody will share their budgets or staff with us",
          ("That sounds like **Siloed funding streams and competition**, a challenge the report names under "
           "Structures:", ["Yes, that's it", "No — show me the list"], None))
    c.say(choice_payload("confirm", "yes"),
          ("For **Siloed funding streams and competition**, the research points to these enablers:", [],
           "coaching_recommendation"), ("Now your commitment: what is one first step you will take?", [], None))
    # A real question mid-form is still answered, and the step asked again.
    c.say("what's an example of this?", ("**", ["Another example", "Another enabler"], "answered"),
          ("Now your commitment: what is one first step you will take?", [], None))
    # A tentative, question-shaped step is the step.
    c.say("maybe get the finance leads to map every budget line?",
          ("When will you take that step? Pick one, or type a day or date.", ["This week", "Next week", "This month"],
           None))
    when = read_when("sometime after easter", date.today())
    done = c.say("sometime after easter",
                 (f"Noted: “sometime after easter” — I've read that as {when.reading}.", [], None),
                 ("## Your collaboration plan\n\n**Challenge:** Siloed funding streams and competition (Structures)  \n"
                  "**First step:** maybe get the finance leads to map every budget line?  \n"
                  f"**When:** {when.label}", ["Show my plan", "Start again"], "coaching_plan"))
    plan = done[1]["custom"]["plan"]
    assert plan["summary"].splitlines() == ["Challenge: Siloed funding streams and competition (Structures)",
                                            "First step: maybe get the finance leads to map every budget line?",
                                            f"When: {when.label}"]
    assert plan["context"]["partners"] == ["Local authority", "Voluntary sector"]
    assert len([line for line in plan["markdown"].splitlines() if line.strip()]) <= 22
    # "email this to my team": the plan as copyable text, summary first; no e-mail is sent.
    shared = c.say("can I email this to my team?",
                   ("I can't send e-mail myself, but here is your plan to pass on", ["Show my plan", "Start again"],
                    "coaching_plan_shared"))
    share = shared[0]["custom"]["share"]
    assert share["text"].splitlines()[2:5] == plan["summary"].splitlines()
    assert shared[0]["custom"]["plan"] == plan
    assert _problems_since(bot_server, offset) == []
    if os.environ.get("COACH_FREE_TEXT_TRANSCRIPT"):  # the run shown in docs/coaching.md
        with open(os.environ["COACH_FREE_TEXT_TRANSCRIPT"], "w", encoding="utf-8") as out:
            out.write("\n\n".join(c.transcript) + "\n")


def test_the_health_check_reads_words_says_ties_and_aims_at_the_lowest_statement(bot_server, report_text):
    offset = _log_offset(bot_server)
    c = Chat(bot_server, report_text)
    # No stray messages before statement 1.
    c.say("health check", ("A quick health check: six statements", [], None),
          ("**1 of 6.** How far do you agree?", SCORE_BUTTONS, None))
    for n, (said, score, label) in enumerate([("mostly agree", 4, "agree"), ("not really", 2, "disagree"),
                                              ("maybe a 3?", 3, "neither agree nor disagree"),
                                              ("two", 2, "disagree"), ("neutral", 3, "neither agree nor disagree")],
                                             start=2):
        c.say(said, (f"I've taken “{said}” as {score} ({label}).", [], None),
              (f"**{n} of 6.** How far do you agree?", SCORE_BUTTONS, None))
    result = c.say("strongly agree", ("I've taken “strongly agree” as 5 (strongly agree).", [], None),
                   ("Your scores out of 5: Motivations 3.0, Structures 2.5, Relationships 4.0.\n\nThe lowest area is "
                    "**Structures**", ["Coach me on Structures", "Buy-in from all organisational levels and "
                                       "collaborators", "Another enabler", "Not now"], "health_check_result"))
    text = result[1]["text"]
    assert "Your lowest answers were 2 of 5, for “We can make and act on joint decisions" in text
    assert "**Streamlining or flattening decision-making structures** (Structures)" in text
    assert "**One step to try:**" in text and result[1]["custom"]["answer"]["example"] is not None

    tied = Chat(bot_server, report_text)
    tied.say("health check", ("A quick health check", [], None), ("**1 of 6.**", SCORE_BUTTONS, None))
    for n, score in enumerate(("3", "3", "2", "4", "4"), start=2):
        tied.say(choice_payload("score", score), (f"**{n} of 6.**", SCORE_BUTTONS, None))
    tie = tied.say(choice_payload("score", "2"), ("Your scores out of 5: Motivations 3.0, Structures 3.0, "
                                                  "Relationships 3.0.\n\nMotivations, Structures and Relationships are "
                                                  "tied as the lowest, at 3.0.", None, "health_check_result"))
    assert "weakest" not in tie[0]["text"]
    assert _problems_since(bot_server, offset) == []


STAGE_BUTTONS = ["Just starting", "Under way", "Stuck", "Ending"]


def test_a_purpose_that_sounds_like_coach_me_is_the_purpose_and_does_not_restart(bot_server, report_text):
    c = Chat(bot_server, report_text)
    c.say("coach me", ("Let's work through it together", [], None), ("First, what is the collaboration for?", [], None))
    c.say("partnership to get rough sleepers into housing with the council",
          ("You mentioned the partners already, so I've noted them as *Local authority*.", [], None),
          ("Where does the collaboration stand?", STAGE_BUTTONS, None))
    c.say(choice_payload("stage", "stuck"), ("Which of these feels hardest in this collaboration?", THEME_BUTTONS,
                                             None))
    # From the health check's "Coach me on Structures": the theme is kept while the purpose is given.
    h = Chat(bot_server, report_text)
    h.say('/start_coaching{"coach_theme":"structures"}', ("Let's work through it together", [], None),
          ("First, what is the collaboration for?", [], None))
    h.say("a partnership with the ICB to start a joint frailty service",
          ("You mentioned the partners already, so I've noted them as *NHS*.", [], None),
          ("Where does the collaboration stand?", STAGE_BUTTONS, None))
    h.say(choice_payload("stage", "starting"), ("Under **Structures**, the report names these challenges", None, None))


def test_after_a_plan_go_back_asks_when_again_and_sharing_and_off_topic_are_answered(bot_server, report_text):
    c = Chat(bot_server, report_text)
    c.say("coach me", ("Let's work through it together", [], None), ("First, what is the collaboration for?", [], None))
    c.say("Joining up support for families leaving temporary accommodation",
          ("Who are the partners?", None, None))
    c.say(choice_payload("partners", "local_authority"), ("Where does the collaboration stand?", STAGE_BUTTONS, None))
    c.say(choice_payload("stage", "stuck"), ("Which of these feels hardest in this collaboration?", THEME_BUTTONS,
                                             None))
    c.say(choice_payload("theme", "structures"), ("Under **Structures**, the report names these challenges", None,
                                                  None))
    c.say(choice_payload("challenge", "siloed_funding_and_competition"),
          ("For **Siloed funding streams and competition**, the research points to these enablers:", [],
           "coaching_recommendation"), ("Now your commitment: what is one first step you will take?", [], None))
    c.say("Invite both finance leads to map every budget line",
          ("When will you take that step?", ["This week", "Next week", "This month"], None))
    first = c.say(choice_payload("when", "next_week"), ("## Your collaboration plan", ["Show my plan", "Start again"],
                                                        "coaching_plan"))
    # Picked from the list (no description): the challenge's quote is a real blockquote on its own line.
    plan_text = first[0]["text"]
    quote = first[0]["custom"]["plan"]["challenge"]["citations"][0]["quote"]
    assert f"**About the challenge.**\n\n> {quote}" in plan_text
    assert not [line for line in plan_text.splitlines() if " > " in line]
    # "go back" right after the plan: the "when" step again, the other answers kept.
    c.say("go back", ("Going back one step.", [], None),
          ("When will you take that step?", ["This week", "Next week", "This month"], None))
    when = read_when("asap, prob next month tbh", date.today())
    again = c.say("asap, prob next month tbh",
                  (f"Noted: “asap, prob next month tbh” — I've read that as {when.reading}.", [], None),
                  ("## Your collaboration plan\n\n**Challenge:** Siloed funding streams and competition (Structures)"
                   "  \n**First step:** Invite both finance leads to map every budget line  \n"
                   f"**When:** {when.label}", ["Show my plan", "Start again"], "coaching_plan"))
    assert again[1]["custom"]["plan"]["context"]["purpose"] == "Joining up support for families leaving temporary " \
                                                               "accommodation"
    c.say("send it to my director", ("I can't send e-mail myself, but here is your plan to pass on",
                                     ["Show my plan", "Start again"], "coaching_plan_shared"))
    # With no plan, "go back" and a stray coaching button still say coaching is not active.
    fresh = Chat(bot_server, report_text)
    fresh.say("what's the weather", ("Sorry, I can't help with that", ["What helps collaboration?", "What can you do?"],
                                     "unanswerable_out_of_scope"))
    fresh.say("go back", ("We're not in a coaching conversation at the moment.", None, None))
    fresh.say(choice_payload("stage", "stuck"), ("We're not in a coaching conversation at the moment.", None, None))
