"""Findings 1 (REST access), 2, 7 and 9: who may call REST, cross-site writes, rate limits, headers,
the socket.io origin, /health and oversized bodies, against the bot in its production configuration.

The global-ceiling test is last: it uses up the ceiling for the rest of the minute.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import urllib.request

import pytest
import socketio

from tests.channels.conftest import unique
from tests.security.conftest import (ALLOWED_ORIGIN, HEALTH_TOKEN, PROXY_HEADER, fresh_address, get, rest, say)

pytestmark = pytest.mark.server

QUESTION = {"sender": "hardening", "message": "how do we build trust with partners?"}


# --- finding 1: REST needs the token in production; make run keeps it on loopback ---------------------

@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_in_production_rest_refuses_a_caller_without_the_bearer_token(secure_bot, token):
    status, reply = rest(secure_bot, QUESTION, token=token)
    assert status == 401 and "Bearer" in reply["error"]


def test_in_production_rest_answers_a_caller_with_the_token(secure_bot):
    assert say(secure_bot, unique("caller"), "how do we build trust with partners?")


def test_production_rest_without_a_token_is_off_and_local_rest_is_open_on_loopback_and_says_so(monkeypatch, caplog):
    from rasa.core.run import configure_app, create_http_input_channels
    from sanic import Sanic

    from tests.servers import ROOT
    monkeypatch.delenv("COACH_REST_TOKEN", raising=False)
    monkeypatch.setattr(Sanic, "test_mode", True)  # Rasa names every app the same; build two here
    for credentials, mode in ((ROOT / "deploy" / "credentials.production.yml", "off"),
                              (ROOT / "credentials.yml", "loopback")):
        caplog.clear()
        with caplog.at_level(logging.INFO):
            app = configure_app(create_http_input_channels(None, str(credentials)), enable_api=False)
        Sanic._app_registry.pop(app.name, None)
        paths = {route.path for route in app.router.routes}
        assert ("webhooks/rest/webhook" in paths) == (mode == "loopback")
        said = [r for r in caplog.records if r.name == "bot.server.channels.rest"]
        assert len(said) == 1, "said once, at start"
        if mode == "loopback":
            assert said[0].levelno == logging.INFO and "loopback clients only" in said[0].getMessage()
        else:
            assert "is off" in said[0].getMessage()


# --- finding 2: no cross-site writes ------------------------------------------------------------------

def test_a_text_plain_post_from_another_website_is_refused(secure_bot):
    raw = json.dumps(QUESTION).encode()
    status, reply = rest(secure_bot, raw, headers={"Content-Type": "text/plain", "Origin": "http://evil.example"})
    assert status in (403, 415), reply
    status, reply = rest(secure_bot, raw, headers={"Content-Type": "text/plain"})
    assert status == 415 and "application/json" in reply["error"]


def test_json_from_a_foreign_origin_is_refused_and_from_an_allowed_one_answered(secure_bot):
    status, reply = rest(secure_bot, {**QUESTION, "sender": unique("x")}, headers={"Origin": "http://evil.example"})
    assert status == 403, reply
    status, reply = rest(secure_bot, {**QUESTION, "sender": unique("x")}, headers={"Origin": ALLOWED_ORIGIN})
    assert status == 200 and reply


# --- finding 7: rate limits per address, per socket.io session, and a ceiling -------------------------

def test_rotating_sender_ids_does_not_escape_the_per_address_limit_nor_limit_a_victim(secure_bot):
    attacker, victim = fresh_address(), fresh_address()
    statuses = [rest(secure_bot, b"{not json", address=attacker)[0] for _ in range(4)]
    assert statuses == [400] * 4
    status, reply = rest(secure_bot, {"sender": unique("rotated"), "message": "hi"}, address=attacker)
    assert status == 429 and "Please wait" in reply["error"] and reply["retry_after"] >= 1
    status, _ = rest(secure_bot, {"sender": "victim-id", "message": "hi"}, address=victim)
    assert status == 200, "the victim's own address is not limited by what the attacker sent"


def test_a_socketio_session_over_its_limit_gets_a_polite_reply_without_a_turn(secure_bot):
    client = socketio.Client(reconnection=False)
    replies: list[dict] = []
    ended, confirmed = threading.Event(), threading.Event()
    client.on("bot_uttered", replies.append)
    client.on("bot_turn_end", lambda _: ended.set())
    client.on("session_confirm", lambda _: confirmed.set())
    client.connect(secure_bot.url, transports=["polling"], wait_timeout=20, headers={PROXY_HEADER: fresh_address()})
    try:
        client.emit("session_request", {})
        assert confirmed.wait(20)
        for n in range(4):
            replies.clear()
            ended.clear()
            client.emit("user_uttered", {"message": "hello"})
            assert ended.wait(90)
        assert len(replies) == 1 and "faster than I can answer" in replies[0]["text"], replies
    finally:
        client.disconnect()


# --- finding 9: hardening --------------------------------------------------------------------------------

def test_the_demo_page_has_a_strict_csp_and_cannot_be_framed(secure_bot):
    status, headers, _ = get(secure_bot.url + "/webhooks/socketio/demo")
    assert status == 200
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and headers["X-Frame-Options"] == "DENY"
    status, headers, _ = get(secure_bot.url + "/webhooks/socketio/widget/coach-widget.js")
    assert status == 200 and "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"


def test_the_widget_works_on_an_intranet_page_with_a_strict_csp(secure_bot, host_page):
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
    playwright = pytest.importorskip("playwright.sync_api")
    import os
    import shutil
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()  # from 127.0.0.1 itself: a custom header would need a CORS preflight
            console: list[str] = []
            page.on("console", lambda m: console.append(m.text))
            page.goto(host_page.url)
            try:
                page.locator(".ccw-msg--bot").first.wait_for(timeout=60_000)
            except Exception as exc:  # noqa: BLE001 - say what the browser said
                raise AssertionError(f"the widget did not start: {console}") from exc
            violations = [m for m in console if "Content Security Policy" in m]
            page.get_by_label("Your question").fill("how do we build trust with partners?")
            page.get_by_label("Your question").press("Enter")
            # (a locator, not wait_for_function: the page's CSP forbids the eval that would need)
            page.locator(".ccw-msg--bot").nth(1).wait_for(timeout=90_000)
            assert "enabler" in page.locator(".ccw-msg--bot").nth(1).inner_text().lower(), "an answer card"
            assert violations == []
        finally:
            browser.close()


def handshake(bot, origin: str, host: str) -> int:
    request = urllib.request.Request(bot.url + "/socket.io/?EIO=4&transport=polling",
                                     headers={"Origin": origin, "Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_dns_rebinding_page_cannot_open_a_socket_by_naming_itself_in_the_host_header(secure_bot):
    rebound = f"evil.example:{secure_bot.rasa_port}"
    assert handshake(secure_bot, f"http://{rebound}", rebound) == 400
    assert handshake(secure_bot, secure_bot.url, f"127.0.0.1:{secure_bot.rasa_port}") == 200


def test_health_shows_only_up_or_down_to_the_public_and_details_to_loopback_or_the_token(secure_bot):
    status, _, raw = get(secure_bot.url + "/health", {PROXY_HEADER: "203.0.113.9"})
    public = json.loads(raw)
    assert status == 200 and public["status"] == "ok"
    assert set(public["components"]) == {"model", "action_server", "tracker_store", "lock_store"}
    assert all(set(part) == {"ok"} for part in public["components"].values())
    assert public["rasa_patches"] == {"ok": True}  # installed; which and why not are details
    assert "127.0.0.1" not in raw.decode()
    _, _, raw = get(secure_bot.url + "/health", {PROXY_HEADER: "203.0.113.9",
                                                "Authorization": f"Bearer {HEALTH_TOKEN}"})
    detailed = json.loads(raw)
    assert "url" in detailed["components"]["action_server"] and detailed["rasa_patches"]["patches"]
    _, _, raw = get(secure_bot.url + "/health")
    assert json.loads(raw)["components"]["tracker_store"]["type"] == "GuardedSQLTrackerStore"


def test_a_body_declared_over_the_limit_is_refused_before_it_is_sent(secure_bot):
    with socket.create_connection(("127.0.0.1", secure_bot.rasa_port), timeout=5) as conn:
        conn.sendall(b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\nAuthorization: Bearer test-rest-token\r\n"
                     + f"{PROXY_HEADER}: {fresh_address()}\r\n".encode()
                     + b"Content-Length: 31457280\r\n\r\n" + b"{" * 1024)
        reply = conn.recv(4096)  # no more of the 30 MB is sent: the answer must come now
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]


# --- finding 7, last: the ceiling over every client ------------------------------------------------------

def test_many_addresses_together_are_held_under_the_global_ceiling(secure_bot):
    for n in range(200):
        status, reply = rest(secure_bot, b"{not json", address=fresh_address())
        if status == 429:
            assert "Lots of people" in reply["error"]
            return
    pytest.fail("200 requests from 200 addresses in a few seconds never met the ceiling (150/60s)")
