"""Drive a live app (default http://127.0.0.1:8599) like an analyst: move a sidebar slider, edit
a per-year table cell, make chart images, build the briefing pack. Prints what changed and
screenshots to /tmp/shots. Not collected by pytest.

    .venv/bin/python tests/browser/interact.py [base_url]
"""

from __future__ import annotations

import json
import sys
import time
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import sync_playwright
from screenshots import ARGS, OUT, wait_idle


def plot_data(page, index: int = 0) -> str:
    return page.evaluate(
        f"JSON.stringify(document.querySelectorAll('.js-plotly-plot')[{index}].data"
        ".map(t => t.y))")


def main(base: str = "http://127.0.0.1:8599") -> int:
    failures = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
        page.goto(base + "/")
        wait_idle(page)

        # 1. a sidebar slider, moved with the keyboard
        before = plot_data(page)
        slider = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]').first
        slider.locator('input[type="range"]').focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        wait_idle(page)
        after = plot_data(page)
        query = parse_qs(urlparse(page.url).query)
        print("slider: chart changed", before != after, "| link", dict(query))
        if before == after or "smuggling_interdiction_share" not in query:
            failures.append("slider")
        label = slider.inner_text()
        print("slider label marked:", label.strip().startswith("●"))

        # 2. a per-year table: open the first yearly expander, edit the 2027 cell
        expander = page.locator('[data-testid="stSidebar"] [data-testid="stExpander"] '
                                'details summary', has_text="per year").first
        expander.click()
        time.sleep(1.5)
        grid = page.locator('[data-testid="stSidebar"] [data-testid="stDataFrame"]').first
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        # rows are 35 px; header row first; 2027 is row 6; the value column is on the right
        page.mouse.dblclick(box["x"] + box["width"] * 0.75, box["y"] + 35 * 6 + 17)
        time.sleep(0.6)
        page.screenshot(path=str(OUT / "editing_year.png"))
        page.keyboard.press("Control+A")
        page.keyboard.type("900000", delay=30)
        time.sleep(0.3)
        page.keyboard.press("Enter")
        time.sleep(0.5)
        page.mouse.click(1400, 300)  # leave the grid so the edit is sent
        wait_idle(page)
        time.sleep(1.5)
        query = parse_qs(urlparse(page.url).query)
        print("per-year edit: link", dict(query))
        if not any(":" in v[0] for v in query.values()):
            failures.append("data_editor")
        page.screenshot(path=str(OUT / "edited_year.png"))

        # 3. images for one chart, on request
        page.locator('[data-testid="stPopover"] button', has_text="Export chart").first.click()
        time.sleep(0.5)
        page.get_by_role("button", name="Make PNG + SVG").first.click()
        page.get_by_role("button", name="PNG", exact=True).first.wait_for(timeout=60000)
        with page.expect_download() as download:
            page.get_by_role("button", name="PNG", exact=True).first.click()
        path = download.value.path()
        data = open(path, "rb").read()
        import struct
        size = struct.unpack(">II", data[16:24])
        print("PNG download:", download.value.suggested_filename, size)
        if size != (1600, 900):
            failures.append("png")
        page.screenshot(path=str(OUT / "export_popover.png"))
        page.keyboard.press("Escape")

        # 4. the briefing pack
        page.get_by_role("button", name="Build briefing pack (zip)").click()
        page.get_by_role("button", name="Download briefing pack").wait_for(timeout=120000)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download briefing pack").click()
        import zipfile
        names = zipfile.ZipFile(download.value.path()).namelist()
        print("pack:", len(names), "files;", sorted(names)[:4], "...")
        if "scenario.json" not in names:
            failures.append("pack")
        scenario = json.loads(zipfile.ZipFile(download.value.path()).read("scenario.json"))
        print("pack scenario:", scenario)
        final = parse_qs(urlparse(page.url).query)
        print("final link:", dict(final))
        if "h20_units_per_year" in final and "data_editor" in failures:
            failures.remove("data_editor")  # the link caught up after the run finished
        browser.close()
    print("FAILURES:", failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
