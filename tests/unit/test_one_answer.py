"""One frozen Answer, rendered at the edge: every renderer shows the same quotes and citations; canned
replies carry a payload like any answer; `bot ask --json` never prints a null payload."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
import yaml

from bot import cli
from bot.answer import clarify, compose, followups
from bot.answer import types as t
from bot.answer.blocks import Cite, blocks_of
from bot.coaching import health, plan
from bot.engine import Engine
from bot.render import bot_message, outline, to_adaptive_card, to_markdown, to_slack, to_text

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
CANNED = [t.OUT_OF_SCOPE, t.EMPTY, t.TOO_LONG, t.NO_TEXT, t.LANGUAGE, t.NOTHING_MORE, t.KNOWLEDGE_UNAVAILABLE]


def _enabler_memory(engine):
    first = compose.compose_answer("partners dont trust us what do i do", engine)
    return compose.Memory(last_query="partners dont trust us what do i do", enabler_id=first.enabler_id,
                          challenge_id=first.challenge_id, example_id=first.example_id,
                          shown_enablers=[first.enabler_id], shown_examples=[first.example_id])


ANSWERS = {
    "enabler with an example": lambda e: compose.compose_answer("partners dont trust us what do i do", e),
    "enabler, example of its challenge": lambda e: compose.answer_topic(e, "geographical_and_physical_distance",
                                                                        compose.Memory()),
    "fact": lambda e: compose.compose_answer("how many leaders were interviewed?", e),
    "figure the report lacks": lambda e: compose.compose_answer(
        "what percentage of leaders said collaboration improved?", e),
    "the whole example": lambda e: compose.show_example(e, _enabler_memory(e)),
    "overview": compose.enablers_overview,
    "nearest challenges": lambda e: clarify.nearest_challenges(
        e.knowledge, e.retriever.retrieve("our partners and we keep arguing"), 3),
    "why? follow-up": lambda e: followups.follow_up("why?", e, _enabler_memory(e)),
    "case study detail": lambda e: followups.follow_up("tell me more about Kent", e, compose.Memory()),
    "coaching recommendation": lambda e: plan.recommendation(e, "siloed_funding_and_competition"),
    "health check result": lambda e: health.result_answer(e, dict(zip(health.STATEMENTS, [5, 4, 1, 3, 4, 4]))),
}


def markdown_quotes(markdown: str) -> list[str]:
    return [line[2:] for line in markdown.split("\n") if line.startswith("> ")]


def markdown_citations(markdown: str) -> list[str]:
    # "— *Document*, Publisher (Year), section" reads as the channels' "— Document, Publisher (Year), section".
    return [line.replace("*", "") for line in markdown.split("\n") if line.startswith("— *")]


def slack_quotes(blocks: list[dict]) -> list[str]:
    return [x["text"] for b in blocks if b["type"] == "rich_text" for q in b["elements"] for x in q["elements"]]


def slack_citations(blocks: list[dict]) -> list[str]:
    return [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]
            if e["type"] == "mrkdwn" and e["text"].startswith("— ")]


def card_quotes(card: dict) -> list[str]:
    return [r["text"] for c in card["body"] if c["type"] == "Container" for b in c["items"] for r in b["inlines"]]


def card_citations(card: dict) -> list[str]:
    return [r["text"] for b in card["body"] if b["type"] == "RichTextBlock" for r in b["inlines"]
            if r.get("isSubtle") and r.get("size") == "Small"]


def text_quotes(text: str) -> list[str]:
    return [line[1:-1] for line in text.split("\n") if line.startswith("“") and line.endswith("”")]


@pytest.mark.parametrize("name", list(ANSWERS))
def test_every_renderer_shows_the_same_quotes_and_citations_from_one_answer(name, fake_engine, report_text):
    answer = ANSWERS[name](fake_engine)
    assert answer is not None and answer.quotes, name
    quotes = [q.text for q in answer.quotes]
    cites = [f"— {b.source}, {b.section}" for b in answer.blocks if isinstance(b, Cite)]
    assert all(report_text.contains(q) for q in quotes)
    assert [c["quote"] for c in answer.payload["citations"]] == quotes
    message = bot_message(answer)
    doc = outline(message)
    slack, card, text = to_slack(doc)["blocks"], to_adaptive_card(doc), to_text(doc)
    assert markdown_quotes(to_markdown(answer)) == quotes == markdown_quotes(message["text"])
    assert slack_quotes(slack) == quotes
    assert card_quotes(card) == quotes
    assert text_quotes(text) == quotes
    assert markdown_citations(to_markdown(answer)) == slack_citations(slack) == card_citations(card) == cites
    assert [line for line in text.split("\n") if line.startswith("— ")] == cites


def test_the_answer_is_frozen_and_its_payload_carries_its_blocks(fake_engine):
    answer = compose.compose_answer("partners dont trust us what do i do", fake_engine)
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.status = t.OUT_OF_SCOPE  # type: ignore[misc]
    payload = json.loads(json.dumps(answer.payload))  # what crosses the process boundary
    assert blocks_of(payload["blocks"]) == answer.blocks
    assert payload["answer_id"] == compose.compose_answer("partners dont trust us what do i do",
                                                          fake_engine).payload["answer_id"]


def domain_buttons(response: str) -> list[dict]:
    return [{"title": b["title"], "payload": b["payload"]} for b in DOMAIN["responses"][response][0].get("buttons", [])]


@pytest.mark.parametrize("status", CANNED)
def test_a_canned_reply_carries_a_payload_with_its_status_and_its_responses_buttons(status):
    answer = compose.canned(status)
    payload = answer.payload
    assert payload["status"] == status and payload["response"] == f"utter_{status}"
    assert payload["buttons"] == domain_buttons(f"utter_{status}")
    assert payload["citations"] == [] and payload["blocks"] == [] and payload["answer_id"] == ""
    message = bot_message(answer)
    assert message["text"] == DOMAIN["responses"][f"utter_{status}"][0]["text"]
    assert message["buttons"] == payload["buttons"]


def test_declines_and_clarifications_from_the_pipeline_carry_payloads(fake_engine):
    assert compose.compose_answer("what's the weather forecast for tomorrow", fake_engine).payload["buttons"] == \
        domain_buttons("utter_unanswerable_out_of_scope")
    assert compose.compose_answer("   ", fake_engine).payload["status"] == t.EMPTY
    clarification = compose.compose_answer("partnership working", fake_engine)
    assert clarification.status == t.CLARIFICATION and clarification.payload["buttons"][-1]["title"] == \
        "None of these — let me rephrase"


def test_a_client_chosen_out_of_scope_topic_is_declined_not_answered_with_nothing(fake_engine):
    answer = compose.answer_topic(fake_engine, "oos_hr", compose.Memory())
    assert answer.status == t.OUT_OF_SCOPE and answer.payload["status"] == t.OUT_OF_SCOPE


@pytest.mark.parametrize("question", ["partners dont trust us what do i do", "what's the weather like tomorrow",
                                      "", "🙂🙂🙂", "x" * 5000, "funding", "how many leaders were interviewed?"])
def test_bot_ask_json_never_prints_a_null_payload(question, fake_engine, monkeypatch, capsys):
    monkeypatch.setattr(Engine, "build", classmethod(lambda cls, *args, **kwargs: fake_engine))
    assert cli.main(["ask", "--json", question]) == 0
    printed = json.loads(capsys.readouterr().out)
    answer = printed["custom"]["answer"]
    assert answer is not None and answer["status"] and isinstance(answer["buttons"], list)
    assert printed["text"].strip()
    assert printed == bot_message(compose.compose_answer(question, fake_engine))


def test_bot_ask_prints_plain_text_with_the_quotes_in_quotation_marks(fake_engine, monkeypatch, capsys):
    monkeypatch.setattr(Engine, "build", classmethod(lambda cls, *args, **kwargs: fake_engine))
    assert cli.main(["ask", "partners dont trust us what do i do"]) == 0
    printed = capsys.readouterr().out
    answer = compose.compose_answer("partners dont trust us what do i do", fake_engine)
    assert "**" not in printed and not re.search(r"(?m)^> ", printed)
    assert all(f"“{q.text}”" in printed for q in answer.quotes)
    assert printed.rstrip().endswith("Reply with: " + " · ".join(b.title for b in answer.buttons))


def test_the_coaching_confirmation_quotes_the_report_on_every_channel_without_parsing_its_markdown(knowledge):
    from bot.coaching import diagnose

    prompt = diagnose.confirm_prompt(knowledge, "siloed_funding_and_competition", "structures")
    quote = knowledge["siloed_funding_and_competition"].quotes[0]
    assert markdown_quotes(prompt.text) == [quote]
    doc = outline({"text": prompt.text, "buttons": prompt.buttons, "custom": prompt.custom})
    assert slack_quotes(to_slack(doc)["blocks"]) == [quote] == card_quotes(to_adaptive_card(doc))
    assert slack_citations(to_slack(doc)["blocks"]) == markdown_citations(prompt.text)
