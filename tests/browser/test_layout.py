"""Briefing-grade layout: the Briefing and Race overview at 1920x1080 and on a 1280x720
projector, sidebar open and collapsed, with a scenario that changes both policy and
assumptions. Nothing is clipped (cards, headings, takeaways, chart titles, source lines), the
year picker is labelled and clear of the top bar, and the baseline is on the chart and in the
cards. Screenshots go to artifacts/screenshots/layout_*.png.
"""

from __future__ import annotations

import pytest

from tests.browser.test_browser import SHOTS, chart_problems, settle, url_of

pytestmark = pytest.mark.browser

SIZES = {"1920x1080": (1920, 1080), "1280x720": (1280, 720)}
QUERY = "?preset=csis_mar2025"  # 5 policy and 4 assumption changes: the longest texts

# Text boxes a reader must see whole: an element whose content is wider or taller than its box
# is clipped (ellipsis, hidden overflow). Checked with scrollWidth/scrollHeight.
TEXT_SELECTORS = ", ".join(f"[data-testid=stMain] {s}" for s in (
    "[data-testid=stMetricLabel]", "[data-testid=stMetricValue]", "[data-testid=stMetricDelta]",
    "[data-testid=stCaptionContainer]", "[data-testid=stMarkdownContainer] li",
    "[data-testid=stMarkdownContainer] h1", "[data-testid=stMarkdownContainer] h2",
    "[data-testid=stHeading]", "[data-testid=stWidgetLabel]",
))

CLIPPED_TEXT = """sel => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null)
  .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 2)
  .map(e => e.innerText.slice(0, 60))"""

# Elements sticking out of the main column (cut at the window's right edge).
OUTSIDE_MAIN = """() => {
  const main = document.querySelector('[data-testid=stMain]').getBoundingClientRect();
  return [...document.querySelectorAll('[data-testid=stMain] [data-testid=stMetric], '
    + '[data-testid=stMain] .js-plotly-plot, [data-testid=stMain] [data-testid=stMarkdown]')]
    .filter(e => e.offsetParent !== null)
    .filter(e => e.getBoundingClientRect().right > main.right + 1)
    .map(e => e.innerText.slice(0, 60) || 'chart')}"""

# Chart titles and source lines inside their chart's drawing (not cut by its edge).
CHART_TEXT_OUTSIDE = """() => [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')]
  .filter(p => p.offsetParent !== null).flatMap(p => {
    const svg = p.querySelector('.main-svg').getBoundingClientRect();
    return [...p.querySelectorAll('.gtitle, .annotation-text')].filter(t => {
      const b = t.getBoundingClientRect();
      return b.width > 0 && (b.left < svg.left - 1 || b.right > svg.right + 1
                             || b.top < svg.top - 1 || b.bottom > svg.bottom + 1);
    }).map(t => t.textContent.slice(0, 60));
  })"""


def _collapse_sidebar(page) -> None:
    page.locator("[data-testid=stSidebar]").hover()
    page.locator("[data-testid=stSidebarCollapseButton] button").click()
    page.wait_for_function("() => document.querySelector('[data-testid=stSidebar]')"
                           ".dataset.collapsed === 'true'", timeout=10000)
    page.wait_for_timeout(800)  # the main column re-lays out and Plotly resizes


@pytest.mark.parametrize("sidebar", ["open", "collapsed"])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("page_url", ["briefing", "race"])
def test_nothing_is_clipped_and_the_baseline_is_shown(server, browser, page_url, size,
                                                      sidebar):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(url_of(server, page_url, QUERY))
        settle(page)
        if sidebar == "collapsed":
            _collapse_sidebar(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"layout_{page_url}_{size}_{sidebar}.png"))
        assert page.locator("[data-testid=stException]").count() == 0
        assert page.evaluate(CLIPPED_TEXT, TEXT_SELECTORS) == []
        assert page.evaluate(OUTSIDE_MAIN) == []
        assert page.evaluate(CHART_TEXT_OUTSIDE) == []
        assert chart_problems(page) == []

        deltas = page.locator("[data-testid=stMain] [data-testid=stMetricDelta]")
        assert deltas.count() >= 4
        assert all("vs baseline" in t for t in deltas.all_inner_texts())
        captions = " ".join(page.locator("[data-testid=stMain] [data-testid=stMetric] ~ * "
                                         "[data-testid=stCaptionContainer], [data-testid=stMain]"
                                         " [data-testid=stCaptionContainer]").all_inner_texts())
        assert "policy" in captions and "assumptions" in captions
        traces = page.evaluate("() => [...document.querySelectorAll('[data-testid=stMain] "
                               ".js-plotly-plot')].flatMap(p => (p.data || []).map(t => t.name))")
        assert "Baseline" in traces

        # the year picker: labelled, and not under Streamlit's top bar
        label = "Headline year"
        picker = page.locator("[data-testid=stMain] [data-testid=stWidgetLabel]",
                              has_text=label).first
        page.evaluate("document.querySelector('[data-testid=stMain]').scrollTo(0, 0)")
        bar = page.locator("[data-testid=stHeader]").bounding_box()
        box = picker.bounding_box()
        assert box is not None and box["y"] >= bar["y"] + bar["height"] - 1, (box, bar)
    finally:
        context.close()


def test_briefing_title_names_the_change_and_takeaways_give_the_baseline(server, browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        page.goto(url_of(server, "briefing", "?preset=status_quo&smuggling_interdiction_share=0.5"))
        settle(page)
        title = page.locator("[data-testid=stMain] h2").first.inner_text()
        assert "Extra interdiction by enforcement 0.5" in title
        takeaways = page.locator(".st-key-briefing-takeaways li").all_inner_texts()
        assert takeaways[0].startswith("Against Now (Nov 2026)")
        assert "race gap by +1.5 months (20.8 to 22.4)" in takeaways[0]
    finally:
        context.close()
