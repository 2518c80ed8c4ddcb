"""The Uncertainty page's figures as a reader sees them: fans that draw history as one line and
start at the data date, Sobol intervals that stay on an axis of shares, tornado bars in colours
of their own with labels that cannot overprint, and titles and legends that fit at 1280x720
(tests/browser/test_browser.py measures the drawn charts)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from lib.analysis import montecarlo, sensitivity
from lib.analysis.calibration import calibrate
from lib.core.runs import run
from lib.core.scenario import Scenario
from lib.report import calibration, compare, drivers, style, uncertainty

SOURCE = "Source: Chokepoint model, data as of x."
NARROW = style.MAIN_WIDTH  # [px] the main column at 1280x720, sidebar open
TITLE_CHAR = 0.58 * (style.BASE_FONT_SIZE + 6)  # [px] as style.wrap_title reckons


@pytest.fixture(scope="module")
def leaky():
    scenario = Scenario.build("leaky_controls")
    return scenario, run(scenario), montecarlo.summary(scenario, 400, 5)


def first_month(trace) -> pd.Timestamp:
    return pd.Timestamp(trace.x[0])


# ---------------------------------------------------------------------------------------------
# Fans: history is the record, drawn as one line; the fan starts at the data date


def test_fan_start_is_the_month_of_the_data_date():
    date = style.data_date()
    assert style.fan_start() == pd.Timestamp(date.year, date.month, 1)


@pytest.mark.parametrize("series", uncertainty.FAN_SERIES)
def test_fan_draws_no_band_before_the_data_date(leaky, series):
    _, result, summary = leaky
    frame = uncertainty.fan_frame(summary, result, series)
    fig = uncertainty.fan(frame, SOURCE, log_y=series in uncertainty.FAN_LOG, width_hint=NARROW)
    bands = [t for t in fig.data if t.meta in ("p5", "p95", "p25", "p75", "p50")]
    assert len(bands) == 5  # p5, p95, p25, p75 and the median
    assert all(first_month(t) == style.fan_start() for t in bands)
    line = next(t for t in fig.data if t.meta == "scenario")
    assert first_month(line) == frame.index[0] and len(line.x) == len(frame)  # the whole record
    marks = [s for s in fig.layout.shapes if s.name == "fan_start"]
    assert [pd.Timestamp(s.x0) for s in marks] == [style.fan_start()]
    assert len(frame) == len(result.series[series][:len(frame)])  # the data keeps every month


def test_calibrated_fans_draw_no_band_before_the_data_date(leaky):
    scenario, result, _ = leaky
    frame = calibration.calibrated_frame(calibrate(scenario, 300, 1), result, "race_gap_months")
    fig = calibration.calibrated_fans(frame, SOURCE, width_hint=NARROW)
    bands = [t for t in fig.data if not str(t.meta).endswith(":scenario")]
    assert len(bands) == 10  # five per panel
    assert all(first_month(t) == style.fan_start() for t in bands)
    lines = [t for t in fig.data if str(t.meta).endswith(":scenario")]
    assert len(lines) == 2 and all(first_month(t) == frame.index[0] for t in lines)


def test_compared_fans_draw_no_band_before_the_data_date():
    scenarios = {"A": Scenario(), "B": Scenario.build("rollback")}
    gap = compare.compare_table({n: run(s) for n, s in scenarios.items()}, "race_gap_months")
    bands = {n: montecarlo.summary(s, 200, 0).fans["race_gap_months"]
             for n, s in scenarios.items()}
    fig = compare.compare_fans(gap, bands, "Race gap", "Race gap [months]", SOURCE)
    edges = [t for t in fig.data if t.name not in scenarios]
    assert len(edges) == 4 and all(first_month(t) == style.fan_start() for t in edges)
    assert all(first_month(t) == gap.index[0] for t in fig.data if t.name in scenarios)


# ---------------------------------------------------------------------------------------------
# Sobol: a share's interval is drawn within [0, 1]


def sobol_frame(rows: list[tuple[str, float, float, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["parameter", "S1", "S1_conf", "ST", "ST_conf"])
    frame.attrs.update(metric="race_gap_months", year=2030, label="Race gap", unit="months")
    return frame


def test_sobol_intervals_are_cut_to_the_range_of_a_share():
    frame = sobol_frame([("small", 0.02, 0.05, 0.97, 0.06),  # reaches below 0 and above 1
                         ("noisy", -0.01, 0.03, 0.10, 0.02),  # the estimate itself below 0
                         ("clear", 0.30, 0.05, 0.40, 0.05)])
    fig = drivers.sobol(frame, SOURCE, width_hint=NARROW)
    s1, st = fig.data
    assert list(s1.x) == pytest.approx([0.02, 0.0, 0.30])
    assert list(s1.error_x.arrayminus) == pytest.approx([0.02, 0.0, 0.05])
    assert list(s1.error_x.array) == pytest.approx([0.05, 0.02, 0.05])
    assert list(st.error_x.array) == pytest.approx([0.03, 0.02, 0.05])
    for bar in (s1, st):
        lows = np.array(bar.x) - np.array(bar.error_x.arrayminus)
        highs = np.array(bar.x) + np.array(bar.error_x.array)
        assert lows.min() >= 0 and highs.max() <= 1
    assert 0 == fig.layout.xaxis.range[0] and fig.layout.xaxis.range[1] <= 1
    # the hover keeps the estimate's own interval and says it was cut
    small = s1.customdata[0]
    assert small[0] == pytest.approx(0.02) and small[1] == pytest.approx(-0.03)
    assert "cut" in small[3] and s1.customdata[2][3] == ""
    assert "cut" in st.customdata[0][3]
    caption = drivers.sobol_caption(frame)
    assert "3 of 6 intervals" in caption and "0–1" in caption
    assert "intervals reach" not in drivers.sobol_caption(frame.iloc[2:])


# ---------------------------------------------------------------------------------------------
# Tornado: colours of its own, labels that cannot overprint


def lab(hex_colour: str, simulate: np.ndarray | None = None) -> np.ndarray:
    """CIELAB (D65) of an sRGB colour, optionally as seen with a colour-vision deficiency
    (Viénot, Brettel and Mollon 1999 matrices on linear RGB)."""
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    if simulate is not None:
        linear = np.clip(simulate @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ linear / np.array([0.9505, 1.0, 1.089])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


PROTAN = np.array([[0.11238, 0.88762, 0], [0.11238, 0.88762, 0], [0.00401, -0.00401, 1]])
DEUTAN = np.array([[0.29275, 0.70725, 0], [0.29275, 0.70725, 0], [-0.02234, 0.02234, 1]])


def hue(hex_colour: str) -> float:
    _, a, b = lab(hex_colour)
    return float(np.degrees(np.arctan2(b, a)) % 360)


def test_low_and_high_colours_are_their_own_and_colour_blind_safe():
    ends, sides = (style.LOW_END, style.HIGH_END), (style.US, style.CHINA)
    for end in ends:
        for side in sides:  # not the same colour, nor a shade of it
            apart = abs(hue(end) - hue(side))
            assert min(apart, 360 - apart) >= 30, (end, side)
    for deficiency in (None, PROTAN, DEUTAN):
        assert np.linalg.norm(lab(ends[0], deficiency) - lab(ends[1], deficiency)) >= 20
    # the check tells a shade of a side's colour (the old sky blue and orange) from a new hue
    assert min(abs(hue("#56B4E9") - hue(style.US)), abs(hue("#E69F00") - hue(style.CHINA))) < 30


def tornado_frame(rows: list[tuple[str, float, float]], base: float) -> pd.DataFrame:
    frame = pd.DataFrame([{"key": k, "parameter": f"{k}: 1 → 2 x", "name": k, "range": "1 → 2 x",
                           "kind": "assumption", "low": "1", "high": "2", "output_low": lo,
                           "output_high": hi, "swing": abs(hi - lo)} for k, lo, hi in rows])
    frame.attrs.update(base=base, metric="race_gap_months", year=2030, label="Race gap",
                       unit="months")
    return frame


def test_tornado_bars_use_the_low_and_high_colours(leaky):
    scenario = leaky[0]
    frame = drivers.tornado_table(sensitivity.tornado(scenario, "race_gap_months", 2030))
    fig = drivers.tornado(frame, SOURCE, width_hint=NARROW)
    low, high = (t for t in fig.data if isinstance(t, go.Bar))
    assert (low.marker.color, high.marker.color) == (style.LOW_END, style.HIGH_END)
    assert not {low.marker.color, high.marker.color} & set(style.SIDE_COLOURS.values())


def test_tornado_labels_one_a_side_so_none_overprints():
    # both ends above the scenario's value and a month apart: the case that overprinted
    frame = tornado_frame([("same_side", 30.4, 31.2), ("both_sides", 25.0, 39.0),
                           ("one_flat", 30.0, 33.0)], base=30.0)
    fig = drivers.tornado(frame, SOURCE, width_hint=NARROW)
    assert all(not t.text for t in fig.data if isinstance(t, go.Bar))  # no per-bar text
    labels = {a.name: a for a in fig.layout.annotations if (a.name or "").startswith("end:")}
    assert set(labels) == {"end:same_side:right", "end:both_sides:left",
                           "end:both_sides:right", "end:one_flat:right"}
    same = labels["end:same_side:right"]
    assert same.x == 31.2 and same.xanchor == "left"  # outside the longer bar
    assert same.text.index(style.LOW_END) < same.text.index(style.HIGH_END)  # in bar order
    assert labels["end:both_sides:left"].x == 25.0
    assert labels["end:both_sides:left"].xanchor == "right"
    low, high = fig.layout.xaxis.range  # room for the labels beyond the bars
    assert low < 25.0 and high > 39.0


# ---------------------------------------------------------------------------------------------
# Titles and legends fit at 1280x720 (the main column is MAIN_WIDTH wide)


def legend_top(fig: go.Figure) -> float:
    """Pixels from the top the legend may start without reaching the title's lines (the
    title hangs from the top by its pad, style.finish)."""
    lines = fig.layout.title.text.count("<br>") + 1
    return fig.layout.title.pad.t + 31 * lines


def test_tornado_legend_clears_the_title_at_laptop_width(leaky):
    frame = drivers.tornado_table(sensitivity.tornado(leaky[0], "race_gap_months", 2030))
    fig = drivers.tornado(frame, SOURCE, width_hint=NARROW)
    # Plotly wraps a top legend at the plot area's width: here what the tick labels leave
    ticks = max(len(part) for text in fig.layout.yaxis.ticktext for part in text.split("<br>"))
    plot_width = NARROW - 30 - 40 - ticks * 0.5 * (style.BASE_FONT_SIZE - 3)
    rows = style.legend_rows(fig, int(plot_width))
    assert rows >= 2  # the three entries do not fit on one row beside the labels
    legend_height = rows * style.LEGEND_ROW_HEIGHT + 10
    assert fig.layout.margin.t - legend_height >= legend_top(fig)
    assert all(len(part) * TITLE_CHAR <= NARROW - 40
               for part in fig.layout.title.text.split("<br>"))
