"""Uncertainty page, second half: tornado, Sobol indices and goal-seek (tables and figures).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.analysis.goalseek import GoalSeek
from lib.core.calendar import FIRST_YEAR, YEARS
from lib.core.outputs import output
from lib.core.registry import Parameter, registry
from lib.core.runs import Result
from lib.report.fmt import fmt_number, fmt_short, fmt_with_unit, num
from lib.report.style import BASE_FONT_SIZE, MAIN_WIDTH, SCREEN_HEIGHT, finish, new_figure

SENSITIVITY_OUTPUTS = ("race_gap_months", "ratio", "china_total", "china_training", "us_total")


GOAL_TARGETS = {"race_gap_months": 24.0, "ratio": 10.0, "china_total": 5e6,
                "china_training": 2e6, "us_total": 1e8}  # [each output's declared unit]


def target_input(metric: str) -> tuple[float, str]:
    """(step, number format) for typing a target: whole millions for compute-sized targets."""
    return (1e6, "%.0f") if GOAL_TARGETS[metric] >= 1e6 else (1.0, "%.1f")


GOAL_FROM_YEAR = 2026  # yearly levers are goal-sought as one value for every year from here


def range_text(parameter: Parameter, low, high) -> tuple[str, str]:
    """A tornado bar's ends: the factor on every year for yearly parameters (the only way
    they vary, lib/core/variation.py), else the values."""
    d = parameter.distribution
    if parameter.is_yearly:
        return f"×{d.low:g}", f"×{d.high:g}"
    return num(float(low)), num(float(high))


def tornado_table(frame: pd.DataFrame, top: int = 12) -> pd.DataFrame:
    """The `top` widest tornado bars, with readable low/high values (no tuples)."""
    reg = registry()
    rows = []
    for row in frame.head(top).itertuples():
        p = reg[row.key]
        low, high = range_text(p, row.low, row.high)
        each = " each year" if p.is_yearly else f" {p.unit}"
        lever = " (lever)" if row.kind == "policy" else ""
        rows.append({"key": row.key, "parameter": f"{p.label}{lever}: {low} → {high}{each}",
                     "kind": row.kind, "low": low, "high": high,
                     "output_low": float(row.output_low), "output_high": float(row.output_high),
                     "swing": float(row.swing)})
    out = pd.DataFrame(rows, columns=["key", "parameter", "kind", "low", "high", "output_low",
                                      "output_high", "swing"])
    metric = frame.attrs["metric"]
    out.attrs.update(base=frame.attrs["base"], metric=metric, year=frame.attrs["year"],
                     label=output(metric).label, unit=output(metric).unit)
    return out


def sobol_table(frame: pd.DataFrame, metric: str, year: int) -> pd.DataFrame:
    out = frame.rename(columns={"label": "parameter"}).copy()
    out.attrs.update(metric=metric, year=year, label=output(metric).label,
                     unit=output(metric).unit,
                     units={c: "share of variance" for c in ("S1", "S1_conf", "ST", "ST_conf")})
    return out


def goal_seek_levers() -> list[str]:
    """Parameters goal-seek can move: policy levers first, then assumptions."""
    usable = [p for p in registry() if p.kind != "boolean" and p.role is None
              and p.min < p.max]
    return [p.key for p in usable if p.group.kind == "policy"] + \
        [p.key for p in usable if p.group.kind != "policy"]


def goal_seek_text(found: GoalSeek, result: Result) -> tuple[bool, str]:
    """(reached, plain-language answer) for a goal-seek."""
    p = registry()[found.lever]
    label, unit = output(found.metric).label, output(found.metric).unit
    if found.value is None:
        if found.reach is None:
            return False, found.message[:1].upper() + found.message[1:] + "."
        every = f" (every year from {GOAL_FROM_YEAR})" if p.is_yearly else ""
        return False, (
            f"**Not reachable in range.** With {p.label} anywhere from "
            f"{fmt_number(p.min, p.unit)} to {fmt_with_unit(p.max, p.unit)}{every}, "
            f"{label} at end {found.year} stays between {fmt_with_unit(found.reach[0], unit)} "
            f"and {fmt_with_unit(found.reach[1], unit)}; the target is "
            f"{fmt_with_unit(found.target, unit)}.")
    values = result.scenario.values()
    current = values[p.key]
    if p.is_yearly:
        current = current[min(found.year, YEARS[-1]) - FIRST_YEAR]
    when = f" every year from {GOAL_FROM_YEAR}" if p.is_yearly else ""
    lever_value = (f"{100 * found.value:.1f}%" if p.unit == "share"  # an answer: one decimal
                   else fmt_with_unit(found.value, p.unit))
    now_when = f" in {found.year}" if p.is_yearly else ""
    return True, (
        f"**{p.label} = {lever_value}**{when} gives "
        f"**{label} = {fmt_with_unit(found.achieved, unit)}** at end {found.year} "
        f"(target {fmt_with_unit(found.target, unit)}). This scenario has "
        f"{fmt_with_unit(float(current), p.unit)}{now_when}, giving "
        f"{fmt_with_unit(result.value(found.metric, found.year), unit)}.")


LOW_COLOUR = "#56B4E9"  # sky blue: parameter at its low end


HIGH_COLOUR = "#E69F00"  # orange: parameter at its high end


S1_COLOUR = "#56B4E9"


ST_COLOUR = "#009E73"


def tornado(frame: pd.DataFrame, source: str, height: int | None = None,
            width_hint: int = MAIN_WIDTH) -> go.Figure:
    """One-at-a-time sensitivity: each parameter's low and high end as bars from the
    scenario's value (widest at the top)."""
    base = float(frame.attrs["base"])
    unit = frame.attrs.get("unit", "")
    label = frame.attrs.get("label", "")
    year = frame.attrs.get("year", "")
    names = list(frame["parameter"])
    fig = new_figure()
    for column, end, colour in (("output_low", "low", LOW_COLOUR),
                                ("output_high", "high", HIGH_COLOUR)):
        delta = frame[column] - base
        fig.add_trace(go.Bar(
            y=names, x=delta, base=base, orientation="h", name=f"Parameter at its {end} end",
            marker=dict(color=colour), text=[fmt_short(v, unit) for v in frame[column]],
            textposition="outside", cliponaxis=False,
            textfont=dict(size=BASE_FONT_SIZE - 5),
            customdata=frame[end], hovertemplate=f"%{{y}}<br>{end}: %{{customdata}} → "
                                                 f"%{{base:.3~s}} %{{x:+.3~s}}<extra></extra>"))
    if names:  # the scenario's value as a legend entry (and a line through the bars)
        fig.add_trace(go.Scatter(x=[base, base], y=[names[0], names[-1]], mode="lines",
                                 line=dict(color="#1a1a1a", width=2), hoverinfo="skip",
                                 name=f"This scenario: {fmt_short(base, unit)}"))
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
          width_hint: int = MAIN_WIDTH) -> go.Figure:
    """First- and total-order Sobol indices with their 95% confidence intervals."""
    label = frame.attrs.get("label", "")
    year = frame.attrs.get("year", "")
    names = list(frame["parameter"])
    fig = new_figure()
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
