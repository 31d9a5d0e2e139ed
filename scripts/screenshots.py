"""Screenshots of the real demo intranet page with the widget open and answering, for the docs.

    .venv/bin/python scripts/screenshots.py            # starts the bot on free ports, then stops it
    .venv/bin/python scripts/screenshots.py --url http://localhost:5005   # use a bot already running

Writes docs/screenshots/widget-desktop.png (1280x800) and widget-mobile.png (375x812). Needs Debian's
Chromium (/usr/bin/chromium) and Playwright for Python; Playwright's own browsers are never used.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DEMO_PATH, ask, open_demo, write_credentials  # noqa: E402
from tests.servers import running_bot  # noqa: E402

SHOTS = {"widget-desktop.png": {"width": 1280, "height": 800}, "widget-mobile.png": {"width": 375, "height": 812}}
QUESTION = "How do we overcome siloed funding?"


@contextlib.contextmanager
def bot_url(url: str | None):
    if url:
        yield url.rstrip("/")
        return
    with tempfile.TemporaryDirectory() as tmp:
        credentials = write_credentials(Path(tmp) / "credentials.yml")
        with running_bot(extra_args=["--credentials", str(credentials)]) as server:
            yield server.url


class _Server:
    def __init__(self, url: str) -> None:
        self.url = url


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running bot, e.g. http://localhost:5005 (default: start one)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with bot_url(args.url) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, viewport in SHOTS.items():
                context = browser.new_context(viewport=viewport, reduced_motion="reduce")
                page = context.new_page()
                open_demo(page, _Server(url))
                ask(page, QUESTION)
                # Show the top of the answer card, as a reader would see it arrive.
                page.evaluate("(() => { const log = document.querySelector('.ccw-log');"
                              " const card = [...document.querySelectorAll('.ccw-msg--bot')].pop();"
                              " log.scrollTop = card.offsetTop - log.offsetTop - 8; })()")
                page.get_by_label("Your question").focus()
                page.screenshot(path=str(out / name))
                print(f"wrote {out / name} from {url}{DEMO_PATH}")
                context.close()
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
