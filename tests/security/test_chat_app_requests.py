"""Findings 6 and 8: Slack and Teams requests that are signed or authenticated but still hostile.

Runs first in the package: the key-fetch test needs a bot that has never fetched Microsoft's keys.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from tests.channels import slack_client as sc
from tests.channels import teams_client as tc
from tests.channels.conftest import unique

pytestmark = pytest.mark.server


def openid_fetches(fake) -> int:
    return len([r for r in fake.requests if r.path == "/teams/openid"])


def test_failed_key_fetches_back_off_instead_of_one_fetch_per_request(teams, fake):
    if any(r.path == "/teams/keys" for r in fake.requests):
        pytest.skip("the bot already has Microsoft's keys cached (run this module first)")
    fake.openid_down = True
    try:
        activity = tc.activity("hello", teams.service_url)
        with ThreadPoolExecutor(max_workers=15) as pool:
            statuses = list(pool.map(lambda _: teams.post(activity)[0], range(15)))
        statuses += [teams.post(activity)[0] for _ in range(5)]
        assert set(statuses) == {503}, statuses
        assert openid_fetches(fake) == 1, "20 requests during an outage made one fetch, not twenty"
    finally:
        fake.openid_down = False
    time.sleep(2.5)  # the first retry comes after two seconds
    replies = teams.send(tc.activity("what helps collaboration?", teams.service_url))
    assert replies and openid_fetches(fake) == 2, "once Microsoft answers again, keys are fetched and used"


def slack_form(payload) -> tuple[bytes, dict]:
    raw = urlencode({"payload": json.dumps(payload)}).encode()
    return raw, sc.signed_headers(raw, "application/x-www-form-urlencoded")


def click_payload(**override) -> dict:
    payload = {"type": "block_actions", "user": {"id": "UALEX", "team_id": "TPARTNER"}, "team": {"id": "TPARTNER"},
               "channel": {"id": "DALEX"}, "container": {"type": "message", "channel_id": "DALEX"},
               "actions": [{"type": "button", "value": "/ask_another_enabler", "action_ts": "1.2"}]}
    payload.update(override)
    return payload


@pytest.mark.parametrize("case", ["event_id is a list", "event is a string", "user is a string",
                                  "actions is an object", "actions holds a string"])
def test_a_signed_slack_body_of_the_wrong_shape_is_a_400_not_a_500(slack, case):
    if case == "event_id is a list":
        body = sc.event_body("hello", unique("D"), kind="message")
        body["event_id"] = ["Ev1", "Ev2"]
        request = sc.json_request(body)
    elif case == "event is a string":
        body = sc.event_body("hello", unique("D"), kind="message")
        body["event"] = "message"
        request = sc.json_request(body)
    elif case == "user is a string":
        request = slack_form(click_payload(user="UALEX"))
    elif case == "actions is an object":
        request = slack_form(click_payload(actions={"type": "button", "value": "/restart"}))
    else:
        request = slack_form(click_payload(actions=["/restart"]))
    status, reply = slack.send(*request)
    assert status == 400, (case, reply)
    assert isinstance(reply, dict) and reply.get("error")


def test_a_well_formed_slack_interaction_we_do_not_handle_is_acknowledged(slack):
    status, _ = slack.send(*slack_form({"type": "view_submission", "user": {"id": "UALEX"}}))
    assert status == 200


@pytest.mark.parametrize("field, value", [("from", "29:alex"), ("conversation", "a:1"), ("entities", {"x": 1}),
                                          ("text", ["hi"]), ("channelData", "t1")])
def test_an_authenticated_teams_activity_of_the_wrong_shape_is_a_400_not_a_500(teams, field, value):
    activity = tc.activity("hello", teams.service_url)
    activity[field] = value
    status, reply = teams.post(activity)
    assert status == 400, (field, reply)
    assert isinstance(reply, dict) and reply.get("error")


def test_a_teams_mention_entity_of_the_wrong_shape_is_ignored_not_a_500(teams):
    activity = tc.activity("how do we build trust?", teams.service_url)
    activity["entities"] = [{"type": "mention", "mentioned": "28:bot", "text": "<at>x</at>"}]
    assert teams.send(activity), "answered"
