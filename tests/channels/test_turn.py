"""bot.server.channels.turn: every channel's turn ends in a reply, and a turn nothing of which was stored says so."""

from __future__ import annotations

import asyncio
import logging

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import LockError
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore

from bot.server import stores
from bot.server.channels.turn import BackgroundTurns, take_turn, unavailable_message
from bot.messages import canned_text


def run_turn(behaviour, timeout=None, agent=None):
    output = CollectingOutputChannel()
    fallbacks: list = []

    async def on_new_message(message: UserMessage) -> None:
        await behaviour(message)

    async def fallback(reply):
        fallbacks.append(reply)

    message = UserMessage("hello", output, "test:1", input_channel="testchan")
    stored = asyncio.run(take_turn(message, on_new_message, agent=agent, timeout=timeout,
                                   replied=lambda: bool(output.messages), fallback=fallback))
    return stored, output.messages, fallbacks


async def answers(message):
    await message.output_channel.send_text_message(message.sender_id, "an answer")


async def says_nothing(message):
    return None


async def breaks(message):
    raise RuntimeError("action server exploded")


async def store_down(message):
    raise stores.StoreUnavailable("saving a conversation failed")


async def lock_held(message):
    raise LockError("locked")


async def too_slow(message):
    await asyncio.sleep(5)


def test_an_answered_turn_gets_no_fallback():
    stored, said, fallbacks = run_turn(answers)
    assert stored and [m["text"] for m in said] == ["an answer"] and fallbacks == []


@pytest.mark.parametrize("behaviour", [says_nothing, breaks])
def test_a_turn_without_a_reply_gets_the_canned_unavailable_message_and_an_error_line(behaviour, caplog):
    with caplog.at_level(logging.ERROR, logger="bot.server.channels.turn"):
        stored, _, fallbacks = run_turn(behaviour)
    assert stored
    assert fallbacks == [unavailable_message()]
    assert fallbacks[0]["text"] == canned_text("utter_error_knowledge_unavailable")
    assert fallbacks[0]["custom"]["answer"]["status"] == "error_knowledge_unavailable"
    assert any("testchan" in r.getMessage() and "test:1" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("behaviour, timeout", [(store_down, None), (lock_held, None), (too_slow, 0.2)])
def test_a_turn_nothing_of_which_was_stored_is_reported_and_still_gets_a_reply(behaviour, timeout):
    stored, _, fallbacks = run_turn(behaviour, timeout)
    assert stored is False and fallbacks == [unavailable_message()]


def test_every_turn_makes_the_tracker_store_fail_loudly_first():
    class Agent:
        tracker_store = FailSafeTrackerStore(InMemoryTrackerStore(None))

    run_turn(answers, agent=Agent)
    assert stores.fails_loudly(Agent)


def test_background_turns_run_to_the_end_after_the_webhook_has_answered():
    done: list = []

    async def webhook() -> str:
        turns = BackgroundTurns()

        async def turn() -> None:
            await asyncio.sleep(0.05)
            done.append("answered")

        turns.start(turn())
        assert len(turns._tasks) == 1  # held, so it is not garbage-collected mid-turn
        await asyncio.sleep(0.2)
        assert not turns._tasks  # and let go when it ends
        return "ack"

    assert asyncio.run(webhook()) == "ack" and done == ["answered"]
