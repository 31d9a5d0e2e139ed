"""How Slack events, Slack button clicks and Teams activities become the user's words (no servers)."""

from __future__ import annotations

from bot.server.channels.slack import RecentKeys, clean_text, incoming_from_event, incoming_from_interaction
from bot.server.channels.teams import incoming_from_activity
from tests.channels import slack_client as sc
from tests.channels import teams_client as tc


def test_a_slack_mention_loses_the_bot_mention_and_slack_markup_but_keeps_other_people():
    text = f"<@{sc.BOT_USER}> can <@UCOLLEAGUE> and I fix Kent Fire &amp; Rescue's <mailto:a@b.org|a@b.org> issue?"
    assert clean_text(text, {sc.BOT_USER}, mention=True) == \
        "can <@UCOLLEAGUE> and I fix Kent Fire & Rescue's a@b.org issue?"


def test_a_slack_channel_mention_replies_in_its_thread_and_a_dm_at_the_top_level():
    mention = incoming_from_event(sc.event_body(f"<@{sc.BOT_USER}> hi", "CPARTNERS"))
    assert mention.thread_ts == mention_ts(mention) and mention.sender_id.startswith("slack:TPARTNER:UALEX:CPARTNERS:")
    dm = incoming_from_event(sc.event_body("hi", "DALEX", kind="message"))
    assert (dm.thread_ts, dm.sender_id) == (None, "slack:TPARTNER:UALEX")


def mention_ts(incoming):
    return incoming.sender_id.rsplit(":", 1)[1]


def test_plain_channel_messages_and_the_bots_own_messages_are_not_for_the_bot():
    channel_chatter = sc.event_body("lunch?", "CPARTNERS", kind="message")
    channel_chatter["event"]["channel_type"] = "channel"
    own = sc.event_body("hi", "DALEX", kind="message", user=sc.BOT_USER)
    assert incoming_from_event(channel_chatter) is None and incoming_from_event(own) is None


def test_a_slack_button_click_continues_the_conversation_of_the_thread_it_was_in():
    post = {"channel": "CPARTNERS", "_ts": "1700000001.000200", "thread_ts": "1700000000.000100", "blocks": []}
    raw, _ = sc.click(post, {"action_id": "coach_button_0", "text": {"type": "plain_text", "text": "Another"},
                             "value": "/ask_another_enabler"})
    import json
    from urllib.parse import parse_qs
    payload = json.loads(parse_qs(raw.decode())["payload"][0])
    clicked = incoming_from_interaction(payload)
    assert (clicked.text, clicked.sender_id) == ("/ask_another_enabler", "slack:TPARTNER:UALEX:CPARTNERS:1700000000.000100")


def test_recent_keys_remember_a_bounded_number_of_events():
    keys = RecentKeys(size=2)
    assert keys.add("a") and not keys.add("a") and keys.add("b", None) and keys.add("c")
    assert keys.add("a"), "the oldest key was forgotten"


def test_a_teams_channel_mention_is_stripped_and_each_thread_is_its_own_conversation():
    activity = tc.activity("partners dont trust us", "https://smba.example/", "19:x@thread.tacv2;messageid=1",
                           user="29:alex", conversation_type="channel", mention=True)
    incoming = incoming_from_activity(activity)
    assert incoming.text == "partners dont trust us"
    assert incoming.sender_id == "teams:t1:29:alex:19:x@thread.tacv2;messageid=1"


def test_a_teams_personal_chat_is_one_conversation_per_tenant_and_user():
    activity = tc.activity("hi", "https://smba.example/", user="29:alex")
    assert incoming_from_activity(activity).sender_id == "teams:t1:29:alex"
    activity["channelData"] = {"tenant": {"id": "t2"}}
    assert incoming_from_activity(activity).sender_id == "teams:t2:29:alex"


def test_a_teams_card_click_uses_the_payload_in_its_value_over_its_text():
    activity = tc.activity("Another enabler", "https://smba.example/", value={"rasa_payload": "/ask_another_enabler"})
    assert incoming_from_activity(activity).text == "/ask_another_enabler"
