"""Findings 1, 3, 4 and 5: one conversation per person per channel, masking that holds after decoding,
and a leader's words that stay words in Slack and Teams.

A Slack user and a Teams user each coach themselves to a plan, typing markup and personal data hidden
behind HTML entities; then a REST caller tries to read and reset their conversations by their ids.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.channels import slack_client as sc
from tests.channels import teams_client as tc
from tests.channels.conftest import SlackUser, TeamsUser, unique
from tests.security.coaching import coach_to_plan
from tests.security.conftest import rest, say, stored_events

pytestmark = pytest.mark.server

# What Slack sends when a leader types "&lt;!channel&gt;" etc.: Slack escapes & < > in what users type.
SLACK_PURPOSE = "Joining up care &amp;lt;!channel&amp;gt; with &amp;lt;https://evil.example|the NHS trust&amp;gt;"
TEAMS_PURPOSE = "Joining up care with [the NHS trust](https://evil.example/login)"
# Personal data typed as HTML entities, decoded only later by the input guard.
FIRST_STEP = "Email jo.bloggs&#64;council.gov.uk or ring 07700&#32;900&#32;125 about pooled budgets"
WORDS = {"partners": "the district council and a housing charity", "described":
         "nobody will share their budgets or staff with us", "first_step": FIRST_STEP, "when": "by Friday"}
PII = ("jo.bloggs", "council.gov.uk", "07700", "900&#32;125", "900 125", "&#64;")


@pytest.fixture(scope="module")
def slack_victim(secure_bot, fake):
    """A Slack DM coaching run to a plan, as user UVICTIM2 of team TPARTNER."""
    slack = SlackUser(secure_bot, fake)
    user, channel = "UVICTIM2", unique("D")
    posts: list[dict] = []

    def shown(new: list[dict]) -> list[tuple[str, list[str]]]:
        posts.extend(new)
        return [(p.get("text", ""), [b["value"] for b in sc.buttons(p)]) for p in new]

    def send(text: str):
        before = len(slack.fake.slack_posts(channel))
        status, _ = slack.send(*sc.json_request(sc.event_body(text, channel, kind="message", user=user)))
        assert status == 200
        return shown(slack.replies_after(channel, before))

    def click(payload: str):
        post = next(p for p in reversed(posts) if any(b["value"] == payload for b in sc.buttons(p)))
        button = next(b for b in sc.buttons(post) if b["value"] == payload)
        before = len(slack.fake.slack_posts(channel))
        status, _ = slack.send(*sc.click(post, button, user=user))
        assert status == 200
        return shown(slack.replies_after(channel, before))

    def plan_posts() -> list[dict]:
        return [p for p in posts if sc.keys(p, "plan")]

    coach_to_plan(send, click, lambda: bool(plan_posts()), {**WORDS, "purpose": SLACK_PURPOSE})
    return {"user": user, "channel": channel, "plan": plan_posts()[-1], "send": send}


@pytest.fixture(scope="module")
def teams_victim(secure_bot, fake):
    """A Teams personal-chat coaching run to a plan."""
    teams = TeamsUser(secure_bot, fake)
    conversation = f"a:{unique('victim')}"
    user = f"29:{unique('victim')}"
    cards: list[dict] = []

    def shown(replies: list[dict]):
        new = [tc.card_of(r) for r in replies]
        cards.extend(new)
        return [(c.get("fallbackText", ""), [a["data"]["rasa_payload"] for a in c.get("actions", [])]) for c in new]

    def send(text: str):
        return shown(teams.send(tc.activity(text, teams.service_url, conversation, user=user)))

    def click(payload: str):
        return shown(teams.send(tc.activity(payload, teams.service_url, conversation, user=user,
                                            value={"rasa_payload": payload})))

    def plan_cards() -> list[dict]:
        return [c for c in cards if tc.keys(c, "plan")]

    coach_to_plan(send, click, lambda: bool(plan_cards()), {**WORDS, "purpose": TEAMS_PURPOSE})
    return {"user": user, "plan": plan_cards()[-1], "send": send}


def test_a_rest_caller_cannot_read_or_reset_a_slack_users_conversation(secure_bot, slack_victim):
    victim = slack_victim["user"]
    for sender in (victim, f"slack:TPARTNER:{victim}", f"TPARTNER:{victim}"):
        shown = json.dumps(say(secure_bot, sender, "show my plan"))
        assert "Joining up care" not in shown and "by Friday" not in shown, f"REST as {sender!r} read the plan"
        say(secure_bot, sender, "/restart")
    plan_again = slack_victim["send"]("show my plan")
    assert any("Joining up care" in text for text, _ in plan_again), "the victim's plan survived the REST /restart"

    conversations = {sender for sender, _, _ in stored_events(secure_bot)}
    assert f"slack:TPARTNER:{victim}" in conversations
    assert victim not in conversations and f"rest:{victim}" in conversations


def test_a_rest_caller_cannot_reach_a_teams_users_conversation(secure_bot, teams_victim):
    victim = teams_victim["user"]
    for sender in (victim, f"teams:t1:{victim}"):
        assert "Joining up care" not in json.dumps(say(secure_bot, sender, "show my plan"))
    conversations = {sender for sender, _, _ in stored_events(secure_bot)}
    assert f"teams:t1:{victim}" in conversations and victim not in conversations


def test_personal_data_typed_as_html_entities_is_masked_in_every_stored_event(secure_bot, slack_victim):
    status, _ = rest(secure_bot, {"sender": unique("pii"), "message":
                                  "Partners don't trust us. Mail jo.bloggs&#64;council.gov.uk or 07700&#32;900&#32;125"})
    assert status == 200
    time.sleep(1)
    events = stored_events(secure_bot)
    everything = json.dumps(events)
    for needle in PII:
        assert needle not in everything, f"{needle!r} is stored"
    victim = f"slack:TPARTNER:{slack_victim['user']}"
    slots = {d.get("name"): d.get("value") for s, kind, d in events if s == victim and kind == "slot"}
    assert any("[email]" in json.dumps(value) and "[phone]" in json.dumps(value) for value in slots.values()), \
        "the first step reached the slots (and the plan) masked"
    bot_texts = [d.get("text") or "" for s, kind, d in events if s == victim and kind == "bot"]
    assert any("[email]" in text for text in bot_texts), "the plan message is stored masked"
    raw = secure_bot.log.with_suffix(".db").read_bytes()
    assert b"jo.bloggs" not in raw and b"900&#32;125" not in raw
    log = secure_bot.log.read_text(errors="replace")
    assert "jo.bloggs" not in log and "900&#32;125" not in log


def test_a_leaders_words_cannot_notify_a_channel_or_disguise_a_link_in_slack(slack_victim):
    plan = slack_victim["plan"]
    assert "<!channel>" not in plan["text"] and "<https://evil.example" not in plan["text"]
    assert "&lt;!channel&gt;" in plan["text"], "the words are shown, escaped"
    for block in plan["blocks"]:
        for element in [block.get("text") or {}, *block.get("elements", [])]:
            if isinstance(element, dict) and element.get("type") == "mrkdwn":
                assert "<!channel>" not in element["text"] and "<https://evil" not in element["text"]


def test_a_leaders_words_cannot_become_a_link_in_a_teams_card(teams_victim):
    card = teams_victim["plan"]
    text_blocks = [e for e in card["body"] if e.get("type") == "TextBlock"]
    assert not any("](" in e["text"] for e in text_blocks), "a Markdown link reached a TextBlock"
    runs = [r["text"] for e in card["body"] if e.get("type") == "RichTextBlock" for r in e["inlines"]]
    assert any("[the NHS trust](https://evil.example/login)" in r for r in runs), "shown as literal text"
