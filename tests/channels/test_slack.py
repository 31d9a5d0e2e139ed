"""Slack against the real running bot: signed Events API and interactivity requests in, Block Kit
messages out to a fake Web API on loopback."""

from __future__ import annotations

import html
import time
import urllib.request

import pytest

from tests.channels import slack_client as sc
from tests.channels.conftest import unique

pytestmark = pytest.mark.server

QUESTION = "partners dont trust us what do i do"


def answer_post(posts: list[dict]) -> dict:
    (post,) = [p for p in posts if sc.keys(p, "enabler")]
    return post


def test_a_signed_mention_is_answered_in_its_thread_with_title_quotes_citation_and_buttons(slack, report_text):
    channel = unique("C")
    body = sc.event_body(f"<@{sc.BOT_USER}> {QUESTION}", channel)
    before = len(slack.fake.slack_posts(channel))
    # Slack's real Content-Type carries a charset, which the stock Rasa channel silently dropped.
    status, _ = slack.send(*sc.json_request(body, content_type="application/json; charset=utf-8"))
    assert status == 200
    post = answer_post(slack.replies_after(channel, before))

    assert post["thread_ts"] == body["event"]["ts"]
    header = next(b for b in post["blocks"] if b["type"] == "header")
    assert header["block_id"] == f"enabler:{sc.keys(post, 'enabler')[0]}"
    fallback = html.unescape(post["text"])  # the fallback is escaped per Slack's rules (& < >)
    assert header["text"]["text"].upper() in fallback, "the notification fallback names the enabler"
    quotes = sc.quotes(post)
    assert quotes and all(report_text.contains(q) for q in quotes)
    citations = [e["text"] for b in post["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert any(c.startswith("— Collaboration Executive Summary, National Leadership Centre") for c in citations)
    assert [b["value"] for b in sc.buttons(post)][:1] == ["/ask_another_enabler"]
    assert all(quote in fallback for quote in quotes), "the notification fallback keeps the quotes"


def test_a_direct_message_is_answered_at_the_top_level_of_the_dm(slack):
    channel = unique("D")
    before = len(slack.fake.slack_posts(channel))
    status, _ = slack.send(*sc.json_request(sc.event_body(QUESTION, channel, kind="message", user=unique("U"))))
    assert status == 200
    post = answer_post(slack.replies_after(channel, before))
    assert "thread_ts" not in post
    assert sc.quotes(post)


def test_clicking_a_button_sends_its_payload_and_answers_in_the_same_thread(slack):
    channel = unique("C")
    first = answer_post(slack.mention(QUESTION, channel))
    another = next(b for b in sc.buttons(first) if b["value"] == "/ask_another_enabler")
    second = answer_post(slack.click(first, another))
    assert second["thread_ts"] == first["thread_ts"]
    assert sc.keys(second, "enabler") != sc.keys(first, "enabler"), "the follow-up remembers the thread"


def test_a_retry_for_an_http_error_gets_no_second_reply(slack):
    channel = unique("C")
    body = sc.event_body(f"<@{sc.BOT_USER}> {QUESTION}", channel)
    slack.send(*sc.json_request(body))
    slack.replies_after(channel, 0)
    time.sleep(1)
    replies = len(slack.fake.slack_posts(channel))

    raw, headers = sc.json_request(body)  # the same event, re-signed as Slack does for a retry
    status, _ = slack.send(raw, {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    assert status == 200
    time.sleep(4)
    assert len(slack.fake.slack_posts(channel)) == replies


def test_the_same_event_id_delivered_twice_is_answered_once(slack):
    channel = unique("C")
    body = sc.event_body(f"<@{sc.BOT_USER}> {QUESTION}", channel)
    slack.send(*sc.json_request(body))
    slack.send(*sc.json_request(body))
    slack.replies_after(channel, 0)
    time.sleep(3)
    assert len([p for p in slack.fake.slack_posts(channel) if sc.keys(p, "enabler")]) == 1


@pytest.mark.parametrize("tamper", ["wrong secret", "older than five minutes", "no signature"])
def test_a_request_that_is_not_properly_signed_is_rejected_with_401(slack, tamper):
    channel = unique("C")
    body = sc.event_body(f"<@{sc.BOT_USER}> {QUESTION}", channel)
    if tamper == "wrong secret":
        raw, headers = sc.json_request(body, secret="not-the-secret")
    elif tamper == "older than five minutes":
        raw, headers = sc.json_request(body, timestamp=int(time.time()) - 301)
    else:
        raw, headers = sc.json_request(body)
        del headers["X-Slack-Signature"]
    status, reply = slack.send(raw, headers)
    assert status == 401, reply
    time.sleep(2)
    assert slack.fake.slack_posts(channel) == []


def test_the_url_verification_challenge_is_echoed_as_plain_text(slack):
    raw, headers = sc.json_request({"type": "url_verification", "token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV"})
    request = urllib.request.Request(slack.bot.url + "/webhooks/slack/webhook", data=raw, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert (answer.status, answer.read()) == (200, b"3eZbrw1aBm2rZgRNFdxV")


def test_an_interaction_without_a_payload_is_a_400_not_a_500(slack):
    raw = b"nothing=here"
    status, _ = slack.send(raw, sc.signed_headers(raw, "application/x-www-form-urlencoded"))
    assert status == 400


def test_messages_from_bots_and_edits_are_not_answered(slack):
    channel = unique("D")
    bot_message = sc.event_body(QUESTION, channel, kind="message")
    bot_message["event"]["bot_id"] = "BOTHER"
    edit = sc.event_body(QUESTION, channel, kind="message")
    edit["event"]["subtype"] = "message_changed"
    for body in (bot_message, edit):
        status, _ = slack.send(*sc.json_request(body))
        assert status == 200
    time.sleep(3)
    assert slack.fake.slack_posts(channel) == []
