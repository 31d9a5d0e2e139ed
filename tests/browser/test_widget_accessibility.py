"""Accessibility in a real browser: keyboard-only use, visible focus, announcements, axe-core, reflow, motion."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import ANSWER_TIMEOUT_MS, DEMO_PATH, ask, open_demo, wait_for_reply

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FOCUS_VISIBLE = """() => {
  const s = getComputedStyle(document.activeElement);
  return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
}"""


def focused(page) -> str:
    return page.evaluate("(document.activeElement.innerText || document.activeElement.getAttribute('aria-label')"
                         " || document.activeElement.id || '').trim()")


def tab_to(page, name: str, key: str = "Tab", limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press(key)
        if focused(page) == name:
            assert page.evaluate(FOCUS_VISIBLE), f"focus on {name!r} is not visible"
            return
    raise AssertionError(f"could not reach {name!r} with {key}")


def serious_violations(page) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def assert_announced_last(page) -> None:
    """The live region's newest line is the newest bot message, in words (the welcome was announced
    earlier, so "the announcer is not empty" would pass without the answer ever being announced)."""
    newest = page.locator(".ccw-announcer p").last.inner_text().strip()
    shown = " ".join(page.locator(".ccw-msg--bot").last.text_content().split())
    assert newest and " ".join(newest.split())[:60] in shown, ("the answer is announced", newest, shown[:200])


def test_the_whole_conversation_works_with_the_keyboard_alone(page, widget_bot):
    page.goto(widget_bot.url + DEMO_PATH)
    tab_to(page, "Ask Collaboration Coach")
    page.keyboard.press("Enter")
    input_id = page.get_by_label("Your question").get_attribute("id")
    assert page.evaluate("document.activeElement.id") == input_id, "opening the chat puts focus in the question box"
    page.locator(".ccw-msg--bot").first.wait_for(timeout=ANSWER_TIMEOUT_MS)

    before = page.locator(".ccw-msg--bot").count()
    page.keyboard.type("How do we overcome siloed funding?")
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    assert page.evaluate("document.activeElement.id") == input_id, "an arriving answer does not move focus"
    assert_announced_last(page)

    follow_up = page.locator(".ccw-msg--bot").last.get_by_role("group", name="Suggested replies") \
        .get_by_role("button").first.inner_text().strip()
    tab_to(page, follow_up, key="Shift+Tab")
    before = page.locator(".ccw-msg--bot").count()
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    assert focused(page) == follow_up, "focus stays on the button the user pressed"

    page.keyboard.press("Escape")
    assert focused(page) == "Ask Collaboration Coach", "closing returns focus to the launcher"
    assert page.get_by_label("Your question").is_hidden()


def test_new_messages_are_announced_through_a_live_region(page, widget_bot):
    open_demo(page, widget_bot)
    ask(page, "partners don't trust us")
    announcer = page.locator(".ccw-announcer")
    assert announcer.get_attribute("aria-live") == "polite"
    assert_announced_last(page)
    assert "trust" in announcer.inner_text().lower() or "relationship" in announcer.inner_text().lower()
    assert page.locator(".ccw-status").get_attribute("role") == "status"


@pytest.mark.parametrize("viewport,mode", [
    ({"width": 1280, "height": 800}, "launcher"),
    ({"width": 1280, "height": 800}, "inline"),
    ({"width": 375, "height": 812}, "launcher"),
])
def test_axe_finds_no_serious_or_critical_violations(chromium, widget_bot, viewport, mode):
    context = chromium.new_context(viewport=viewport)
    try:
        page = context.new_page()
        open_demo(page, widget_bot, mode=mode)
        assert serious_violations(page) == [], "before a question"
        ask(page, "How do we overcome siloed funding?")
        assert serious_violations(page) == [], "with an answer card"
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [
    {"width": 320, "height": 640},   # WCAG 1.4.10 reflow width
    {"width": 320, "height": 200},   # 1280x800 at 400% zoom
])
def test_the_open_chat_reflows_without_horizontal_scrolling(chromium, widget_bot, viewport):
    context = chromium.new_context(viewport=viewport)
    try:
        page = context.new_page()
        open_demo(page, widget_bot)
        ask(page, "How do we overcome siloed funding?")
        widths = page.evaluate("""() => ({
            page: document.documentElement.scrollWidth,
            panel: document.querySelector('.ccw-panel').scrollWidth,
            panelBox: document.querySelector('.ccw-panel').clientWidth})""")
        assert widths["page"] <= viewport["width"], widths
        assert widths["panel"] <= widths["panelBox"], widths
        box = page.get_by_label("Your question")
        box.scroll_into_view_if_needed()
        assert box.is_visible() and box.bounding_box()["width"] >= 120
        page.get_by_role("button", name="Send").scroll_into_view_if_needed()
        assert page.get_by_role("button", name="Send").is_visible()
    finally:
        context.close()


def test_reduced_motion_stops_the_typing_animation(chromium, widget_bot):
    context = chromium.new_context(reduced_motion="reduce")
    try:
        page = context.new_page()
        open_demo(page, widget_bot)
        page.evaluate("document.querySelector('.ccw-typing').hidden = false")
        assert page.evaluate("getComputedStyle(document.querySelector('.ccw-typing__dot')).animationName") == "none"
        assert page.evaluate("getComputedStyle(document.querySelector('.ccw-log')).scrollBehavior") == "auto"
    finally:
        context.close()
