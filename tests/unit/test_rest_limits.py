"""The channels' limits: rates per client address, per session and overall, body size and turn deadline,
read from config or environment; client addresses and REST access settings."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.server.channels.limits import RateLimits, Throttle, client_address, is_loopback
from bot.server.channels.rest import Access, Limits, RateLimiter, RestInput, conversation_id, parse_body, parse_rate
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
    monkeypatch.setenv("COACH_GLOBAL_RATE_LIMIT", "50/10s")
    monkeypatch.setenv("COACH_MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("COACH_TURN_TIMEOUT", "7")
    monkeypatch.setenv("COACH_TRUSTED_PROXY_HEADER", "X-Forwarded-For")
    limits = Limits.load()
    assert (limits.max_body_bytes, limits.turn_timeout, limits.rate) == (2048, 7.0, (5, 10.0))
    assert (limits.rates.ceiling, limits.rates.proxy_header) == ((50, 10.0), "X-Forwarded-For")
    assert Limits.load({"rate_limit": "off", "turn_timeout": 3}).rate is None
    assert RestInput.from_credentials({"max_body_bytes": 4096}).limits.max_body_bytes == 4096


def test_default_limits_are_high_enough_for_scripts_on_loopback(monkeypatch):
    for name in ("COACH_RATE_LIMIT", "COACH_SESSION_RATE_LIMIT", "COACH_GLOBAL_RATE_LIMIT", "COACH_MAX_BODY_BYTES",
                 "COACH_TURN_TIMEOUT", "COACH_TRUSTED_PROXY_HEADER"):
        monkeypatch.delenv(name, raising=False)
    limits = Limits.load()
    assert (limits.max_body_bytes, limits.turn_timeout) == (65536, 20.0)
    assert limits.rates == RateLimits(per_client=(600, 60.0), per_session=(30, 60.0), ceiling=(3000, 60.0),
                                      proxy_header=None)


@pytest.mark.parametrize("setting", [{"max_body_bytes": "lots"}, {"max_body_bytes": 10}, {"turn_timeout": 0},
                                     {"global_rate_limit": "many"}])
def test_invalid_limits_stop_start_up_with_a_clear_message(setting):
    with pytest.raises(ValueError, match="REST channel settings"):
        Limits.load(setting)


def test_a_client_over_its_limit_is_refused_but_other_clients_and_its_other_sessions_are_not():
    throttle = Throttle(RateLimits(per_client=(2, 60.0), per_session=(1, 60.0), ceiling=(100, 60.0)), FakeClock())
    assert throttle.wait("10.0.0.1")[0] == 0 and throttle.wait("10.0.0.1")[0] == 0
    seconds, message = throttle.wait("10.0.0.1")
    assert seconds > 0 and "Please wait" in message
    assert throttle.wait("10.0.0.2", "session-a")[0] == 0
    assert throttle.wait("10.0.0.3", "session-a")[0] > 0, "one session is limited whatever address it uses"


def test_the_ceiling_limits_every_client_together_and_refused_messages_count_nowhere():
    throttle = Throttle(RateLimits(per_client=(5, 60.0), per_session=None, ceiling=(3, 60.0)), FakeClock())
    assert [throttle.wait(f"10.0.0.{n}")[0] for n in range(3)] == [0, 0, 0]
    seconds, message = throttle.wait("10.0.0.9")
    assert seconds > 0 and "Lots of people" in message
    assert not throttle.clients.seen.get("client:10.0.0.9"), "the refused message used none of its own limit"


@pytest.mark.parametrize("peer, headers, header, address", [
    ("10.0.0.5", {"X-Forwarded-For": "1.2.3.4"}, None, "10.0.0.5"),           # not configured: ignored
    ("10.0.0.5", {"X-Forwarded-For": "6.6.6.6, 1.2.3.4"}, "X-Forwarded-For", "1.2.3.4"),  # the proxy's entry
    ("10.0.0.5", {}, "X-Forwarded-For", "10.0.0.5"),
])
def test_the_client_address_honours_only_the_configured_proxy_header(peer, headers, header, address):
    assert client_address(peer, headers, header) == address


def test_loopback_addresses_are_recognised():
    assert is_loopback("127.0.0.1") and is_loopback("127.0.0.2") and is_loopback("::1")
    assert not is_loopback("10.0.0.1") and not is_loopback("unknown")


def test_rest_access_is_token_loopback_or_off(monkeypatch):
    monkeypatch.delenv("COACH_REST_TOKEN", raising=False)
    assert Access.load().mode == "loopback"
    assert Access.load({"require_token": True}).mode == "off"
    monkeypatch.setenv("COACH_REST_TOKEN", "s3cret")
    assert Access.load({"require_token": True}).mode == "token"


def test_rest_conversations_live_in_their_own_namespace_and_personal_data_is_not_an_id():
    assert conversation_id("slack:T1:UVICTIM2") == "rest:slack:T1:UVICTIM2"
    _, problem = parse_body(b'{"sender": "jo.bloggs@council.gov.uk", "message": "hi"}')
    assert problem and "opaque id" in problem


def test_without_a_token_rest_refuses_clients_that_are_not_on_loopback(monkeypatch):
    monkeypatch.delenv("COACH_REST_TOKEN", raising=False)
    channel = RestInput.from_credentials({"trusted_proxy_header": "X-Forwarded-For", "rate_limit": "off"})
    json_type = {"content-type": "application/json"}
    behind_proxy = SimpleNamespace(ip="127.0.0.1", headers={**json_type, "X-Forwarded-For": "203.0.113.9"})
    assert channel.refusal(behind_proxy).status == 403
    assert channel.refusal(SimpleNamespace(ip="127.0.0.1", headers=json_type)) is None
    assert channel.refusal(SimpleNamespace(ip="::1", headers={"content-type": "text/plain"})).status == 415


def test_with_a_token_rest_needs_exactly_that_bearer_token(monkeypatch):
    monkeypatch.setenv("COACH_REST_TOKEN", "s3cret")
    channel = RestInput.from_credentials({"rate_limit": "off"})
    json_type = {"content-type": "application/json"}
    for given in (None, "Bearer s3cre", "Bearer s3cret2", "Basic s3cret", "s3cret"):
        headers = {**json_type, **({"authorization": given} if given else {})}
        assert channel.refusal(SimpleNamespace(ip="10.0.0.1", headers=headers)).status == 401, given
    ok = SimpleNamespace(ip="10.0.0.1", headers={**json_type, "authorization": "Bearer s3cret"})
    assert channel.refusal(ok) is None


def test_bearer_tokens_match_exactly_and_the_scheme_in_any_case():
    from bot.server.channels.access import bearer_matches

    token = "s3cret-token-of-some-length"
    assert bearer_matches(f"Bearer {token}", token)
    assert bearer_matches(f"bearer {token}", token)
    assert not bearer_matches(f"Bearer {token.upper()}", token)
    assert not bearer_matches(f"Basic {token}", token)
    assert not bearer_matches(f"Bearer {token} extra", token)
    assert not bearer_matches(None, token)
