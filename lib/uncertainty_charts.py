"""Figure builders for uncertainty: Monte Carlo fans, the histogram of draws, the tornado, Sobol
indices and the compare page's per-scenario bands. Same look as lib.charts (title, units in
axis titles, source line, U.S./China colours); never imports Streamlit.

Tables come from lib.dashboard_data (fan_frame, histogram, tornado_table, sobol_table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .charts import (
    BASE_FONT_SIZE,
    CHINA,
    SCENARIO_COLOURS,
    SCENARIO_DASHES,
    SCREEN_HEIGHT,
    US,
    _months,
    _new_figure,
    _short,
    finish,
    set_log_ticks,
)

FAN_COLOURS = {"china_total": CHINA, "ratio": US, "race_gap_months": US}
LOW_COLOUR = "#56B4E9"  # sky blue: parameter at its low end
HIGH_COLOUR = "#E69F00"  # orange: parameter at its high end
S1_COLOUR = "#56B4E9"
ST_COLOUR = "#009E73"
BAND_NAMES = {"p5": "5th percentile", "p25": "25th percentile", "p50": "Median of draws",
              "p75": "75th percentile", "p95": "95th percentile"}


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _fmt(value: float, unit: str) -> str:
    if unit == "months":
        return f"{value:.0f} mo"
    if unit == "x":
        return f"{value:.0f}x" if abs(value) >= 100 else f"{value:.1f}x"
    return _short(value)


def fan(frame: pd.DataFrame, source: str, log_y: bool = False, height: int = SCREEN_HEIGHT,
        width_hint: int = 1300, title: str | None = None) -> go.Figure:
    """5-95% and 25-75% bands of the draws, their median, and the deterministic line (the
    scenario with every assumption at its value). Trace meta holds the percentile."""
    series = frame.attrs.get("series", "")
    unit = frame.attrs.get("unit", "")
    label = frame.attrs.get("label", series)
    colour = FAN_COLOURS.get(series, US)
    x = _months(frame.index)
    fig = _new_figure()
    hover = "%{y:,.3s}" if unit not in ("months", "x") else "%{y:.1f}"
    for low, high, alpha, name in (("p5", "p95", 0.18, "90% of draws (5th–95th percentile)"),
                                   ("p25", "p75", 0.35, "50% of draws (25th–75th)")):
        fig.add_trace(go.Scatter(x=x, y=frame[low], mode="lines", line=dict(width=0),
                                 showlegend=False, name=BAND_NAMES[low], meta=low,
                                 hovertemplate=f"{BAND_NAMES[low]}: {hover}<extra></extra>"))
        fig.add_trace(go.Scatter(x=x, y=frame[high], mode="lines", line=dict(width=0),
                                 fill="tonexty", fillcolor=_rgba(colour, alpha), name=name,
                                 meta=high, legendgroup=high,
                                 hovertemplate=f"{BAND_NAMES[high]}: {hover}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=frame["p50"], mode="lines", name="Median of draws",
                             meta="p50", line=dict(color=colour, width=2.5, dash="dash"),
                             hovertemplate=f"Median: {hover}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=frame["scenario"], mode="lines",
                             name="This scenario (assumptions at their values)",
                             meta="scenario", line=dict(color="#1a1a1a", width=3.5),
                             hovertemplate=f"This scenario: {hover}<extra></extra>"))
    fig.update_layout(yaxis_type="log" if log_y else "linear", hovermode="x unified",
                      xaxis_range=[x[0], x[-1]] if x else None)
    if log_y:
        set_log_ticks(fig, frame[["p5", "p95", "scenario"]].to_numpy())
    _label_fan_ends(fig, frame, unit, log_y)
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
        fig.add_annotation(x=last, y=y, text=f"{text}: {_fmt(value, unit)}", xanchor="left",
                           xshift=6, yshift=shift, showarrow=False,
                           font=dict(size=BASE_FONT_SIZE - 4, color="#333"), name=text)


def histogram(frame: pd.DataFrame, source: str, threshold: float | None = None,
              height: int = SCREEN_HEIGHT, width_hint: int = 1300) -> go.Figure:
    """Share of draws in each bin at one year, with the deterministic value, the median and
    (optionally) a threshold marked."""
    unit = frame.attrs.get("unit", "")
    label = frame.attrs.get("label", "")
    year = frame.attrs.get("year", "")
    series = frame.attrs.get("series", "")
    colour = FAN_COLOURS.get(series, US)
    centres = (frame["from"] + frame["to"]) / 2
    fig = _new_figure(go.Bar(
        x=centres, y=100 * frame["share"], width=frame["to"] - frame["from"],
        marker=dict(color=_rgba(colour, 0.55), line=dict(color=colour, width=1)),
        name="Draws", customdata=np.stack([frame["from"], frame["to"], frame["draws"]], axis=1),
        hovertemplate="%{customdata[0]:.3~s} to %{customdata[1]:.3~s}: %{customdata[2]} "
                      "draws (%{y:.1f}%)<extra></extra>"))
    shapes, notes = [], []
    marks = [(frame.attrs.get("median"), "median", "#333", "dash")]
    if frame.attrs.get("scenario") is not None:
        marks.append((frame.attrs["scenario"], "this scenario", "#1a1a1a", "solid"))
    if threshold is not None:
        marks.append((threshold, "threshold", "#CC79A7", "dot"))
    for i, (value, text, line_colour, dash) in enumerate(marks):
        if value is None:
            continue
        shapes.append(dict(type="line", x0=value, x1=value, xref="x", yref="paper", y0=0, y1=1,
                           line=dict(color=line_colour, width=2.5, dash=dash)))
        notes.append(dict(x=value, y=1 - 0.08 * i, xref="x", yref="paper",
                          text=f"{text}: {_fmt(value, unit)}", showarrow=False,
                          xanchor="left", yanchor="top", xshift=4,
                          bgcolor="rgba(255,255,255,0.85)",
                          font=dict(size=BASE_FONT_SIZE - 4, color=line_colour)))
    top = 100 * float(frame["share"].max()) if len(frame) else 1.0
    fig.update_layout(shapes=shapes, annotations=notes, bargap=0.05,
                      yaxis=dict(range=[0, 1.35 * top]))  # room above the bars for labels
    draws = frame.attrs.get("draws", int(frame["draws"].sum()))
    return finish(fig, f"{label} at end {year}: spread over {draws:,} draws",
                  f"{label} at end {year} [{unit}]", "Share of draws [%]", source,
                  height=height, legend=False, width_hint=width_hint)


def tornado(frame: pd.DataFrame, source: str, height: int | None = None,
            width_hint: int = 1300) -> go.Figure:
    """One-at-a-time sensitivity: each parameter's low and high end as bars from the
    scenario's value (widest at the top)."""
    base = float(frame.attrs["base"])
    unit = frame.attrs.get("unit", "")
    label = frame.attrs.get("label", "")
    year = frame.attrs.get("year", "")
    names = list(frame["parameter"])
    fig = _new_figure()
    for column, end, colour in (("output_low", "low", LOW_COLOUR),
                                ("output_high", "high", HIGH_COLOUR)):
        delta = frame[column] - base
        fig.add_trace(go.Bar(
            y=names, x=delta, base=base, orientation="h", name=f"Parameter at its {end} end",
            marker=dict(color=colour), text=[_fmt(v, unit) for v in frame[column]],
            textposition="outside", cliponaxis=False,
            textfont=dict(size=BASE_FONT_SIZE - 5),
            customdata=frame[end], hovertemplate=f"%{{y}}<br>{end}: %{{customdata}} → "
                                                 f"%{{base:.3~s}} %{{x:+.3~s}}<extra></extra>"))
    if names:  # the scenario's value as a legend entry (and a line through the bars)
        fig.add_trace(go.Scatter(x=[base, base], y=[names[0], names[-1]], mode="lines",
                                 line=dict(color="#1a1a1a", width=2), hoverinfo="skip",
                                 name=f"This scenario: {_fmt(base, unit)}"))
    lows = np.minimum(frame["output_low"], frame["output_high"]).min() if len(frame) else base
    highs = np.maximum(frame["output_low"], frame["output_high"]).max() if len(frame) else base
    pad = 0.18 * max(float(highs) - float(lows), abs(base) * 0.02, 1e-9)
    fig.update_layout(
        barmode="overlay",
        xaxis=dict(range=[min(float(lows), base) - pad, max(float(highs), base) + pad]),
        shapes=[dict(type="line", x0=base, x1=base, xref="x", yref="paper", y0=0, y1=1,
                     line=dict(color="#1a1a1a", width=2))])
    return finish(fig, f"{label} at end {year}: what moves it (each parameter low → high)",
                  f"{label} at end {year} [{unit}]", "Parameter (low → high)", source,
                  height=height or max(SCREEN_HEIGHT, 150 + 42 * len(frame)),
                  width_hint=width_hint,
                  extra=dict(yaxis=dict(title=dict(text=""), autorange="reversed",
                                        tickfont=dict(size=BASE_FONT_SIZE - 3,
                                                      color="#1a1a1a")),
                             margin=dict(l=30)))


def sobol(frame: pd.DataFrame, source: str, height: int | None = None,
          width_hint: int = 1300) -> go.Figure:
    """First- and total-order Sobol indices with their 95% confidence intervals."""
    label = frame.attrs.get("label", "")
    year = frame.attrs.get("year", "")
    names = list(frame["parameter"])
    fig = _new_figure()
    for column, name, colour in (("S1", "First order (this parameter alone)", S1_COLOUR),
                                 ("ST", "Total order (with interactions)", ST_COLOUR)):
        fig.add_trace(go.Bar(
            y=names, x=frame[column], orientation="h", name=name, marker=dict(color=colour),
            error_x=dict(type="data", array=list(frame[f"{column}_conf"]), visible=True,
                         color="#333", thickness=1.5, width=4),
            meta=column, hovertemplate=f"%{{y}}<br>{column} = %{{x:.2f}} ± "
                                       "%{error_x.array:.2f}<extra></extra>"))
    fig.update_layout(barmode="group")
    return finish(fig, f"{label} at end {year}: global sensitivity (Sobol indices)",
                  "Share of the output's variance [0–1], bars ± 95% confidence interval",
                  "Parameter", source, height=height or max(SCREEN_HEIGHT, 150 + 55 * len(frame)),
                  width_hint=width_hint,
                  extra=dict(yaxis=dict(title=dict(text=""), autorange="reversed",
                                        tickfont=dict(size=BASE_FONT_SIZE - 3,
                                                      color="#1a1a1a")),
                             margin=dict(l=30)))


def compare_fans(lines: pd.DataFrame, bands: dict[str, pd.DataFrame], title: str, y_title: str,
                 source: str, height: int = SCREEN_HEIGHT) -> go.Figure:
    """Several scenarios' lines, each with its own 5-95% band of the draws (trace meta
    'band:<scenario>' marks the band's upper edge)."""
    fig = _new_figure()
    for i, name in enumerate(lines.columns):
        colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        band = bands.get(name)
        if band is not None:
            x = _months(band.index)
            edge = dict(width=1, color=_rgba(colour, 0.6),
                        dash=SCENARIO_DASHES[i % len(SCENARIO_DASHES)])
            fig.add_trace(go.Scatter(x=x, y=band["p5"], mode="lines", line=edge,
                                     showlegend=False, legendgroup=name, name=f"{name}: 5th",
                                     hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=x, y=band["p95"], mode="lines", line=edge,
                                     fill="tonexty", fillcolor=_rgba(colour, 0.12),
                                     legendgroup=name, showlegend=False,
                                     name=f"{name}: 5th–95th percentile", meta=f"band:{name}",
                                     hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=_months(lines.index), y=lines[name], name=name,
                                 legendgroup=name,
                                 line=dict(color=colour, width=3,
                                           dash=SCENARIO_DASHES[i % len(SCENARIO_DASHES)])))
    return finish(fig, title, "Month", y_title, source, height=height)
