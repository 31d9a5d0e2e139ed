"""The widget against the real bot in headless Chromium: answers, follow-ups, reload, safety, restart."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ANSWER_TIMEOUT_MS, ask, open_demo, wait_for_reply


def test_a_question_shows_a_cited_answer_card_with_verbatim_quotes(page, widget_bot, report_text):
    open_demo(page, widget_bot)
    ask(page, "How do we overcome siloed funding?")

    card = page.locator(".ccw-card").last
    assert card.locator(".ccw-card__title").inner_text().strip()
    assert "Structures" in card.locator(".ccw-card__kind").inner_text()
    quotes = card.locator("blockquote").all_inner_texts()
    assert quotes, "the answer card shows the report's words as a blockquote"
    for quote in quotes:
        for paragraph in filter(None, (p.strip() for p in quote.split("\n"))):
            assert report_text.contains(paragraph), f"not verbatim in the report: {paragraph!r}"
    assert "Collaboration Executive Summary" in card.locator(".ccw-sources").inner_text()
    follow_ups = page.locator(".ccw-msg--bot").last.get_by_role("group", name="Suggested replies")
    assert follow_ups.get_by_role("button").count() >= 1
    assert page.errors == []


def test_a_follow_up_button_sends_its_payload_and_shows_its_title(page, widget_bot):
    open_demo(page, widget_bot)
    ask(page, "partners don't trust us")
    group = page.locator(".ccw-msg--bot").last.get_by_role("group", name="Suggested replies")
    button = group.get_by_role("button").first
    title = button.inner_text().strip()
    before = page.locator(".ccw-msg--bot").count()
    button.click()

    assert page.locator(".ccw-msg--user").last.inner_text().endswith(title)
    wait_for_reply(page, before)
    assert page.locator(".ccw-msg--bot").count() > before


def test_a_reload_keeps_the_conversation(page, widget_bot):
    open_demo(page, widget_bot)
    ask(page, "How can we agree shared priorities with partners?")
    before = page.locator(".ccw-log").inner_text()
    bot_count = page.locator(".ccw-msg--bot").count()

    page.reload()
    page.locator(".ccw-msg--bot").nth(bot_count - 1).wait_for(timeout=ANSWER_TIMEOUT_MS)

    assert page.get_by_label("Your question").is_visible(), "the panel reopens after a reload"
    assert page.locator(".ccw-msg--user").last.inner_text().endswith("How can we agree shared priorities with partners?")
    assert page.locator(".ccw-msg--bot").count() == bot_count
    assert page.locator(".ccw-log").inner_text() == before
    assert page.locator(".ccw-card").count() >= 1, "the answer card is redrawn from the stored payload"


@pytest.mark.parametrize("attack", [
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert('xss')>",
    "[click me](javascript:alert('xss')) **<b>bold</b>**",
])
def test_markup_in_a_message_shows_as_text_and_runs_nothing(page, widget_bot, attack):
    open_demo(page, widget_bot)
    ask(page, attack)

    user = page.locator(".ccw-msg--user").last
    assert user.inner_text().endswith(attack)
    assert user.locator("script, img, b").count() == 0
    assert page.locator(".ccw script, .ccw img, .ccw a[href^='javascript']").count() == 0
    page.wait_for_timeout(500)
    assert page.dialogs == [], "no alert or other dialog fired"
    assert page.errors == []


def test_helpful_feedback_is_sent_once_and_acknowledged(page, widget_bot):
    open_demo(page, widget_bot)
    ask(page, "How do we overcome siloed funding?")
    before = page.locator(".ccw-msg--bot").count()
    answer = page.locator(".ccw-msg--bot").nth(before - 1)  # fixed index: .last moves as replies arrive
    helpful = answer.get_by_role("button", name="Yes, helpful")
    helpful.click()
    wait_for_reply(page, before)

    assert helpful.get_attribute("aria-pressed") == "true"
    assert answer.get_by_role("button", name="No, not helpful").get_attribute("aria-disabled") == "true"
    assert "glad that helped" in page.locator(".ccw-msg--bot").last.inner_text()
    helpful.click(force=True)  # aria-disabled: a second click sends nothing more
    page.wait_for_timeout(1000)
    assert page.locator(".ccw-msg--bot").count() == before + 1


def test_start_again_clears_the_view_and_the_reload_history(page, widget_bot):
    open_demo(page, widget_bot)
    ask(page, "partners don't trust us")
    page.get_by_role("button", name="Start again").click()
    page.locator(".ccw-msg--bot").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_function("document.querySelector('.ccw-typing').hidden", timeout=ANSWER_TIMEOUT_MS)

    assert page.locator(".ccw-card").count() == 0
    assert page.locator(".ccw-msg--user").count() == 0
    assert "start again" in page.locator(".ccw-log").inner_text().lower()
    assert page.evaluate("document.activeElement.id") == page.get_by_label("Your question").get_attribute("id")

    page.reload()
    page.get_by_label("Your question").wait_for()
    page.wait_for_timeout(1500)
    assert page.locator(".ccw-msg--user").count() == 0, "history after a restart starts at the restart"
