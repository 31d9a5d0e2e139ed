"""The action server as Rasa sees it: every action the domain declares is registered, with the engine the
server built at start (ADR 0013), and its /webhook answers mistakes as rasa_sdk's own server does."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parents[2]


def call(bot_server, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, object]:
    request = urllib.request.Request(f"http://127.0.0.1:{bot_server.action_port}{path}", data=body,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_action_server_registers_every_action_the_domain_declares(bot_server):
    declared = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["actions"]
    status, registered = call(bot_server, "/actions")
    assert status == 200
    assert sorted(a["name"] for a in registered) == sorted(next(iter(e)) if isinstance(e, dict) else e
                                                           for e in declared)


def test_an_unknown_action_is_a_404_and_a_body_that_is_not_a_call_a_400(bot_server):
    status, body = call(bot_server, "/webhook", json.dumps({"next_action": "action_nope", "tracker": {}}).encode())
    assert (status, body["action_name"]) == (404, "action_nope")
    assert call(bot_server, "/webhook", b"not json")[0] == 400
    assert call(bot_server, "/webhook", b"[1, 2]")[0] == 400


def test_a_deflated_action_call_runs_the_action_with_the_servers_engine(bot_server):
    tracker = {"sender_id": "t", "slots": {}, "latest_message": {
        "text": "partners dont trust us what do i do", "intent": {"name": "ask_question", "confidence": 1.0},
        "entities": []}, "events": [], "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen"}
    call_body = zlib.compress(json.dumps({"next_action": "action_answer_question", "tracker": tracker,
                                          "domain": {}, "version": "3.6.21"}).encode())
    status, result = call(bot_server, "/webhook", call_body, {"Content-Encoding": "deflate"})
    assert status == 200
    answer = result["responses"][0]["custom"]["answer"]
    assert answer["status"] == "answered" and answer["enabler"]["id"]
    assert [e["name"] for e in result["events"]] == ["last_answer_id", "answer_memory"]
