"""Same answers everywhere: one scripted conversation replayed over REST, Slack, Teams and socket.io,
each using its own native way to click a button."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Optional

import pytest

from tests.channels import slack_client as sc
from tests.channels import teams_client as tc
from tests.channels.conftest import unique

pytestmark = pytest.mark.server

QUESTION = "partners dont trust us what do i do"


THIRD_TURN = "coach me"  # the third turn starts guided coaching on every channel


@dataclass
class Turn:
    """What a turn showed, channel-neutrally: per message its enabler and example; all quotes; the buttons."""

    enablers: list[Optional[str]] = field(default_factory=list)
    examples: list[Optional[str]] = field(default_factory=list)
    quotes: set[str] = field(default_factory=set)
    buttons: list[str] = field(default_factory=list)


def first(items: list[str]) -> Optional[str]:
    return items[0] if items else None


def turn_of_messages(messages: list[dict]) -> Turn:
    """REST and socket.io messages: text, buttons and the custom answer payload."""
    turn = Turn()
    for m in messages:
        answer = (m.get("custom") or {}).get("answer") or {}
        turn.enablers.append((answer.get("enabler") or {}).get("id"))
        turn.examples.append((answer.get("example") or {}).get("id"))
        turn.quotes |= {c["quote"] for c in answer.get("citations") or []}
        buttons = answer.get("buttons") or m.get("buttons") or []
        turn.buttons = [b["payload"] for b in buttons] or turn.buttons
    return turn


def turn_of_slack(posts: list[dict]) -> Turn:
    turn = Turn()
    for p in posts:
        turn.enablers.append(first(sc.keys(p, "enabler")))
        turn.examples.append(first(sc.keys(p, "example")))
        turn.quotes |= set(sc.quotes(p))
        turn.buttons = [b["value"] for b in sc.buttons(p)] or turn.buttons
    return turn


def turn_of_teams(replies: list[dict]) -> Turn:
    turn = Turn()
    for r in replies:
        card = tc.card_of(r)
        turn.enablers.append(first(tc.keys(card, "enabler")))
        turn.examples.append(first(tc.keys(card, "example")))
        turn.quotes |= set(tc.quotes(card))
        turn.buttons = [a["data"]["rasa_payload"] for a in card.get("actions", [])] or turn.buttons
    return turn


def over_rest(bot) -> list[Turn]:
    sender = f"parity-{uuid.uuid4().hex[:8]}"
    turns = [turn_of_messages(bot.say(sender, QUESTION))]
    turns.append(turn_of_messages(bot.say(sender, turns[0].buttons[0])))
    turns.append(turn_of_messages(bot.say(sender, THIRD_TURN)))
    return turns


def over_slack(slack) -> list[Turn]:
    channel = unique("C")
    posts = slack.mention(QUESTION, channel)
    turns = [turn_of_slack(posts)]
    with_buttons = [p for p in posts if sc.buttons(p)][-1]
    posts = slack.click(with_buttons, sc.buttons(with_buttons)[0])
    turns.append(turn_of_slack(posts))
    turns.append(turn_of_slack(slack.mention(THIRD_TURN, channel, thread_ts=with_buttons["thread_ts"])))
    return turns


def over_teams(teams) -> list[Turn]:
    conversation = f"a:{unique('parity')}"
    replies = teams.send(tc.activity(QUESTION, teams.service_url, conversation))
    turns = [turn_of_teams(replies)]
    with_actions = [tc.card_of(r) for r in replies if tc.card_of(r).get("actions")][-1]
    turns.append(turn_of_teams(teams.send(tc.click(with_actions["actions"][0], teams.service_url, conversation))))
    turns.append(turn_of_teams(teams.send(tc.activity(THIRD_TURN, teams.service_url, conversation))))
    return turns


def over_socketio(bot) -> list[Turn]:
    import socketio

    client = socketio.Client(reconnection=False)
    received: list[dict] = []
    turn_over, confirmed = threading.Event(), threading.Event()
    client.on("bot_uttered", lambda data: received.append(data))
    client.on("bot_turn_end", lambda data: turn_over.set())
    client.on("session_confirm", lambda data: confirmed.set())
    client.connect(bot.url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)
    try:
        client.emit("session_request", {})
        assert confirmed.wait(30)

        def say(text: str) -> list[dict]:
            received.clear()
            turn_over.clear()
            client.emit("user_uttered", {"message": text})
            assert turn_over.wait(90), "no bot_turn_end"
            return list(received)

        turns = [turn_of_messages(say(QUESTION))]
        turns.append(turn_of_messages(say(turns[0].buttons[0])))
        turns.append(turn_of_messages(say(THIRD_TURN)))
        return turns
    finally:
        client.disconnect()


def test_one_conversation_gets_the_same_enablers_quotes_examples_and_buttons_on_every_channel(
        channel_bot, slack, teams, report_text):
    rest = over_rest(channel_bot)
    assert rest[0].enablers[-1] and rest[0].quotes and rest[0].buttons, "the first answer is an enabler answer"
    assert rest[1].enablers[-1] != rest[0].enablers[-1], "the follow-up moved on"
    assert all(report_text.contains(q) for turn in rest for q in turn.quotes)
    channels: dict[str, Any] = {"slack": over_slack(slack), "teams": over_teams(teams),
                                "socketio": over_socketio(channel_bot)}
    for name, turns in channels.items():
        for n, (expected, got) in enumerate(zip(rest, turns), start=1):
            assert got.enablers == expected.enablers, (name, n)
            assert got.examples == expected.examples, (name, n)
            assert got.quotes == expected.quotes, (name, n)
            assert got.buttons == expected.buttons, (name, n)
