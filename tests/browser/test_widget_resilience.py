"""The server going away and coming back: the widget says so, keeps the user's text, and recovers by itself."""

from __future__ import annotations

from tests.browser.conftest import ANSWER_TIMEOUT_MS, DEMO_PATH, ask
from tests.servers import free_port, running_bot

UNREACHABLE = ".ccw-status--offline"


def test_an_unreachable_server_is_shown_and_the_widget_recovers_when_it_returns(page, widget_credentials):
    port = free_port()
    args = ["--credentials", str(widget_credentials), "--rasa-port", str(port)]  # later flags win
    url = f"http://127.0.0.1:{port}"

    with running_bot(extra_args=args):
        page.goto(url + DEMO_PATH)
        page.get_by_role("button", name="Ask Collaboration Coach").click()
        page.locator(".ccw-msg--bot").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
        ask(page, "How do we overcome siloed funding?")
        assert page.locator(UNREACHABLE).count() == 0

    status = page.locator(UNREACHABLE)
    status.wait_for(timeout=30_000)
    assert "can't be reached" in status.inner_text()
    page.get_by_label("Your question").fill("Is anyone there?")
    page.get_by_role("button", name="Send").click()
    assert "Not sent" in page.locator(".ccw-form__error").inner_text()
    assert page.get_by_label("Your question").input_value() == "Is anyone there?", "the user's words are kept"
    cards_before = page.locator(".ccw-card").count()

    with running_bot(extra_args=args):
        status.wait_for(state="detached", timeout=60_000)
        assert page.locator(".ccw-card").count() == cards_before, "what was on screen stays on screen"
        assert "new conversation" in page.locator(".ccw-notice").last.inner_text()
        assert page.locator(".ccw-form__error").is_hidden()
        ask(page, "partners don't trust us")
        assert page.locator(".ccw-card").count() == cards_before + 1
    assert page.errors == []
