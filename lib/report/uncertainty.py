"""Uncertainty page, first half: Monte Carlo fans, probability statements and the histogram
of draws (tables and figures).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.analysis import montecarlo
from lib.core.outputs import output
from lib.core.runs import Result
from lib.report.fmt import fmt_number, fmt_probability, fmt_short, hover_format
from lib.report.style import (
    BASE_FONT_SIZE,
    GREY,
    MAIN_WIDTH,
    SCREEN_HEIGHT,
    SIDE_COLOURS,
    US,
    add_baseline_column,
    after_history,
    finish,
    mark_fan_start,
    month_axis,
    new_figure,
    rgba,
    set_log_ticks,
)

FAN_SERIES = montecarlo.SUMMARY_SERIES


FAN_LOG = tuple(s for s in FAN_SERIES if output(s).axis == "log")  # right-skewed draws


def fan_title(series: str) -> str:
    return f"{output(series).label}: range of outcomes"


def fan_colour(series: str) -> str:
    """The side's colour; comparisons of the two sides (ratio, race gap) in U.S. blue."""
    return SIDE_COLOURS.get(output(series).side, US)


DRAW_CHOICES = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)


_GAP_UNIT, _COMPUTE_UNIT = output("race_gap_months").unit, output("china_total").unit


# key -> (picker label, statement with {n}, series, above, default threshold)
PROBABILITY_STATEMENTS = {
    "china_share_above": ("China's compute above 1/N of the U.S.'s",
                          "China's compute > 1/{n} of the U.S.'s", "ratio", False, 10.0),
    "china_share_below": ("China's compute below 1/N of the U.S.'s",
                          "China's compute < 1/{n} of the U.S.'s", "ratio", True, 10.0),
    "gap_above": (f"China more than N {_GAP_UNIT} behind",
                  f"China more than {{n}} {_GAP_UNIT} behind", "race_gap_months", True, 24.0),
    "gap_below": (f"China less than N {_GAP_UNIT} behind",
                  f"China less than {{n}} {_GAP_UNIT} behind", "race_gap_months", False, 12.0),
    "china_above": (f"China's compute above N {_COMPUTE_UNIT}",
                    f"China's compute > {{n}} {_COMPUTE_UNIT}", "china_total", True, 5e6),
    "china_below": (f"China's compute below N {_COMPUTE_UNIT}",
                    f"China's compute < {{n}} {_COMPUTE_UNIT}", "china_total", False, 5e6),
}


def fan_frame(summary: montecarlo.Summary, result: Result, series: str,
              baseline: Result | None = None) -> pd.DataFrame:
    """Monthly percentiles of `series` across the draws, with the deterministic line and,
    given one, the baseline's (NaN past its horizon)."""
    frame = summary.fans[series].copy()
    frame["scenario"] = result.series[series][:len(frame)]
    if baseline is not None:
        add_baseline_column(frame, "baseline", baseline, baseline.series[series])
    frame.attrs.update(series=series, label=output(series).label, unit=output(series).unit,
                       draws=summary.draws, seed=summary.seed, title=fan_title(series))
    return frame


def _threshold_text(series: str, threshold: float) -> str:
    return fmt_number(threshold) if series == "china_total" else f"{threshold:g}"


def probability_statement(summary: montecarlo.Summary, key: str, threshold: float,
                          year: int) -> dict:
    """P(event at end `year`) over the draws, e.g. 'P(China's compute > 1/10 of the U.S.'s
    at end 2027) = 34%'."""
    _, template, series, above, _ = PROBABILITY_STATEMENTS[key]
    values = summary.values(series, year)
    hits = int(np.sum(values > threshold if above else values < threshold))
    p = summary.probability(series, year, threshold, above)
    event = template.format(n=_threshold_text(series, threshold))
    return {"p": p, "hits": hits, "draws": len(values), "series": series, "above": above,
            "threshold": threshold, "year": year, "event": event,
            "text": f"P({event} at end {year}) = {fmt_probability(p)}"}


def histogram_table(summary: montecarlo.Summary, series: str, year: int,
              deterministic: float | None = None) -> pd.DataFrame:
    """Draws of `series` at December of `year` counted in bins (whole months for the gap)."""
    values = summary.values(series, year)
    low, high = float(np.min(values)), float(np.max(values))
    if series == "race_gap_months" and high > low:
        width = max(1.0, math.ceil((high - low) / 50))
        edges = np.arange(math.floor(low), math.floor(high) + width + 1e-9, width)
        counts, edges = np.histogram(values, bins=edges)
    else:
        counts, edges = np.histogram(values, bins=40)
    frame = pd.DataFrame({"from": edges[:-1], "to": edges[1:], "draws": counts,
                          "share": counts / len(values)})
    frame.attrs.update(series=series, label=output(series).label, unit=output(series).unit,
                       year=year, draws=len(values),
                       median=float(np.median(values)), p5=float(np.percentile(values, 5)),
                       p95=float(np.percentile(values, 95)), scenario=deterministic)
    frame.attrs["units"] = {"from": output(series).unit, "to": output(series).unit,
                            "draws": "draws", "share": "share of draws"}  # CSV headers
    return frame


BAND_NAMES = {"p5": "5th percentile", "p25": "25th percentile", "p50": "Median of draws",
              "p75": "75th percentile", "p95": "95th percentile"}


def fan(frame: pd.DataFrame, source: str, log_y: bool = False, height: int = SCREEN_HEIGHT,
        width_hint: int = MAIN_WIDTH, title: str | None = None) -> go.Figure:
    """5-95% and 25-75% bands of the draws and their median from the data date (fan_start:
    before it the record is known), and the deterministic line (the scenario with every
    assumption at its value) over the whole period. Trace meta holds the percentile."""
    series = frame.attrs.get("series", "")
    unit = frame.attrs.get("unit", "")
    label = frame.attrs.get("label", series)
    colour = fan_colour(series)
    x = month_axis(frame.index)
    drawn = after_history(frame)
    x_drawn = month_axis(drawn.index)
    fig = new_figure()
    hover = hover_format(unit)
    for low, high, alpha, name in (("p5", "p95", 0.18, "90% of draws (5th–95th percentile)"),
                                   ("p25", "p75", 0.35, "50% of draws (25th–75th)")):
        fig.add_trace(go.Scatter(x=x_drawn, y=drawn[low], mode="lines", line=dict(width=0),
                                 showlegend=False, name=BAND_NAMES[low], meta=low,
                                 hovertemplate=f"{BAND_NAMES[low]}: {hover}<extra></extra>"))
        fig.add_trace(go.Scatter(x=x_drawn, y=drawn[high], mode="lines", line=dict(width=0),
                                 fill="tonexty", fillcolor=rgba(colour, alpha), name=name,
                                 meta=high, legendgroup=high,
                                 hovertemplate=f"{BAND_NAMES[high]}: {hover}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x_drawn, y=drawn["p50"], mode="lines", name="Median of draws",
                             meta="p50", line=dict(color=colour, width=2.5, dash="dash"),
                             hovertemplate=f"Median: {hover}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=frame["scenario"], mode="lines",
                             name="This scenario (assumptions at their values)",
                             meta="scenario", line=dict(color="#1a1a1a", width=3.5),
                             hovertemplate=f"This scenario: {hover}<extra></extra>"))
    if "baseline" in frame:
        fig.add_trace(go.Scatter(x=x, y=frame["baseline"], mode="lines", name="Baseline",
                                 meta="baseline", line=dict(color=GREY, width=2, dash="dash"),
                                 hovertemplate=f"Baseline: {hover}<extra></extra>"))
        source = f"{source} Dashed grey: the baseline, {frame.attrs['baseline']}."
    fig.update_layout(yaxis_type="log" if log_y else "linear", hovermode="x unified",
                      xaxis_range=[x[0], x[-1]] if x else None)
    if log_y:
        set_log_ticks(fig, np.concatenate([drawn[["p5", "p95"]].to_numpy().ravel(),
                                           frame["scenario"].to_numpy()]))
    if len(drawn):
        mark_fan_start(fig)
        _label_fan_ends(fig, drawn, unit, log_y)
    draws = frame.attrs.get("draws")
    return finish(fig, title or frame.attrs.get("title", f"{label}: range of outcomes"),
                  "Month", f"{label} [{unit}]" + (" (log scale)" if log_y else ""),
                  source + (f" Monte Carlo: {draws:,} draws, seed {frame.attrs.get('seed', 0)};"
                            " policy levers held, assumptions drawn." if draws else ""),
                  height=height, width_hint=width_hint, extra=dict(margin=dict(r=130)))


def _label_fan_ends(fig: go.Figure, frame: pd.DataFrame, unit: str, log_y: bool) -> None:
    """The last month's 95th percentile, median and 5th percentile at the right edge."""
    def position(value: float) -> float:
        return float(np.log10(value)) if log_y and value > 0 else value

    last = frame.index[-1]
    points = [("p95", "95th"), ("p50", "median"), ("p5", "5th")]
    values = [float(frame[c].iloc[-1]) for c, _ in points]
    positions = [position(v) for v in values]
    low = position(max(float(frame["p5"].min()), 1e-300) if log_y else float(frame["p5"].min()))
    span = max(position(float(frame["p95"].max())) - low, 1e-12)
    shifts = [0, 0, 0]
    if positions[0] - positions[1] < 0.08 * span:  # labels closer than ~25 px: push apart
        shifts[0] += 11
    if positions[1] - positions[2] < 0.08 * span:
        shifts[2] -= 11
    for (_, text), value, y, shift in zip(points, values, positions, shifts, strict=True):
        fig.add_annotation(x=last, y=y, text=f"{text}: {fmt_short(value, unit)}", xanchor="left",
                           xshift=6, yshift=shift, showarrow=False,
                           font=dict(size=BASE_FONT_SIZE - 4, color="#333"), name=text)


def histogram(frame: pd.DataFrame, source: str, threshold: float | None = None,
              height: int = SCREEN_HEIGHT, width_hint: int = MAIN_WIDTH) -> go.Figure:
    """Share of draws in each bin at one year, with the deterministic value, the median and
    (optionally) a threshold marked."""
    unit = frame.attrs.get("unit", "")
    label = frame.attrs.get("label", "")
    year = frame.attrs.get("year", "")
    series = frame.attrs.get("series", "")
    colour = fan_colour(series)
    centres = (frame["from"] + frame["to"]) / 2
    fig = new_figure(go.Bar(
        x=centres, y=100 * frame["share"], width=frame["to"] - frame["from"],
        marker=dict(color=rgba(colour, 0.55), line=dict(color=colour, width=1)),
        name="Draws", customdata=np.stack([frame["from"], frame["to"], frame["draws"]], axis=1),
        hovertemplate="%{customdata[0]:.3~s} to %{customdata[1]:.3~s}: %{customdata[2]} "
                      "draws (%{y:.1f}%)<extra></extra>"))
    shapes, notes = [], []
    marks = [(frame.attrs.get("median"), "median", "#333", "dash")]
    if frame.attrs.get("scenario") is not None:
        marks.append((frame.attrs["scenario"], "this scenario", "#1a1a1a", "solid"))
    if threshold is not None:
        marks.append((threshold, "threshold", "#CC79A7", "dot"))
    middle = (float(frame["from"].min()) + float(frame["to"].max())) / 2 if len(frame) else 0
    for i, (value, text, line_colour, dash) in enumerate(marks):
        if value is None:
            continue
        shapes.append(dict(type="line", x0=value, x1=value, xref="x", yref="paper", y0=0, y1=1,
                           line=dict(color=line_colour, width=2.5, dash=dash)))
        right = value <= middle  # the label on the side with room, never past the plot's edge
        notes.append(dict(x=value, y=1, yshift=-22 * i, xref="x", yref="paper",  # a row each
                          text=f"{text}: {fmt_short(value, unit)}", showarrow=False,
                          xanchor="left" if right else "right", yanchor="top",
                          xshift=4 if right else -4,
                          bgcolor="rgba(255,255,255,0.85)",
                          font=dict(size=BASE_FONT_SIZE - 4, color=line_colour)))
    top = 100 * float(frame["share"].max()) if len(frame) else 1.0
    fig.update_layout(shapes=shapes, annotations=notes, bargap=0.05,
                      yaxis=dict(range=[0, 1.35 * top]))  # room above the bars for labels
    draws = frame.attrs.get("draws", int(frame["draws"].sum()))
    return finish(fig, f"{label} at end {year}: spread over {draws:,} draws",
                  f"{label} at end {year} [{unit}]", "Share of draws [%]", source,
                  height=height, legend=False, width_hint=width_hint)
