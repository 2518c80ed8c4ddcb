"""Figure builders: titles, units in axis titles, a source line, consistent U.S./China colours,
and the toolbar's high-resolution download."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pandas as pd
import plotly.graph_objects as go
import pytest

from lib.analysis import montecarlo, sensitivity
from lib.app import widgets
from lib.core import outputs
from lib.core.runs import run
from lib.core.scenario import Scenario
from lib.report import compare, drivers, pack, race, style, supply, tiers, uncertainty
from lib.report.style import log_ticks, short_number

UNIT = re.compile(r"\[[^\]]+\]")


@pytest.fixture(scope="module")
def standard():
    scenario = Scenario.build("leaky_controls")
    result = run(scenario)
    water = race.waterfall_table(scenario, Scenario.build("status_quo"), "race_gap_months", 2030)
    source = style.source_line(style.scenario_label(scenario), style.data_date())
    return pack.standard_charts(result, water, source)


def _source_annotations(fig: go.Figure):
    return [a for a in fig.layout.annotations if a.name == "source"]


def test_standard_charts_cover_every_page_chart(standard):
    assert set(standard) >= {"compute_race", "race_gap_waterfall", "china_compute_by_channel",
                             "ascend_funnel", "legal_vs_smuggled", "chip_tiers", "chip_h100e"}
    for name, (fig, frame) in standard.items():
        assert isinstance(fig, go.Figure), name
        assert isinstance(frame, pd.DataFrame) and len(frame), name


def test_titles_units_and_source(standard):
    for name, (fig, _) in standard.items():
        assert fig.layout.title.text, name
        assert fig.layout.title.font.size >= 22, name
        x_title, y_title = fig.layout.xaxis.title.text, fig.layout.yaxis.title.text
        assert x_title and y_title, name
        assert UNIT.search(x_title) or UNIT.search(y_title), (name, x_title, y_title)
        sources = _source_annotations(fig)
        assert len(sources) == 1, name
        assert sources[0].text.startswith("Source: Chokepoint model"), name
        assert "data as of" in sources[0].text, name
        assert fig.layout.font.size >= 16, name  # readable on a projector


def test_time_charts_have_units_on_the_value_axis(standard):
    for name in ("compute_race", "effective_compute_race", "china_compute_by_channel",
                 "legal_vs_smuggled", "chip_h100e", "race_gap_waterfall"):
        assert UNIT.search(standard[name][0].layout.yaxis.title.text), name


def _colour(trace) -> str | None:
    if isinstance(trace, go.Scatter):
        return trace.line.color
    return trace.marker.color


def test_us_and_china_colours_are_consistent(standard):
    result = run(Scenario())
    frames = [race.compute_over_time(result, k) for k in ("total", "training", "inference")]
    frames.append(race.compute_over_time(result, effective=True))
    frames.append(race.largest_run(result))
    figures = [race.compute_race(f, "s", log_y=log) for f in frames for log in (True, False)]
    us = compare.compare_table({"a": result, "b": run(Scenario.build("rollback"))}, "us_total")
    china = compare.compare_table({"a": result, "b": run(Scenario.build("rollback"))},
                              "china_total")
    figures.append(compare.compare_compute(us, china, "s"))
    checked = 0
    for fig in figures:
        for trace in fig.data:
            name = trace.name or ""
            if name.startswith("U.S."):
                assert _colour(trace) == style.US, name
                checked += 1
            elif name.startswith("China"):
                assert _colour(trace) == style.CHINA, name
                checked += 1
    assert checked >= 30
    assert style.US == "#0072B2" and style.CHINA == "#D55E00"
    # Chinese domestic chips use China's colour on the tier chart
    tier_fig = standard["chip_tiers"][0]
    domestic = [t for t in tier_fig.data if t.name == "Chinese domestic"]
    assert domestic and domestic[0].marker.color == style.CHINA


def test_channel_colours_fixed(standard):
    fig = standard["china_compute_by_channel"][0]
    assert fig.data
    for trace in fig.data:
        assert trace.fillcolor == style.CHANNEL_COLOURS[trace.meta]
        assert trace.name == outputs.CHANNELS[trace.meta]


def test_events_are_marked_without_overlap(standard):
    fig = standard["compute_race"][0]
    events = [t for t in fig.data if t.name and t.name.startswith("Policy events")]
    assert len(events) == 1
    points = sorted(zip(pd.to_datetime(events[0].x), events[0].y, strict=True))
    assert len(points) == len(race.events_frame())
    for (d1, y1), (d2, y2) in itertools.pairwise(points):
        if (d2 - d1).days <= 75:
            assert y1 != y2  # close events never share a level
    assert fig.layout.yaxis2.type in (None, "linear", "-")  # events axis is not log


def test_funnel_names_the_binding_constraint(standard):
    fig, frame = standard["ascend_funnel"]
    assert frame.attrs["binding"] in fig.layout.title.text
    assert list(frame["stage"])[0].startswith("SMIC wafers")


def test_tier_chart_never_plots_unknown_die_area():
    frame = tiers.tier_frame(tiers.TIER_DATES["2026 licensing (Jun 2026)"], 21000, 6500)
    fig = tiers.tier_scatter(frame, "s", 21000)
    plotted = sum(len(t.x) for t in fig.data if t.meta != "legend")
    known = frame["performance_density"].notna().sum()
    assert plotted <= known  # coincident chips share a marker
    names = " ".join(" ".join(t.text) for t in fig.data if t.text is not None)
    for name in frame.loc[frame["performance_density"].isna(), "name"]:
        assert name not in names


def test_threshold_line_moves():
    frame = tiers.tier_frame(tiers.TIER_DATES["2026 licensing (Jun 2026)"], 30000, 6500)
    fig = tiers.tier_scatter(frame, "s", 30000, preset_threshold=21000)
    xs = {shape.x0 for shape in fig.layout.shapes if shape.type == "line"}
    assert {30000, 21000, 4800} <= xs


def test_export_layout_is_slide_sized(standard):
    fig = style.export_layout(standard["compute_race"][0])
    assert (fig.layout.width, fig.layout.height) == (1600, 900)
    assert standard["compute_race"][0].layout.width is None  # the original is untouched


def test_toolbar_download_is_high_resolution():

    options = widgets.PLOTLY_CONFIG["toImageButtonOptions"]
    assert options == {**options, "format": "png", "width": 1600, "height": 900, "scale": 2}


# ---------------------------------------------------------------------------------------------
# Uncertainty charts (lib/report/uncertainty.py, drivers.py, compare.py)


@pytest.fixture(scope="module")
def uncertainty_figures():

    scenario = Scenario.build("leaky_controls")
    result = run(scenario)
    summary = montecarlo.summary(scenario, 500, 3)
    out = {}
    for series in uncertainty.FAN_SERIES:
        frame = uncertainty.fan_frame(summary, result, series)
        out[f"fan_{series}"] = (uncertainty.fan(frame, "Source: Chokepoint model, data as of x.",
                                            log_y=series in uncertainty.FAN_LOG), frame)
    frame = uncertainty.histogram_table(summary, "race_gap_months", 2028,
                                        result.at("race_gap_months", 2028))
    out["histogram"] = (uncertainty.histogram(frame, "Source: Chokepoint model, data as of x.",
                                          threshold=24), frame)
    frame = drivers.tornado_table(sensitivity.tornado(scenario, "race_gap_months", 2030))
    out["tornado"] = (drivers.tornado(frame, "Source: Chokepoint model, data as of x."), frame)
    frame = drivers.sobol_table(sensitivity.sobol_indices(
        scenario, "china_total", 2028, keys=["smuggling_attempted_per_year", "smic_yield_2025",
                                             "largest_cluster_share_us"], base_samples=64),
        "china_total", 2028)
    out["sobol"] = (drivers.sobol(frame, "Source: Chokepoint model, data as of x."), frame)
    return out


def test_uncertainty_charts_have_titles_units_and_source(uncertainty_figures):
    for name, (fig, frame) in uncertainty_figures.items():
        assert fig.layout.title.text and fig.layout.title.font.size >= 22, name
        x_title, y_title = fig.layout.xaxis.title.text, fig.layout.yaxis.title.text
        assert UNIT.search(x_title or "") or UNIT.search(y_title or ""), (name, x_title, y_title)
        sources = _source_annotations(fig)
        assert len(sources) == 1 and sources[0].text.startswith("Source: Chokepoint model"), name
        assert fig.layout.font.size >= 16, name
        assert isinstance(frame, pd.DataFrame) and len(frame), name
    fan_source = _source_annotations(uncertainty_figures["fan_china_total"][0])[0].text
    assert "500 draws, seed 3" in fan_source.replace("<br>", " ")


@pytest.mark.parametrize("series", ["china_total", "ratio", "race_gap_months"])
def test_fan_draws_ordered_bands_and_the_line(uncertainty_figures, series):
    fig, frame = uncertainty_figures[f"fan_{series}"]
    by_meta = {t.meta: t for t in fig.data if t.meta}
    assert list(by_meta) == ["p5", "p95", "p25", "p75", "p50", "scenario"]
    for low, high in (("p5", "p95"), ("p25", "p75")):  # each band fills down to its low edge
        assert by_meta[high].fill == "tonexty" and by_meta[low].fill in (None, "none")
        assert list(fig.data).index(by_meta[high]) == list(fig.data).index(by_meta[low]) + 1
    stacked = [list(by_meta[q].y) for q in ("p5", "p25", "p50", "p75", "p95")]
    for lower, upper in itertools.pairwise(stacked):
        assert all(a <= b + 1e-9 for a, b in zip(lower, upper, strict=True))
    assert list(by_meta["scenario"].y) == list(frame["scenario"])
    assert by_meta["scenario"].line.color == "#1a1a1a" and by_meta["scenario"].line.width >= 3
    assert (fig.layout.yaxis.type == "log") == (series in ("china_total", "ratio"))
    ends = {a.name for a in fig.layout.annotations}
    assert {"95th", "median", "5th"} <= ends
    if fig.layout.yaxis.type == "log":  # 1-2-5 ticks, labelled in full
        ticks = list(fig.layout.yaxis.tickvals)
        assert len(ticks) >= 2 and len(ticks) == len(fig.layout.yaxis.ticktext)
        low = frame[["p5", "scenario"]].min().min()
        high = frame[["p95", "scenario"]].max().max()
        assert sum(t < low for t in ticks) <= 1 and sum(t > high for t in ticks) <= 1


def test_log_ticks_label_each_tick_in_full():

    assert [short_number(t) for t in log_ticks(0.3, 12.2)] == ["0.2", "0.5", "1", "2", "5", "10",
                                                         "20"]
    assert [short_number(t) for t in log_ticks(1e5, 1.1e7)] == ["100k", "200k", "500k", "1M", "2M",
                                                          "5M", "10M", "20M"]
    assert log_ticks(1e3, 1e9) == [10.0 ** e for e in range(3, 10)]  # wide: decades only
    assert log_ticks(5.1, 5.3) == []  # narrow: left to Plotly


def test_histogram_shares_and_marks(uncertainty_figures):
    fig, frame = uncertainty_figures["histogram"]
    assert sum(fig.data[0].y) == pytest.approx(100)
    assert frame["draws"].sum() == 500
    xs = {shape.x0 for shape in fig.layout.shapes}
    assert fig.layout.yaxis.range[1] > max(fig.data[0].y)  # headroom for the labels
    assert 24 in xs and frame.attrs["scenario"] in xs and frame.attrs["median"] in xs
    assert (frame["to"] - frame["from"]).min() >= 1  # whole-month bins for the race gap


def test_tornado_bars_start_at_the_scenario_value(uncertainty_figures):
    fig, frame = uncertainty_figures["tornado"]
    base = frame.attrs["base"]
    low, high = (t for t in fig.data if isinstance(t, go.Bar))
    assert low.base == base and high.base == base
    line = [t for t in fig.data if isinstance(t, go.Scatter)]
    assert len(line) == 1 and list(line[0].x) == [base, base]  # the scenario, in the legend
    assert line[0].name.startswith("This scenario:")
    assert list(low.x) == pytest.approx(list(frame["output_low"] - base))
    assert list(high.x) == pytest.approx(list(frame["output_high"] - base))
    assert list(frame["swing"]) == sorted(frame["swing"], reverse=True)  # widest on top
    assert fig.layout.yaxis.autorange == "reversed" and len(frame) == 12
    assert not any(isinstance(v, tuple) for v in frame.to_numpy().ravel())  # exportable


def test_sobol_bars_carry_confidence_intervals(uncertainty_figures):
    fig, frame = uncertainty_figures["sobol"]
    s1, st = fig.data
    assert (s1.meta, st.meta) == ("S1", "ST")
    for bar, column in ((s1, "S1"), (st, "ST")):  # the interval, cut to [0, 1] where it must
        assert bar.error_x.visible and bar.error_x.symmetric is False
        ends = zip(bar.x, bar.error_x.arrayminus, bar.error_x.array, strict=True)
        for (value, below, above), estimate, conf in zip(ends, frame[column],
                                                         frame[f"{column}_conf"], strict=True):
            assert value - below == pytest.approx(max(estimate - conf, 0.0))
            assert value + above == pytest.approx(min(estimate + conf, 1.0))
    assert "Sobol" in fig.layout.title.text


def test_compare_fans_one_band_per_scenario():

    scenarios = {"A": Scenario(), "B": Scenario.build("rollback")}
    results = {name: run(s) for name, s in scenarios.items()}
    gap = compare.compare_table(results, "race_gap_months")
    bands = {name: montecarlo.summary(s, 300, 0).fans["race_gap_months"]
             for name, s in scenarios.items()}
    fig = compare.compare_fans(gap, bands, "Race gap", "Race gap [months]", "s")
    uppers = [t for t in fig.data if (t.meta or "").startswith("band:")]
    assert [t.meta for t in uppers] == ["band:A", "band:B"]
    assert all(t.fill == "tonexty" for t in uppers)
    lines = [t for t in fig.data if t.name in scenarios]
    assert [t.line.color for t in lines] == list(style.SCENARIO_COLOURS[:2])
    frame = compare.with_bands(gap, bands)
    assert list(frame.columns) == ["A", "B", "A: 5th percentile", "A: 95th percentile",
                                   "B: 5th percentile", "B: 95th percentile"]


def test_log_compute_charts_label_ticks_in_full():
    res = run(Scenario.build("status_quo"))
    frame = race.compute_over_time(res, "total", False)
    fig = race.compute_race(frame, "src", log_y=True)
    assert list(fig.layout.yaxis.ticktext) == ["100k", "1M", "10M", "100M", "1B"]  # 119k-239M
    assert race.compute_race(frame, "src", log_y=False).layout.yaxis.tickvals is None


# ---------------------------------------------------------------------------------------------
# Every figure against Plotly's schema (the builders skip validation for speed)


def schema_errors(figures: dict[str, go.Figure]) -> list[str]:
    """Each figure rebuilt from its dict with validation on; '<name>: <Plotly's message>' for
    every one Plotly refuses."""
    errors = []
    for name, fig in figures.items():
        try:
            go.Figure(fig.to_dict())
        except (ValueError, TypeError) as exc:
            errors.append(f"{name}: {exc}")
    return errors


@pytest.fixture(scope="module")
def every_figure(standard, uncertainty_figures):
    """Every figure the report layer makes: the briefing pack's standard charts, the
    uncertainty/drivers charts, and the page-only variants (linear axes, other series, the
    compare page, the briefing's annotated charts, the slide-sized export copy)."""
    out = {name: fig for name, (fig, _) in {**standard, **uncertainty_figures}.items()}
    result = run(Scenario.build("leaky_controls"))
    for kind in race.COMPUTE_KINDS:
        frame = race.compute_over_time(result, kind)
        out[f"compute_race_{kind}_linear"] = race.compute_race(frame, "s", log_y=False)
    out["largest_training_run"] = race.compute_race(
        race.largest_run(result), "s", title="Largest training run",
        y_title="Training run size [FLOP]")
    out["headline_bars"] = race.headline_bars(race.headline(result, 2027), "s")
    briefing_race = race.compute_race(race.compute_over_time(result), "s", height=430,
                                      width_hint=760, title="Briefing")
    out["briefing_compute_race"] = race.key_events(briefing_race, race.events_frame(),
                                                   race.KEY_EVENTS)
    stock = supply.channel_stock(result)
    out["briefing_channels"] = style.mark_year(
        supply.channel_area(stock, "s", height=430, width_hint=760, title="Briefing"),
        stock.index[result.december_index(2027)], "end 2027")
    out["legal_vs_smuggled_h100e"] = supply.legal_vs_smuggled(
        supply.channel_arrivals_yearly(result, "h100e"), "s")
    out["chip_tiers_with_preset_line"] = tiers.tier_scatter(
        tiers.tier_frame(tiers.TIER_DATES["2026 licensing (Jun 2026)"], 30000, 6500), "s",
        30000, preset_threshold=21000)
    results = {"A": result, "B": run(Scenario.build("rollback"))}
    us, china = (compare.compare_table(results, s) for s in ("us_total", "china_total"))
    gap = compare.compare_table(results, "race_gap_months")
    out["compare_compute_log"] = compare.compare_compute(us, china, "s")
    out["compare_compute_linear"] = compare.compare_compute(us, china, "s", log_y=False)
    out["compare_race_gap"] = compare.compare_series(gap, "Race gap", "Race gap [months]", "s")
    bands = {name: montecarlo.summary(r.scenario, 200, 0).fans["race_gap_months"]
             for name, r in results.items()}
    out["compare_race_gap_fans"] = compare.compare_fans(gap, bands, "Race gap",
                                                        "Race gap [months]", "s")
    out["export_copy"] = style.export_layout(standard["compute_race"][0])
    return out


def test_every_figure_passes_plotlys_schema(every_figure):
    assert {"compute_race", "race_gap_waterfall", "china_compute_by_channel", "ascend_funnel",
            "legal_vs_smuggled", "chip_tiers", "chip_h100e", "fan_china_total", "fan_ratio",
            "fan_race_gap_months", "histogram", "tornado", "sobol", "compare_race_gap_fans",
            "briefing_compute_race", "briefing_channels"} <= set(every_figure)
    assert schema_errors(every_figure) == []


def test_the_schema_check_catches_an_invalid_figure():
    """What the check above relies on: a figure built without validation, as the builders
    do, carries a bad property silently until it is rebuilt with validation on."""
    bad = style.new_figure(go.Scatter(x=[1, 2], y=[1, 2]))
    bad.update_layout(yaxis_type="logarithmic")  # 'log' is the valid value
    errors = schema_errors({"bad": bad, "good": style.new_figure(go.Scatter(x=[1], y=[1]))})
    assert len(errors) == 1 and errors[0].startswith("bad: ")
    assert "logarithmic" in errors[0]


def test_data_as_of_is_the_newest_source_not_a_setting():
    # the BIS guidance on China-parented firms (2026-05-31) is the newest dated source; the
    # horizon setting's date is a design choice and must not pose as data
    assert style.data_date() == dt.date(2026, 5, 31)


def test_demand_chart_stacks_deliveries_against_demand():
    from lib.core.model import FLOWS
    supply_report = supply
    result = run(Scenario.build("rollback"))
    frame = supply_report.demand_and_supply(result)
    assert "demand" in frame and frame.attrs["unit"] == "H100e/yr"
    # deliveries exclude the January 2022 installed base: the 2022 legal bar is purchases
    installed = result.flows["arrivals_h100e"][FLOWS.index(("legal", "installed_2021"))].sum()
    assert frame.loc[2022, "legal"] == pytest.approx(
        result.channel_years()["arrivals_h100e"].loc[2022, "legal"] - installed)
    # a rollback is capped by the budget: deliveries match demand at Nvidia's price, give or
    # take subsidised domestic chips, which the same dollars buy more of
    delivered = frame.loc[2027, [c for c in frame.columns if c != "demand"]].sum()
    assert delivered == pytest.approx(frame.loc[2027, "demand"], rel=0.02)
    fig = supply_report.demand_chart(frame, "source")
    assert fig.layout.barmode == "stack" and fig.data[-1].name.startswith("Chinese demand")
