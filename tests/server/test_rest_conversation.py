"""Whole conversations over the REST channel of a running bot (real NLU, real model, real index)."""

from __future__ import annotations

import json
import uuid

import pytest

pytestmark = pytest.mark.server


def new_sender() -> str:
    return f"test-u{uuid.uuid4().hex[:12]}"  # a letter first, or the digits can look like a phone number


def answer_of(message: dict) -> dict:
    return message["custom"]["answer"]


def only(messages: list[dict]) -> dict:
    assert len(messages) == 1, messages
    return messages[0]


def assert_verbatim(answer: dict, report_text) -> None:
    for citation in answer["citations"]:
        assert report_text.contains(citation["quote"]), citation["quote"]
    for quote in (answer.get("example") or {}).get("quotes", []):
        assert report_text.contains(quote), quote


def test_a_greeting_introduces_the_assistant(bot_server):
    message = only(bot_server.say(new_sender(), "hello"))
    assert "Collaboration Coach" in message["text"]


def test_a_leaders_question_gets_one_message_with_text_buttons_and_a_cited_payload(bot_server, report_text):
    message = only(bot_server.say(new_sender(), "partners dont trust us what do i do"))
    answer = answer_of(message)
    assert answer["status"] == "answered"
    assert answer["enabler"]["theme"] == "Relationships"
    assert answer["enabler"]["title"] in message["text"]
    assert answer["citations"] and message["buttons"]
    assert all(c["source"].startswith("Collaboration Executive Summary") for c in answer["citations"])
    assert_verbatim(answer, report_text)


def test_follow_ups_work_in_context(bot_server, report_text):
    sender = new_sender()
    first = answer_of(only(bot_server.say(sender, "our budgets are ring-fenced so we can't pool money")))
    assert first["enabler"]["id"] == "dedicated_flexible_funding"
    second = answer_of(only(bot_server.say(sender, "what else helps?")))
    assert second["status"] == "answered"
    assert second["enabler"]["id"] != first["enabler"]["id"]
    example = answer_of(only(bot_server.say(sender, "show me the example")))
    assert example["example"] is not None
    another = answer_of(only(bot_server.say(sender, "another example")))
    assert another["example"]["id"] != example["example"]["id"]
    for answer in (first, second, example, another):
        assert_verbatim(answer, report_text)


def test_a_follow_up_button_payload_is_understood(bot_server):
    sender = new_sender()
    message = only(bot_server.say(sender, "partners dont trust us what do i do"))
    button = next(b for b in message["buttons"] if b["title"] == "Another enabler")
    again = answer_of(only(bot_server.say(sender, button["payload"])))
    assert again["status"] == "answered"
    assert again["enabler"]["id"] != answer_of(message)["enabler"]["id"]


def test_a_fact_question_gets_the_sentence_that_answers_it(bot_server, report_text):
    message = only(bot_server.say(new_sender(), "how many leaders were interviewed?"))
    answer = answer_of(message)
    assert answer["status"] == "answered_fact"
    assert answer["enabler"] is None
    assert [c["quote"] for c in answer["citations"]] == [
        "Across the case studies, Ipsos MORI interviewed 37 participants from a wide range of organisations "
        "and regions, as shown below."]
    assert_verbatim(answer, report_text)


@pytest.mark.parametrize("question", ["what's the weather in Leeds tomorrow?", "how do I renew my passport",
                                      "what is 17 times 23", "can I be sued for breach of contract by a partner?"])
def test_off_topic_questions_are_declined_without_an_enabler_or_citation(bot_server, question):
    message = only(bot_server.say(new_sender(), question))
    answer = answer_of(message)
    assert answer["status"] == "unanswerable_out_of_scope"
    assert answer["enabler"] is None and answer["citations"] == []
    assert "I can help with" in message["text"]


@pytest.mark.parametrize("text, expected", [
    ("", "I didn't get a question"),
    ("     ", "I didn't get a question"),
    ("x" * 10_000, "That's a long message"),
    ("🤝🤝🤝", "I can only read words"),
    ("Sut gallwn ni weithio'n well gyda partneriaid?", "I can only answer in English"),
    ("我们如何与合作伙伴建立信任？", "I can only answer in English"),
])
def test_bad_input_gets_a_polite_reply(bot_server, text, expected):
    message = only(bot_server.say(new_sender(), text))
    assert expected in message["text"]
    assert "Traceback" not in json.dumps(message)


def test_markup_in_a_question_is_ignored_and_the_question_answered(bot_server):
    message = only(bot_server.say(new_sender(), "<script>alert('x')</script> how do we build trust with partners?"))
    assert answer_of(message)["status"] == "answered"
    assert "<script>" not in message["text"]


def test_conversation_basics(bot_server):
    sender = new_sender()
    assert "automated assistant" in only(bot_server.say(sender, "are you a bot?"))["text"]
    assert "I answer questions about collaboration" in only(bot_server.say(sender, "what can you do?"))["text"]
    assert "welcome" in only(bot_server.say(sender, "thanks"))["text"]
    assert "Goodbye" in only(bot_server.say(sender, "bye"))["text"]
    assert "start again" in only(bot_server.say(sender, "/restart"))["text"]


def test_feedback_is_acknowledged_after_an_answer(bot_server):
    sender = new_sender()
    bot_server.say(sender, "how do we get buy-in from frontline staff?")
    assert "glad that helped" in only(bot_server.say(sender, "/feedback_helpful"))["text"]
    assert "Thank you for telling me" in only(bot_server.say(sender, "/feedback_unhelpful"))["text"]


def test_restart_forgets_what_was_shown(bot_server):
    sender = new_sender()
    bot_server.say(sender, "partners dont trust us what do i do")
    bot_server.say(sender, "/restart")
    assert "ask me a question first" in only(bot_server.say(sender, "/feedback_helpful"))["text"]


@pytest.mark.parametrize("body, reason", [
    (b"{not json", "must be JSON"),
    (b'{"message": "hi"}', "'sender' is required"),
    (b'{"sender": "x", "message": 5}', "'message' is required and must be a string"),
    (b'["sender", "message"]', "must be a JSON object"),
    (b'\xff\xfe{"sender": "x"}', "UTF-8"),
])
def test_client_mistakes_get_a_400_that_says_what_is_wrong(bot_server, body, reason):
    status, reply = bot_server.post("/webhooks/rest/webhook", body)
    assert status == 400
    assert reason in reply["error"]


def prefetch_stats(bot_server) -> dict:
    return bot_server.action_ready()["prefetch"]


def test_a_question_is_answered_from_its_prefetch_and_a_greeting_starts_none(bot_server, report_text):
    before = prefetch_stats(bot_server)
    answer = answer_of(only(bot_server.say(new_sender(), "how can we pool budgets across organisations?")))
    after = prefetch_stats(bot_server)
    assert answer["status"] == "answered"
    assert_verbatim(answer, report_text)
    # NLU classified it as a question and the action took the answer composed ahead: no second compose.
    assert (after["started"] - before["started"], after["hits"] - before["hits"]) == (1, 1)
    assert after["misses"] == before["misses"]
    only(bot_server.say(new_sender(), "hello"))
    assert prefetch_stats(bot_server)["started"] == after["started"]


def test_a_question_posted_to_prefetch_is_accepted_then_composed_once_for_its_action(bot_server, report_text):
    # The action server replies 202 before it starts composing; the answer must still be there, and
    # be composed once, when Rasa asks for it (its own post of the same text finds it under way).
    import urllib.request

    question = "how do we get partners to share data with each other?"
    before = prefetch_stats(bot_server)
    request = urllib.request.Request(f"http://127.0.0.1:{bot_server.action_port}/prefetch", method="POST",
                                     data=json.dumps({"text": question}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert (reply.status, json.loads(reply.read())) == (202, {"status": "started"})
    answer = answer_of(only(bot_server.say(new_sender(), question)))
    after = prefetch_stats(bot_server)
    assert answer["status"] == "answered"
    assert_verbatim(answer, report_text)
    assert (after["started"] - before["started"], after["hits"] - before["hits"]) == (1, 1)
    assert after["misses"] == before["misses"]


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"text": ""}', b'{"text": 3}'])
def test_the_action_servers_prefetch_refuses_bad_requests_with_400(bot_server, body):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{bot_server.action_port}/prefetch", data=body,
                                     method="POST", headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400
    assert "expected" in json.loads(refused.value.read())["error"]


def test_an_unclear_partnership_problem_is_asked_about_and_the_choice_is_recorded(bot_server, report_text):
    import sqlite3

    sender = new_sender()
    message = only(bot_server.say(sender, "the alliance is wobbling"))
    asked = answer_of(message)
    assert asked["status"] == "clarification", asked
    assert message["buttons"][-1]["title"] == "None of these — let me rephrase"
    assert_verbatim(asked, report_text)
    chosen = message["buttons"][0]
    answer = answer_of(only(bot_server.say(sender, chosen["payload"])))
    assert answer["status"] == "answered" and answer["challenge"]["title"] == chosen["title"]
    topic = json.loads(chosen["payload"].split("choose_topic", 1)[1])["topic_id"]
    with sqlite3.connect(bot_server.log.with_suffix(".db")) as db:  # the choice, as a slot event
        slots = [json.loads(d) for (d,) in db.execute(  # REST conversations are "rest:<sender>" (ADR 0007)
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot'", (f"rest:{sender}",))]
    assert {"name": "topic_id", "value": topic} in [{k: s.get(k) for k in ("name", "value")} for s in slots]
    rephrase = answer_of(only(bot_server.say(sender, '/choose_topic{"topic_id":"none_of_these"}')))
    assert rephrase["status"] == "clarification"


@pytest.mark.parametrize("question, words", [
    ("why is it hard to put in a joint bid for commissioned services?",
     "cannot guarantee funds over the necessary timescales"),
    ("apart from the PPE factory, what did Northumbria set up with the council and CCGs?",
     "a new discharge pathway for patients from hospital to local care homes"),
])
def test_a_detail_question_over_rest_shows_the_reports_sentence_that_answers(bot_server, report_text, question, words):
    message = only(bot_server.say(new_sender(), question))
    answer = answer_of(message)
    assert answer["status"].startswith("answered")
    assert words in " ".join(message["text"].split())
    assert any(words in c["quote"] for c in answer["citations"])
    assert_verbatim(answer, report_text)


def test_a_cost_the_report_does_not_give_is_said_plainly_over_rest(bot_server, report_text):
    answer = answer_of(only(bot_server.say(new_sender(), "how much did the Nightingale courts cost?")))
    assert answer["status"] == "unanswerable_not_in_report"
    assert answer["citations"] and answer["enabler"] is None
    assert_verbatim(answer, report_text)
