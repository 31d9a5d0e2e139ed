"""Guided coaching through the widget to its plan card, the plan's download, and sharing it as text."""

from __future__ import annotations

from tests.browser.conftest import ANSWER_TIMEOUT_MS, ask, open_demo, wait_for_reply

MAX_STEPS = 16
TYPED_ANSWERS = ["Joining up hospital discharge with the council and the NHS trust",
                 "I'll ask each partner to name one shared goal at next week's board", "Next Tuesday"]


def test_coaching_ends_in_a_plan_card_that_downloads(page, widget_bot, report_text):
    open_demo(page, widget_bot)
    ask(page, "/start_coaching")
    typed = iter(TYPED_ANSWERS * 3)
    for _ in range(MAX_STEPS):
        if page.locator(".ccw-plan").count():
            break
        last = page.locator(".ccw-msg--bot").last
        buttons = last.get_by_role("group", name="Suggested replies").get_by_role("button")
        before = page.locator(".ccw-msg--bot").count()
        if buttons.count():
            buttons.first.click()
            wait_for_reply(page, before)
        else:
            ask(page, next(typed))
    assert page.locator(".ccw-plan").count(), f"no plan card after {MAX_STEPS} coaching steps"

    plan = page.locator(".ccw-plan")
    assert plan.locator(".ccw-card__title").inner_text().strip()
    for quote in plan.locator("blockquote").all_inner_texts():
        for paragraph in filter(None, (p.strip() for p in quote.split("\n"))):
            assert report_text.contains(paragraph), paragraph
    with page.expect_download(timeout=ANSWER_TIMEOUT_MS) as download:
        plan.get_by_role("button", name="Download plan as a text file").click()
    saved = download.value
    assert saved.suggested_filename == "collaboration-plan.md"
    text = open(saved.path(), encoding="utf-8").read()
    assert TYPED_ANSWERS[0] in text, "the plan is the leader's own, in their words"
    for quote in plan.locator("blockquote").all_inner_texts():
        assert quote.split("\n")[0].strip() in text, "the download is the plan shown on screen"

    # "Can I email this to my team?": the plan once, as text to copy and download; never a second plan card.
    cards = page.locator(".ccw-plan").count()
    ask(page, "can I email this to my team?")
    share = page.locator(".ccw-msg--bot").last.locator(".ccw-share")
    share.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert page.locator(".ccw-plan").count() == cards
    shown = share.get_by_label("Your plan as text to copy").inner_text()
    assert TYPED_ANSWERS[0] in shown, "the plan to share is the leader's own"
    assert "can't send e-mail" in share.inner_text()
    with page.expect_download(timeout=ANSWER_TIMEOUT_MS) as download:
        share.get_by_role("button", name="Download plan as a text file").click()
    assert download.value.suggested_filename == "collaboration-plan.txt"
    assert open(download.value.path(), encoding="utf-8").read().strip() == shown.strip()
