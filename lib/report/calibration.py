"""Uncertainty page, "Calibrated to the record": the prior and the history-matched fans side
by side, and how each published checkpoint is met before and after weighting
(lib/analysis/calibration.py)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.analysis.calibration import MIN_ESS, POINT_TOLERANCE, Calibration
from lib.core.outputs import output
from lib.core.runs import Result
from lib.report.fmt import fmt_number, fmt_probability, hover_format
from lib.report.style import (
    BASE_FONT_SIZE,
    MAIN_WIDTH,
    SCREEN_HEIGHT,
    Draft,
    finish,
    log_ticks,
    month_axis,
    rgba,
    short_number,
)
from lib.report.uncertainty import BAND_NAMES, FAN_LOG, fan_colour

PERCENTILE_COLUMNS = ("p5", "p25", "p50", "p75", "p95")
PANELS = (("prior", "Prior: every draw counts the same"),
          ("calibrated", "Calibrated: draws weighted by the record"))


def calibrated_title(series: str) -> str:
    return f"{output(series).label}: before and after matching the record"


def calibrated_frame(cal: Calibration, result: Result, series: str) -> pd.DataFrame:
    """Monthly prior and calibrated percentiles of `series`, with the deterministic line."""
    frame = pd.concat([cal.prior[series].add_prefix("prior_"),
                       cal.calibrated[series].add_prefix("calibrated_")], axis=1)
    frame["scenario"] = result.series[series][:len(frame)]
    weighted = int((~cal.fit["holdout"]).sum())
    frame.attrs.update(series=series, label=output(series).label, unit=output(series).unit,
                       draws=cal.draws, seed=cal.seed, ess=cal.ess, checkpoints=weighted,
                       title=calibrated_title(series))
    return frame


def calibrated_fans(frame: pd.DataFrame, source: str, height: int = SCREEN_HEIGHT,
                    width_hint: int = MAIN_WIDTH) -> go.Figure:
    """Two panels on one y axis: the prior fan (5-95% and 25-75% of draws, median) and the
    calibrated one, each with this scenario's deterministic line. Trace meta: panel:column."""
    series, unit = frame.attrs.get("series", ""), frame.attrs.get("unit", "")
    label = frame.attrs.get("label", series)
    log_y = series in FAN_LOG
    colour = fan_colour(series)
    x = month_axis(frame.index)
    hover = hover_format(unit)
    fig = Draft()
    for n, (panel, _) in enumerate(PANELS):
        axes = dict(xaxis="x" if n == 0 else "x2", yaxis="y" if n == 0 else "y2")
        first = n == 0
        for low, high, alpha, name in (("p5", "p95", 0.18, "90% of draws (5th–95th pct.)"),
                                       ("p25", "p75", 0.35, "50% of draws (25th–75th)")):
            fig.add_trace(dict(type="scatter", x=x, y=frame[f"{panel}_{low}"], mode="lines",
                               line=dict(width=0), showlegend=False, meta=f"{panel}:{low}",
                               name=BAND_NAMES[low], **axes,
                               hovertemplate=f"{BAND_NAMES[low]}: {hover}<extra></extra>"))
            fig.add_trace(dict(type="scatter", x=x, y=frame[f"{panel}_{high}"], mode="lines",
                               line=dict(width=0), fill="tonexty",
                               fillcolor=rgba(colour, alpha), name=name, legendgroup=high,
                               showlegend=first, meta=f"{panel}:{high}", **axes,
                               hovertemplate=f"{BAND_NAMES[high]}: {hover}<extra></extra>"))
        fig.add_trace(dict(type="scatter", x=x, y=frame[f"{panel}_p50"], mode="lines",
                           name="Median of draws", legendgroup="p50", showlegend=first,
                           meta=f"{panel}:p50", line=dict(color=colour, width=2.5, dash="dash"),
                           hovertemplate=f"Median: {hover}<extra></extra>", **axes))
        fig.add_trace(dict(type="scatter", x=x, y=frame["scenario"], mode="lines",
                           name="This scenario (assumptions at their values)",
                           legendgroup="scenario", showlegend=first, meta=f"{panel}:scenario",
                           line=dict(color="#1a1a1a", width=2.5),
                           hovertemplate=f"This scenario: {hover}<extra></extra>", **axes))
    y_axis = dict(type="log" if log_y else "linear")
    if log_y:
        columns = [c for c in frame.columns if c.endswith(("p5", "p95"))] + ["scenario"]
        values = frame[columns].to_numpy().ravel()
        ticks = log_ticks(float(values[values > 0].min()), float(values.max()))
        if ticks:
            y_axis.update(tickvals=ticks, ticktext=[short_number(v) for v in ticks])
    panel_titles = [dict(text=f"<b>{title}</b>", xref=f"x{'' if n == 0 else 2} domain",
                         yref="paper", x=0.02, y=0.99, xanchor="left", yanchor="top",
                         showarrow=False, font=dict(size=BASE_FONT_SIZE - 3),
                         bgcolor="rgba(255,255,255,0.85)", name=panel)
                    for n, (panel, title) in enumerate(PANELS)]
    axis_style = dict(showline=True, linecolor="#444", automargin=True,
                      tickfont=dict(size=BASE_FONT_SIZE - 3))
    fig.update_layout(hovermode="x unified", annotations=panel_titles)
    ess = frame.attrs.get("ess")
    extra = (f" Monte Carlo: {frame.attrs['draws']:,} draws, seed {frame.attrs['seed']}; "
             f"calibrated: weighted by {frame.attrs['checkpoints']} published checkpoints "
             f"(effective sample size {ess:,.0f})." if ess is not None else "")
    return finish(fig, frame.attrs.get("title", calibrated_title(series)), "Month",
                  f"{label} [{unit}]" + (" (log scale)" if log_y else ""), source + extra,
                  height=height, width_hint=width_hint, extra=dict(
                      xaxis=dict(domain=[0, 0.48], range=[x[0], x[-1]]),
                      xaxis2=dict(domain=[0.52, 1], anchor="y2", range=[x[0], x[-1]],
                                  title=dict(text="Month", font=dict(size=BASE_FONT_SIZE)),
                                  **axis_style),
                      yaxis=y_axis,
                      yaxis2=dict(y_axis, anchor="x2", matches="y", showticklabels=False,
                                  **axis_style)))


def _range_text(row) -> str:
    if row.point_estimate:
        return f"±{POINT_TOLERANCE:.0%} (point estimate)"
    return f"{fmt_number(row.low)} – {fmt_number(row.high)}"


def fit_table(cal: Calibration) -> pd.DataFrame:
    """Per checkpoint: the published range, whether it is weighted or held out, and the share
    of draws inside it and their median, before and after weighting."""
    fit = cal.fit
    return pd.DataFrame({
        "checkpoint": fit["checkpoint"] + " [" + fit["unit"] + "]",
        "as of": fit["as_of"],
        "role": fit["holdout"].map({True: "held out (test)", False: "weighted"}),
        "published": fit["published"].map(fmt_number),
        "range": [_range_text(row) for row in fit.itertuples()],
        "prior coverage": fit["prior_coverage"],
        "calibrated coverage": fit["calibrated_coverage"],
        "prior median": fit["prior_median"].map(fmt_number),
        "calibrated median": fit["calibrated_median"].map(fmt_number),
    })


def summary_text(cal: Calibration) -> str:
    """One Markdown sentence on how much of the sample the weighting keeps."""
    weighted = int((~cal.fit["holdout"]).sum())
    return (f"{cal.draws:,} draws weighted by their fit to {weighted} published checkpoints: "
            f"effective sample size **{cal.ess:,.0f}** (at least {MIN_ESS} wanted).")


def holdout_lines(cal: Calibration) -> list[str]:
    """The test of the fit: each held-out checkpoint's coverage before and after weighting."""
    lines = []
    for row in cal.fit[cal.fit["holdout"]].itertuples():
        moved = row.calibrated_coverage - row.prior_coverage
        verdict = ("closer to the record" if moved > 0.005 else
                   "further from the record" if moved < -0.005 else "about unchanged")
        lines.append(f"**{row.checkpoint}** ({row.unit}, {row.as_of}): inside the published "
                     f"range in {fmt_probability(row.prior_coverage)} of the prior draws, "
                     f"{fmt_probability(row.calibrated_coverage)} after weighting ({verdict}); "
                     f"median {fmt_number(row.prior_median)} → "
                     f"{fmt_number(row.calibrated_median)} against "
                     f"{fmt_number(row.published)} published.")
    return lines
