"""Figure builders: titles, units in axis titles, a source line, consistent U.S./China colours,
and the toolbar's high-resolution download."""

from __future__ import annotations

import itertools
import re

import pandas as pd
import plotly.graph_objects as go
import pytest

from lib import charts
from lib import dashboard_data as dd
from lib.params import Scenario
from lib.runs import run

UNIT = re.compile(r"\[[^\]]+\]")


@pytest.fixture(scope="module")
def standard():
    scenario = Scenario.build("leaky_controls")
    result = run(scenario)
    water = dd.waterfall(scenario, Scenario.build("status_quo"), "race_gap_months", 2030)
    source = charts.source_line(dd.scenario_label(scenario), dd.data_date())
    return charts.standard_charts(result, water, source)


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
    frames = [dd.compute_over_time(result, k) for k in ("total", "training", "inference")]
    frames.append(dd.compute_over_time(result, effective=True))
    frames.append(dd.largest_run(result))
    figures = [charts.compute_race(f, "s", log_y=log) for f in frames for log in (True, False)]
    us = dd.compare_series({"a": result, "b": run(Scenario.build("rollback"))}, "us_total")
    china = dd.compare_series({"a": result, "b": run(Scenario.build("rollback"))},
                              "china_total")
    figures.append(charts.compare_compute(us, china, "s"))
    checked = 0
    for fig in figures:
        for trace in fig.data:
            name = trace.name or ""
            if name.startswith("U.S."):
                assert _colour(trace) == charts.US, name
                checked += 1
            elif name.startswith("China"):
                assert _colour(trace) == charts.CHINA, name
                checked += 1
    assert checked >= 30
    assert charts.US == "#0072B2" and charts.CHINA == "#D55E00"
    # Chinese domestic chips use China's colour on the tier chart
    tier_fig = standard["chip_tiers"][0]
    domestic = [t for t in tier_fig.data if t.name == "Chinese domestic"]
    assert domestic and domestic[0].marker.color == charts.CHINA


def test_channel_colours_fixed(standard):
    fig = standard["china_compute_by_channel"][0]
    for trace in fig.data:
        assert trace.fillcolor == charts.CHANNEL_COLOURS[trace.name]


def test_events_are_marked_without_overlap(standard):
    fig = standard["compute_race"][0]
    events = [t for t in fig.data if t.name and t.name.startswith("Policy events")]
    assert len(events) == 1
    points = sorted(zip(pd.to_datetime(events[0].x), events[0].y, strict=True))
    assert len(points) == len(dd.events_frame())
    for (d1, y1), (d2, y2) in itertools.pairwise(points):
        if (d2 - d1).days <= 75:
            assert y1 != y2  # close events never share a level
    assert fig.layout.yaxis2.type in (None, "linear", "-")  # events axis is not log


def test_funnel_names_the_binding_constraint(standard):
    fig, frame = standard["ascend_funnel"]
    assert frame.attrs["binding"] in fig.layout.title.text
    assert list(frame["stage"])[0].startswith("SMIC wafers")


def test_tier_chart_never_plots_unknown_die_area():
    frame = dd.tiers(dd.TIER_DATES["2026 licensing (Jun 2026)"], 21000, 6500)
    fig = charts.tier_scatter(frame, "s", 21000)
    plotted = sum(len(t.x) for t in fig.data)
    known = frame["performance_density"].notna().sum()
    assert plotted <= known  # coincident chips share a marker
    names = " ".join(" ".join(t.text) for t in fig.data)
    for name in frame.loc[frame["performance_density"].isna(), "name"]:
        assert name not in names


def test_threshold_line_moves():
    frame = dd.tiers(dd.TIER_DATES["2026 licensing (Jun 2026)"], 30000, 6500)
    fig = charts.tier_scatter(frame, "s", 30000, preset_threshold=21000)
    xs = {shape.x0 for shape in fig.layout.shapes if shape.type == "line"}
    assert {30000, 21000, 4800} <= xs


def test_export_layout_is_slide_sized(standard):
    fig = charts.export_layout(standard["compute_race"][0])
    assert (fig.layout.width, fig.layout.height) == (1600, 900)
    assert standard["compute_race"][0].layout.width is None  # the original is untouched


def test_toolbar_download_is_high_resolution():
    import app_ui

    options = app_ui.PLOTLY_CONFIG["toImageButtonOptions"]
    assert options == {**options, "format": "png", "width": 1600, "height": 900, "scale": 2}
