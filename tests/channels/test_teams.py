"""Teams against the real running bot: Bot Framework activities with tokens signed by a test key
(served by a fake OpenID/JWKS endpoint), replies captured by a fake serviceUrl on loopback."""

from __future__ import annotations

import json
import time

import pytest

from tests.channels import teams_client as tc
from tests.channels.conftest import unique
from bot.render.teams import block_text
from tests.channels.fakes import TEAMS_APP_TOKEN

pytestmark = pytest.mark.server

QUESTION = "partners dont trust us what do i do"


def answer_card(replies: list[dict]) -> dict:
    (card,) = [tc.card_of(r) for r in replies if tc.keys(tc.card_of(r), "enabler")]
    return card


def test_a_signed_personal_message_is_answered_with_an_adaptive_card(teams, report_text):
    activity = tc.activity(QUESTION, teams.service_url)
    replies = teams.send(activity)
    card = answer_card(replies)
    reply = next(r for r in replies if tc.card_of(r) is card or tc.card_of(r) == card)

    assert reply["replyToId"] == activity["id"]
    assert reply["recipient"] == activity["from"] and reply["from"] == activity["recipient"]
    assert card["version"] == "1.4" and card["type"] == "AdaptiveCard"
    title = next(e for e in card["body"] if e.get("id", "").startswith("enabler:"))
    assert reply["summary"] == block_text(title)
    quotes = tc.quotes(card)
    assert quotes and all(report_text.contains(q) for q in quotes)
    citations = [r["text"] for e in card["body"] if e["type"] == "RichTextBlock" for r in e["inlines"]]
    assert any(c.startswith("— Collaboration Executive Summary") for c in citations)
    assert card["actions"][0]["data"]["msteams"]["text"] == "/ask_another_enabler"

    (path, _) = [(p, a) for p, a in teams.fake.teams_replies(activity["conversation"]["id"])][-1]
    assert path == f"/teams/service/v3/conversations/{activity['conversation']['id']}/activities/{activity['id']}"
    sent = [r for r in teams.fake.requests if "/service/v3/" in r.path]
    assert all(r.headers["Authorization"] == f"Bearer {TEAMS_APP_TOKEN}" for r in sent)


def test_clicking_a_card_button_sends_its_payload_back_as_the_next_message(teams):
    conversation = f"a:{unique('conv')}"
    first = answer_card(teams.send(tc.activity(QUESTION, teams.service_url, conversation)))
    another = next(a for a in first["actions"] if a["data"]["rasa_payload"] == "/ask_another_enabler")
    second = answer_card(teams.send(tc.click(another, teams.service_url, conversation)))
    assert tc.keys(second, "enabler") != tc.keys(first, "enabler"), "the follow-up remembers the conversation"


def test_a_channel_mention_is_answered_with_the_mention_removed(teams):
    personal = answer_card(teams.send(tc.activity(QUESTION, teams.service_url)))
    thread = f"19:{unique('partners')}@thread.tacv2;messageid=1700000000000"
    in_channel = answer_card(teams.send(tc.activity(QUESTION, teams.service_url, thread,
                                                    conversation_type="channel", mention=True)))
    assert tc.keys(in_channel, "enabler") == tc.keys(personal, "enabler")


@pytest.mark.parametrize("case, token, status", [
    ("no token", None, 401),
    ("not a JWT", "not-a-jwt", 401),
    ("unsigned (alg none)", "unsigned", 401),
    ("HS256 signed with a shared secret", "hs256", 401),
    ("expired", "expired", 401),
    ("wrong issuer", "issuer", 401),
    ("signed by a key that is not Microsoft's", "other-key", 401),
    ("for another bot (audience)", "audience", 403),
    ("issued for another serviceUrl", "service-url", 403),
    ("without a serviceurl claim", "no-service-url", 403),
])
def test_a_request_with_a_bad_token_is_refused_and_gets_no_reply(teams, case, token, status):
    activity = tc.activity(QUESTION, teams.service_url)
    url = activity["serviceUrl"]
    tokens = {
        None: None,
        "not-a-jwt": "not-a-jwt",
        "unsigned": tc.jwt.encode({"iss": tc.ISSUER, "aud": tc.APP_ID, "serviceurl": url,
                                   "exp": int(time.time()) + 600}, None, algorithm="none"),
        "hs256": tc.token(url, _key="a-shared-secret-that-is-long-enough-1234", _alg="HS256"),
        "expired": tc.token(url, exp=int(time.time()) - 3600, nbf=int(time.time()) - 7200),
        "issuer": tc.token(url, iss="https://sts.windows.net/attacker/"),
        "other-key": tc.token(url, _key=tc.OTHER_KEY),
        "audience": tc.token(url, aud="11111111-2222-3333-4444-555555555555"),
        "service-url": tc.token("https://smba.trafficmanager.net/emea/"),
        "no-service-url": tc.token(url, serviceurl=None),
    }
    reply_status, body = teams.post(activity, token=tokens[token])
    assert reply_status == status, (case, body)
    assert isinstance(body, dict) and body.get("error"), "the refusal says why"
    time.sleep(1)
    assert teams.fake.teams_replies(activity["conversation"]["id"]) == []


def test_a_valid_token_with_a_body_that_is_not_an_activity_is_a_400(teams):
    url = teams.service_url
    status, body = teams.bot.post("/webhooks/teams/webhook", b"[1, 2",
                                  {"Authorization": f"Bearer {tc.token(url)}"})
    assert status == 400, body


def test_activities_other_than_messages_are_acknowledged_without_a_reply(teams):
    activity = tc.activity("", teams.service_url)
    activity["type"] = "conversationUpdate"
    status, _ = teams.post(activity)
    assert status == 200
    time.sleep(2)
    assert teams.fake.teams_replies(activity["conversation"]["id"]) == []


def test_signing_keys_are_fetched_once_and_cached(teams):
    teams.send(tc.activity(QUESTION, teams.service_url))
    teams.send(tc.activity("what helps collaboration?", teams.service_url))
    fetches = [r for r in teams.fake.requests if r.path == "/teams/keys"]
    assert len(fetches) == 1, json.dumps([r.path for r in teams.fake.requests])
