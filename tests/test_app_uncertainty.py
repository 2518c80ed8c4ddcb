"""The uncertainty UI under Streamlit AppTest: fans that follow the sidebar, probability
statements equal to the core's, Sobol on request, goal-seek answers, distributions on the
Assumptions page and per-scenario bands on the Compare page."""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lib.analysis.goalseek import goal_seek
from lib.analysis.montecarlo import monte_carlo, uncertain_parameters
from lib.core.calendar import month_of
from lib.core.registry import registry
from lib.core.runs import run
from lib.core.scenario import Scenario
from lib.report import assumptions, drivers, fmt, pack, style, uncertainty
from tests.helpers import figure, figures, make_app, no_exception, plain, title, values

PAGE = "pages/uncertainty.py"
PERCENTILES = ("p5", "p25", "p50", "p75", "p95")


def open_page(page: str = PAGE, query: dict[str, str] | None = None):
    """The page run once (Monte Carlo on 2,000 draws: a longer time limit)."""
    return make_app(page, query, run=True, timeout=90)


def traces_by_meta(fig: dict) -> dict[str, dict]:
    return {t["meta"]: t for t in fig["data"] if "meta" in t}


def statement_text(at: AppTest) -> str:
    texts = [m.value for m in at.markdown if m.value.startswith("### P(")]
    assert len(texts) == 1, texts
    return texts[0].removeprefix("### ")


@pytest.fixture(scope="module")
def page():
    return open_page()


def test_page_renders_fans_histogram_and_tornado(page):
    assert not page.warning, [w.value for w in page.warning]
    titles = [title(f) for f in figures(page)]
    for series in uncertainty.FAN_SERIES:
        assert uncertainty.fan_title(series) in titles
    assert any("spread over 2,000 draws" in t for t in titles)
    assert any("what moves it" in t for t in titles)
    assert not any("Sobol" in t for t in titles)  # only on request
    assert "Uncertainty" in page.session_state["render_ms"]


@pytest.mark.parametrize("series", uncertainty.FAN_SERIES)
def test_fan_bands_are_ordered_and_the_deterministic_line_is_drawn(page, series):
    fig = figure(page, uncertainty.fan_title(series))
    traces = traces_by_meta(fig)
    assert set(PERCENTILES) | {"scenario"} <= set(traces)
    bands = np.array([values(traces[q]["y"]) for q in PERCENTILES])
    start = month_of(style.data_date())  # the record before the data date: the line alone
    assert bands.shape[1] == 108 - start  # from the data date to Dec 2030
    assert np.all(np.diff(bands, axis=0) >= -1e-9)
    line = values(traces["scenario"]["y"])
    np.testing.assert_allclose(line, run(Scenario()).series[series], rtol=1e-12)
    assert len(line) == 108  # Jan 2022 to Dec 2030
    assert traces["scenario"]["line"]["width"] >= 3  # visible above the bands
    # the bands are the core's percentiles for the same draws
    expected = monte_carlo(Scenario(), 2000, 0).percentiles(series)
    np.testing.assert_allclose(bands[0], expected["p5"][start:], rtol=1e-12)
    np.testing.assert_allclose(bands[4], expected["p95"][start:], rtol=1e-12)


def test_moving_a_sidebar_lever_moves_the_fans():
    at = open_page()
    before = traces_by_meta(figure(at, uncertainty.fan_title("china_total")))
    at.sidebar.slider(key="p_smuggling_interdiction_share_0").set_value(0.5).run()
    no_exception(at)
    after = traces_by_meta(figure(at, uncertainty.fan_title("china_total")))
    moved = Scenario.build(overrides={"smuggling_interdiction_share": 0.5})
    assert at.session_state["scenario"] == moved
    for q in PERCENTILES:
        assert not np.allclose(values(before[q]["y"]), values(after[q]["y"])), q
    # more interdiction: less compute for China at the median by 2030
    assert values(after["p50"]["y"])[-1] < values(before["p50"]["y"])[-1]
    np.testing.assert_allclose(values(after["scenario"]["y"]), run(moved).series["china_total"])
    expected = style.after_history(monte_carlo(moved, 2000, 0).percentiles("china_total"))
    np.testing.assert_allclose(values(after["p50"]["y"]), expected["p50"], rtol=1e-12)


def _percent(text: str) -> str:
    match = re.search(r"= (<1%|>99%|\d+%)$", text)
    assert match, text
    return match.group(1)


def test_probability_statement_equals_the_core(page):
    text = statement_text(page)
    assert text.startswith("P(China's compute > 1/10 of the U.S.'s at end 2027) = ")
    p = monte_carlo(Scenario(), 2000, 0).probability("ratio", 2027, 10, above=False)
    assert _percent(text) == fmt.fmt_probability(p)
    hits = int(round(p * 2000))
    captions = " ".join(c.value for c in page.caption)
    assert f"{hits:,} of 2,000 draws" in captions


def test_probability_statement_follows_its_controls():
    at = open_page()
    at.selectbox(key="statement").set_value("gap_above").run()
    at.number_input(key="n_gap_above").set_value(20.0)
    at.select_slider(key="year").set_value(2028)
    at.selectbox(key="draws").set_value(1000)
    at.number_input(key="seed").set_value(7).run()
    no_exception(at)
    text = statement_text(at)
    assert text.startswith("P(China more than 20 months behind at end 2028) = ")
    mc = monte_carlo(Scenario(), 1000, 7)
    p = mc.probability("race_gap_months", 2028, 20, above=True)
    assert 0 < p < 1
    assert _percent(text) == fmt.fmt_probability(p)
    assert f"{int(round(p * 1000)):,} of 1,000 draws (seed 7)" in " ".join(
        c.value for c in at.caption)
    # the histogram is of the same draws, at the same year, with the threshold marked
    hist = figure(at, "at end 2028: spread over 1,000 draws")
    shares = values(hist["data"][0]["y"])
    assert shares.sum() == pytest.approx(100)
    gap = mc.at("race_gap_months", 2028)
    assert any(s.get("x0") == 20.0 for s in hist["layout"]["shapes"])
    median = [a for a in hist["layout"]["annotations"] if a["text"].startswith("median")]
    assert median and median[0]["x"] == pytest.approx(np.median(gap))


def test_sobol_on_request_with_error_bars():
    at = open_page()
    assert not any("Sobol" in title(f) for f in figures(at))
    at.button(key="unc_sobol").click().run()
    no_exception(at)
    fig = figure(at, "Sobol indices")
    bars = traces_by_meta(fig)
    assert set(bars) == {"S1", "ST"}
    for bar in bars.values():
        errors = values(bar["error_x"]["array"])
        below = values(bar["error_x"]["arrayminus"])
        assert bar["error_x"]["visible"] and len(errors) == 8
        assert np.all(errors >= 0) and np.any(errors > 0)
        shown = values(bar["x"])  # a share's interval is drawn within [0, 1]
        assert np.all(shown - below >= -1e-12) and np.all(shown + errors <= 1 + 1e-12)
    total = values(bars["ST"]["x"])
    assert np.all(np.diff(total) <= 1e-12)  # sorted by total order
    assert total[0] > 0.05
    # the request sticks across reruns with the same settings, and lapses when they change
    at.run()
    assert any("Sobol" in title(f) for f in figures(at))
    at.sidebar.slider(key="p_smuggling_interdiction_share_0").set_value(0.4).run()
    assert not any("Sobol" in title(f) for f in figures(at))
    assert any("press the button" in c.value for c in at.caption)


def test_goal_seek_reachable_and_not_reachable():
    at = open_page()
    found = goal_seek(Scenario(), "smuggling_attempted_per_year", "race_gap_months", 2028, 24,
                      from_year=drivers.GOAL_FROM_YEAR)
    assert found.value is not None
    answer = " ".join(s.value for s in at.success)
    assert f"Controlled chips smuggled = {fmt.fmt_number(found.value)} chips/yr" in answer
    assert "24.0 months" in answer and "end 2028" in answer
    assert not any("not reachable" in i.value.lower() for i in at.info)

    at.selectbox(key="lever").set_value("smuggling_interdiction_share")
    at.number_input(key="target_race_gap_months").set_value(240.0).run()
    no_exception(at)
    assert not at.success
    info = " ".join(i.value for i in at.info)
    assert info.startswith("**Not reachable in range.**")
    missing = goal_seek(Scenario(), "smuggling_interdiction_share", "race_gap_months", 2028,
                        240.0, from_year=drivers.GOAL_FROM_YEAR)
    low, high = (fmt.fmt_with_unit(v, "months") for v in missing.reach)
    top = registry()["smuggling_interdiction_share"].max
    assert (f"With Extra interdiction by enforcement anywhere from 0% to {top:.0%}, Race gap "
            f"(China behind) at end 2028 stays between {low} and {high}; the target is "
            "240.0 months.") in info


def test_assumptions_page_shows_every_declared_distribution():
    at = open_page("pages/assumptions.py")
    listing = at.main.table[0].value.map(plain)  # the page's parameter list, as read
    key_of = {p.label: p.key for p in registry()}
    table = listing.set_index(listing["parameter"].map(key_of))
    assert len(table) == len(registry())
    names = {"lognormal_factor": "lognormal", "triangular_factor": "triangular",
             "uniform_factor": "uniform", "choice": "choice", "triangular": "triangular",
             "uniform": "uniform"}
    drawn = {p.key for p in uncertain_parameters()}
    declared = [p for p in registry() if p.uncertainty is not None or p.key in drawn]
    assert len(declared) >= 40
    for p in declared:
        text = table.loc[p.key, "distribution"]
        assert names[p.distribution.dist] in text, (p.key, text)
    assert table.loc["packaging_yield", "distribution"] == "triangular 0.6–0.9, mode 0.75"
    assert table.loc["smic_yield_2025", "distribution"] == "choice: 0.2 (60%) or 0.4 (40%)"
    assert table.loc["smuggling_attempted_per_year", "distribution"].startswith(
        "lognormal ×0.2–×2.5")
    assert table.loc["smuggling_interdiction_share", "distribution"].startswith("held")
    text = " ".join(m.value for m in at.main.markdown)
    assert len(registry().correlations) == 3
    for c in registry().correlations:
        a, b = (registry()[k].label for k in c.between)
        assert f"**{a} and {b}**: rho {c.rho:g}." in text


def test_assumption_distribution_follows_the_current_value():
    at = open_page("pages/assumptions.py", {"packaging_yield": "0.8"})
    listing = at.main.table[0].value.map(plain)
    row = listing[listing["parameter"] == registry()["packaging_yield"].label].iloc[0]
    assert row["distribution"] == "triangular 0.6–0.9, mode 0.8"


def _bands(fig: dict) -> list[str]:
    return [t["meta"].removeprefix("band:") for t in fig["data"]
            if str(t.get("meta", "")).startswith("band:")]


def test_compare_page_draws_one_band_per_scenario():
    at = open_page("pages/compare.py")
    assert _bands(figure(at, "Race gap")) == []
    at.toggle(key="fans").set_value(True).run()
    no_exception(at)
    choice = at.multiselect(key="compare")
    chosen = [choice.format_func(option) for option in choice.value]  # the names shown
    fig = figure(at, "Race gap")
    assert _bands(fig) == list(chosen) and len(chosen) == 3
    fills = [t for t in fig["data"] if t.get("fill") == "tonexty"]
    assert len(fills) == len(chosen)
    # each band is that scenario's own 5-95% (1,000 draws, seed 0)
    rollback = next(name for name in chosen if name.startswith("Rollback"))
    upper = next(t for t in fig["data"] if t.get("meta") == f"band:{rollback}")
    expected = monte_carlo(Scenario.build("rollback"), 1000, 0).percentiles("race_gap_months")
    np.testing.assert_allclose(values(upper["y"]), style.after_history(expected)["p95"],
                               rtol=1e-12)  # from the data date: the record before it
    at.multiselect(key="compare").set_value(list(choice.value[:2])).run()
    assert len(_bands(figure(at, "Race gap"))) == 2


def test_briefing_pack_carries_the_fans_and_tornado():
    scenario = Scenario.build("leaky_controls")
    charts = pack.all_charts(scenario, run(scenario))
    for series in uncertainty.FAN_SERIES:
        fig, frame = charts[f"fan_{series}"]
        assert list(frame.columns) == [*PERCENTILES, "scenario"]
        assert fig.layout.title.text == uncertainty.fan_title(series)
    expected = monte_carlo(scenario, 2000, 0).percentiles("race_gap_months")
    np.testing.assert_allclose(charts["fan_race_gap_months"][1]["p95"], expected["p95"])
    assert "tornado_race_gap" in charts
    data, _ = pack.briefing_pack(charts, assumptions.assumptions_table(scenario),
                                 scenario.to_json(), with_images=False)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    for stem in ("fan_china_total", "fan_ratio", "fan_race_gap_months", "tornado_race_gap"):
        assert f"data/{stem}.csv" in names and f"data/{stem}.parquet" in names
    assumptions_csv = zipfile.ZipFile(io.BytesIO(data)).read("assumptions.csv").decode()
    assert assumptions_csv.startswith("# Chokepoint: ")  # the scenario, then the header row
    assert "distribution" in assumptions_csv.splitlines()[1]


def test_goal_seek_answers_read_plainly():
    result = run(Scenario())
    found = goal_seek(Scenario(), "nvidia_shipment_growth", "ratio", 2028, 25.0,
                      from_year=drivers.GOAL_FROM_YEAR)
    reached, text = drivers.goal_seek_text(found, result)
    assert reached and "x x" not in text
    assert f"**Nvidia output growth (2026+) = {found.value:.3g} x/yr** every year from 2026 " \
           "gives **U.S. / China compute = 25.0x** at end 2028" in text
    found = goal_seek(Scenario(), "smuggling_interdiction_share", "china_total", 2028, 4e6,
                      from_year=drivers.GOAL_FROM_YEAR)
    reached, text = drivers.goal_seek_text(found, result)
    assert reached and f"= {100 * found.value:.1f}%**" in text  # a share to one decimal
