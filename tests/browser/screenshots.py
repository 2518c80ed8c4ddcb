"""Drive the running app (http://127.0.0.1:8599) in Chromium at 1920x1080 and screenshot every
page to /tmp/shots. Not collected by pytest: run it by hand against a live server.

    .venv/bin/python tests/browser/screenshots.py [base_url]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PAGES = ["race", "supply", "tiers", "compare", "assumptions", "briefing"]
OUT = Path("/tmp/shots")


def wait_idle(page, charts: bool = True, timeout: float = 30) -> None:
    """Wait until Streamlit has finished the run (no stale elements) and charts have drawn."""
    page.wait_for_selector('[data-testid="stMain"] h1, [data-testid="stMain"] h2',
                           timeout=timeout * 1000)
    if charts:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=timeout * 1000)
    end = time.time() + timeout
    while time.time() < end:
        stale = page.locator('[data-stale="true"]').count()
        running = page.locator('[data-testid="stStatusWidget"] button').count()
        if not stale and not running:
            break
        time.sleep(0.2)
    time.sleep(1.0)


def main(base: str = "http://127.0.0.1:8599") -> int:
    OUT.mkdir(exist_ok=True)
    problems = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        for name in PAGES:
            query = "?preset=leaky_controls" if name == "race" else ""
            page.goto(f"{base}/{'' if name == 'race' else name}{query}")
            wait_idle(page, charts=name != "assumptions")
            exceptions = page.locator('[data-testid="stException"]').count()
            charts = page.locator(".js-plotly-plot").count()
            print(f"{name}: {charts} charts, {exceptions} exceptions")
            problems += exceptions
            page.screenshot(path=str(OUT / f"{name}.png"))
            if name != "briefing":  # the whole page: grow the viewport to the content
                height = page.evaluate(
                    "document.querySelector('[data-testid=\"stMainBlockContainer\"]')"
                    ".scrollHeight")
                page.set_viewport_size({"width": 1920, "height": int(height) + 150})
                time.sleep(1.5)
                page.screenshot(path=str(OUT / f"{name}_full.png"))
                page.set_viewport_size({"width": 1920, "height": 1080})
        # a tampered link
        page.goto(f"{base}/?preset=nope&smuggling_interdiction_share=7&bogus=1")
        wait_idle(page)
        page.screenshot(path=str(OUT / "tampered_link.png"))
        print("tampered link warnings:", page.locator('[data-testid="stAlert"]').count())
        browser.close()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
