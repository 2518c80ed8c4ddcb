"""Dashboard latency: server render time per page (Streamlit AppTest, in process) and the time
from a slider key press in headless Chromium until a chart or headline number on the page
changes; both also as multiples of a one-slider one-chart reference page measured the same way
in the same run.

    PYTHONPATH=. .venv/bin/python scripts/benchmark_app.py [--moves 8] [--pages race,supply]

Prints medians and 90th percentiles in ms. A figure, not a test: the machine is shared.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from load_test import CHROMIUM_ARGS, free_port, pct, start_server, wait_healthy

from lib.app import shell

PAGES = {url: (path, title) for path, title, _icon, url in shell.PAGES}


# The least a Streamlit rerun with a chart costs on this machine: one slider, one Plotly line
# chart. Page times are also given as multiples of it, so they compare across machines.
REFERENCE_PAGE = """
import time
import plotly.graph_objects as go
import streamlit as st
start = time.perf_counter()
value = st.slider("Value", 0.0, 1.0, 0.5, key="reference")
st.plotly_chart(go.Figure(go.Scatter(x=list(range(100)), y=[value * i for i in range(100)])))
st.session_state["render_ms"] = {"Reference": 1000 * (time.perf_counter() - start)}
"""


TARGETS = {"Race overview": (20, 5), "Briefing": (30, 8)}  # ms, or multiple of the reference


def report(label: str, values: list[float]) -> None:
    print(f"  {label:<34} median {statistics.median(values):7.0f} ms   "
          f"p90 {pct(values, 90):7.0f} ms   (n={len(values)})")


def reference_renders(moves: int) -> float:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(REFERENCE_PAGE, default_timeout=120)
    at.run()
    times = []
    for i in range(moves):
        at.slider(key="reference").set_value(round(0.05 * (i + 1), 2)).run()
        times.append(at.session_state["render_ms"]["Reference"])
    report("Reference: one slider, one chart", times)
    return statistics.median(times)


def server_renders(pages: list[str], moves: int) -> None:
    """Server time of a rerun after a sidebar slider moves (AppTest, warm cache per value)."""
    from streamlit.testing.v1 import AppTest

    print("Server render after a slider move (AppTest, one scenario per move):")
    reference = reference_renders(moves)
    for url in pages:
        path, title = PAGES[url]
        at = AppTest.from_string(f"from lib.app import shell\nshell.main({path!r})",
                                 default_timeout=120)
        at.run()
        times = []
        slider = next(s for s in at.slider if s.key.startswith("p_smuggling_interdiction"))
        for i in range(moves):
            slider = next(s for s in at.slider if s.key == slider.key)
            slider.set_value(round(0.05 * (i + 1), 2))
            at.run()
            times.append(at.session_state["render_ms"][title])
        report(title, times)
        median = statistics.median(times)
        target = TARGETS.get(title)
        goal = f"; target <= {target[0]} ms or <= {target[1]}x" if target else ""
        print(f"  {'':<34} {median / reference:5.1f}x the reference page{goal}")


CHART_DATA = ("() => JSON.stringify([...document.querySelectorAll("
              "'[data-testid=stMain] .js-plotly-plot')].map(p => (p.data || []).map("
              "t => [t.x, t.y])).concat([...document.querySelectorAll("
              "'[data-testid=stMain] [data-testid=stMetricValue]')].map(m => m.innerText)))")


def wait_settled(page, timeout: float = 60) -> None:
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState "
        "=== 'notRunning' && document.querySelector('.js-plotly-plot .main-svg') "
        "&& !document.querySelector('[data-testid=stSkeletonElement]')",
        timeout=timeout * 1000)


def key_presses(page, moves: int) -> list[float]:
    """Times [ms] from a key press on the first sidebar slider to a change on the page."""
    time.sleep(2)  # the first run's widgets are replaced once after load
    slider = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"] '
                          'input[type="range"]').first
    times = []
    for i in range(moves):
        before = page.evaluate(CHART_DATA)
        start = time.perf_counter()
        slider.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        page.wait_for_function(f"before => ({CHART_DATA})() !== before",
                               arg=before, timeout=30000, polling="raf")
        times.append(1000 * (time.perf_counter() - start))
        wait_settled(page)
    return times


def start_reference_server(port: int, folder: str, log_path: str) -> subprocess.Popen:
    script = Path(folder) / "reference.py"  # the slider in the sidebar, as on the app's pages
    script.write_text(REFERENCE_PAGE.replace("st.slider(", "st.sidebar.slider("))
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/streamlit"), "run", str(script), "--server.headless",
             "true", "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    return wait_healthy(server, port, log_path)


def browser_updates(pages: list[str], moves: int) -> None:
    """Key press on a sidebar slider -> a chart or metric in the main area changes."""
    from playwright.sync_api import sync_playwright

    port, reference_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(port, str(Path(tmp) / "bench.sqlite"),
                              str(Path(tmp) / "server.log"))
        reference_server = start_reference_server(reference_port, tmp,
                                                  str(Path(tmp) / "reference.log"))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                            args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                print("Browser: slider key press -> a chart or headline number changes "
                      "(headless Chromium, 1920x1080):")
                page.goto(f"http://127.0.0.1:{reference_port}/")
                wait_settled(page)
                times = key_presses(page, moves)
                report("Reference: one slider, one chart", times)
                reference = statistics.median(times)
                for url in pages:
                    start = time.perf_counter()
                    default = url == shell.PAGES[0][3]  # the default page lives at "/"
                    page.goto(f"http://127.0.0.1:{port}/{'' if default else url}")
                    wait_settled(page)
                    load_ms = 1000 * (time.perf_counter() - start)
                    times = key_presses(page, moves)
                    report(f"{PAGES[url][1]} (page load {load_ms:.0f} ms)", times)
                    print(f"  {'':<34} {statistics.median(times) / reference:5.1f}x the "
                          "reference page; target p50 <= 150 ms")
                browser.close()
        finally:
            for process in (server, reference_server):
                process.terminate()
                process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=8)
    parser.add_argument("--pages", default="race,arguments,supply,tiers,compare,briefing")
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    pages = args.pages.split(",")
    server_renders(pages, args.moves)
    if not args.skip_browser:
        browser_updates(pages, args.moves)


if __name__ == "__main__":
    main()
