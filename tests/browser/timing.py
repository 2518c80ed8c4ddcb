"""Server render times on a live app: open each page, move a sidebar slider five times, then
read the 'render <page> <ms>' lines the app logs (pass the server's log file).

    .venv/bin/python tests/browser/timing.py /tmp/streamlit.log [base_url]
"""

from __future__ import annotations

import re
import statistics
import sys
import time

from playwright.sync_api import sync_playwright
from screenshots import ARGS, wait_idle

PAGES = {"race": "Race overview", "supply": "Supply channels", "tiers": "Chip tiers",
         "compare": "Compare scenarios", "assumptions": "Assumptions and sources",
         "briefing": "Briefing"}


def main(log_path: str, base: str = "http://127.0.0.1:8599") -> int:
    marks = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        for url, title in PAGES.items():
            start = len(open(log_path).read().splitlines())
            page.goto(f"{base}/{'' if url == 'race' else url}")
            wait_idle(page, charts=url != "assumptions")
            loaded = len(open(log_path).read().splitlines())
            slider = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"] '
                                  'input[type="range"]').first
            for _ in range(5):
                slider.focus()
                page.keyboard.press("ArrowRight")
                time.sleep(0.3)
                wait_idle(page, charts=url != "assumptions")
            marks[title] = (start, loaded, len(open(log_path).read().splitlines()))
        browser.close()
    lines = open(log_path).read().splitlines()
    pattern = re.compile(r"render (.+) (\d+) ms")
    for title, (start, loaded, end) in marks.items():
        first = [int(m.group(2)) for line in lines[start:loaded]
                 if (m := pattern.search(line)) and m.group(1) == title]
        moves = [int(m.group(2)) for line in lines[loaded:end]
                 if (m := pattern.search(line)) and m.group(1) == title]
        print(f"{title:26s} open {first[-1] if first else -1:5d} ms | slider moves: median "
              f"{statistics.median(moves) if moves else -1:5.0f} ms, max "
              f"{max(moves) if moves else -1:5d} ms (n={len(moves)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
