"""The REST channel's limits: rate per sender, body size and turn deadline, read from config or environment."""

from __future__ import annotations

import pytest

from bot.channels.rest import Limits, RateLimiter, RestInput, parse_rate
from tests.fakes import FakeClock


@pytest.mark.parametrize("text, rate", [("20/60s", (20, 60.0)), (" 5 / 1.5s ", (5, 1.5)), ("100/10", (100, 10.0)),
                                        ("off", None), ("OFF", None)])
def test_parse_rate_reads_messages_per_seconds_or_off(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["twenty", "20", "0/60s", "20/0s", "-1/60s"])
def test_parse_rate_rejects_nonsense_with_a_message_naming_the_variable(text):
    with pytest.raises(ValueError, match="COACH_RATE_LIMIT"):
        parse_rate(text)


def test_a_sender_over_the_limit_waits_until_the_oldest_message_leaves_the_window():
    clock = FakeClock()
    limiter = RateLimiter((3, 60.0), clock)
    assert [limiter.retry_after("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.now += 10
    assert limiter.retry_after("a") == pytest.approx(50.0)
    clock.now += 50
    assert limiter.retry_after("a") == 0.0


def test_one_sender_over_the_limit_does_not_limit_another():
    limiter = RateLimiter((1, 60.0), FakeClock())
    assert limiter.retry_after("flooder") == 0.0
    assert limiter.retry_after("flooder") > 0
    assert limiter.retry_after("someone else") == 0.0


def test_rejected_messages_do_not_extend_the_wait():
    clock = FakeClock()
    limiter = RateLimiter((1, 10.0), clock)
    limiter.retry_after("a")
    for _ in range(100):
        limiter.retry_after("a")
    clock.now += 10
    assert limiter.retry_after("a") == 0.0


def test_with_the_limit_off_every_message_goes_ahead():
    limiter = RateLimiter(None)
    assert all(limiter.retry_after("a") == 0.0 for _ in range(1000))


def test_limits_come_from_credentials_before_the_environment(monkeypatch):
    monkeypatch.setenv("COACH_RATE_LIMIT", "5/10s")
    monkeypatch.setenv("COACH_MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("COACH_TURN_TIMEOUT", "7")
    assert Limits.load() == Limits(max_body_bytes=2048, rate=(5, 10.0), turn_timeout=7.0)
    assert Limits.load({"rate_limit": "off", "turn_timeout": 3}).rate is None
    assert RestInput.from_credentials({"max_body_bytes": 4096}).limits.max_body_bytes == 4096


def test_default_limits_allow_twenty_messages_a_minute_64_kib_and_twenty_seconds(monkeypatch):
    for name in ("COACH_RATE_LIMIT", "COACH_MAX_BODY_BYTES", "COACH_TURN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    assert Limits.load() == Limits(max_body_bytes=65536, rate=(20, 60.0), turn_timeout=20.0)


@pytest.mark.parametrize("setting", [{"max_body_bytes": "lots"}, {"max_body_bytes": 10}, {"turn_timeout": 0}])
def test_invalid_limits_stop_start_up_with_a_clear_message(setting):
    with pytest.raises(ValueError, match="REST channel settings"):
        Limits.load(setting)
