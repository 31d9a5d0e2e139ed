"""Fixtures for the widget tests: a running bot with the socket.io channel, and Debian's Chromium.

Chromium is driven by Playwright for Python with `executable_path=/usr/bin/chromium`; Playwright's
own browser download is never used. Without Chromium or Playwright these tests are skipped, with
the reason, on a developer's machine; under CI=true they fail instead, so CI cannot pass without
ever having opened the widget.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from tests.servers import BotServer, running_bot

CHROMIUM = os.environ.get("COACH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
DEMO_PATH = "/webhooks/socketio/demo"
ANSWER_TIMEOUT_MS = 90_000  # two shared cores: the first answer can take a while

pytestmark = pytest.mark.server


def pytest_collection_modifyitems(items):
    reason = None
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set COACH_CHROMIUM)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "Playwright for Python is not installed (pip install playwright axe-playwright-python)"
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.server)
            if reason and not in_ci():
                item.add_marker(pytest.mark.skip(reason=reason))
    global MISSING
    MISSING = reason


MISSING: str | None = None  # why these tests cannot run here, found at collection


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


@pytest.fixture(scope="session", autouse=True)
def browser_available() -> None:
    """Under CI=true (where nothing was skipped) a missing browser fails every test here, before any server starts."""
    if MISSING:
        pytest.fail(f"CI=true and the browser tests cannot run: {MISSING}", pytrace=False)


def write_credentials(path: Path, allowed_origins: list[str] | None = None) -> Path:
    lines = ["bot.server.channels.rest.RestInput:", "bot.server.channels.socketio.SocketIOInput:"]
    if allowed_origins:
        lines.append(f"  allowed_origins: [{', '.join(repr(o) for o in allowed_origins)}]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def widget_credentials(tmp_path_factory) -> Path:
    return write_credentials(tmp_path_factory.mktemp("widget") / "credentials.yml",
                             ["http://intranet.anytown.example"])


@pytest.fixture(scope="session")
def widget_bot(bot_server) -> Iterator[BotServer]:
    """The shared bot (tests/conftest.py): the project's credentials have REST and our socket.io
    channel, and it allows the test intranet origin through COACH_ALLOWED_ORIGINS."""
    yield bot_server


# Package scope, not session: Playwright's sync API keeps an event loop running in this thread
# while the browser is open, and later tests (rasa-sdk actions, stores) need asyncio.run().
@pytest.fixture(scope="package")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.dialogs = []  # any alert/confirm/prompt is recorded (and dismissed) for the XSS tests
    page.errors = []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def open_demo(page, server: BotServer, mode: str = "launcher"):
    """The demo intranet page with the chat open and the greeting shown."""
    page.goto(f"{server.url}{DEMO_PATH}" + ("?mode=inline" if mode == "inline" else ""))
    if mode == "launcher":
        page.get_by_role("button", name="Ask Collaboration Coach").click()
    page.locator(".ccw-msg--bot").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    return page


def ask(page, question: str, expected_bot_messages: int | None = None):
    """Types a question, sends it with Enter and waits for the bot's turn to end."""
    before = page.locator(".ccw-msg--bot").count()
    page.get_by_label("Your question").fill(question)
    page.get_by_label("Your question").press("Enter")
    wait_for_reply(page, before, expected_bot_messages)


def wait_for_reply(page, before: int, expected: int | None = None):
    page.wait_for_function(
        "([n, want]) => document.querySelectorAll('.ccw-msg--bot').length >= n + want"
        " && document.querySelector('.ccw-typing').hidden",
        arg=[before, expected or 1], timeout=ANSWER_TIMEOUT_MS)
