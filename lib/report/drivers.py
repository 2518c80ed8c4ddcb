"""Uncertainty page, second half: tornado, Sobol indices and goal-seek (tables and figures).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.analysis.goalseek import GoalSeek
from lib.core.calendar import FIRST_YEAR, YEARS
from lib.core.outputs import output
from lib.core.registry import Parameter, registry
from lib.core.runs import Result
from lib.report.fmt import fmt_number, fmt_short, fmt_with_unit, num
from lib.report.style import (
    BASE_FONT_SIZE,
    HIGH_END,
    LOW_END,
    MAIN_WIDTH,
    SCREEN_HEIGHT,
    finish,
    new_figure,
)

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
        name, span = f"{p.label}{lever}", f"{low} → {high}{each}"
        rows.append({"key": row.key, "parameter": f"{name}: {span}", "name": name,
                     "range": span, "kind": row.kind, "low": low, "high": high,
                     "output_low": float(row.output_low), "output_high": float(row.output_high),
                     "swing": float(row.swing)})
    out = pd.DataFrame(rows, columns=["key", "parameter", "name", "range", "kind", "low", "high",
                                      "output_low", "output_high", "swing"])
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


S1_COLOUR = "#56B4E9"


ST_COLOUR = "#009E73"


TICK_CHAR_WIDTH = 0.5 * (BASE_FONT_SIZE - 3)  # [px] a tick label's character, generously


LABEL_CHAR_WIDTH = 0.55 * (BASE_FONT_SIZE - 5)  # [px] a bar label's character


TORNADO_ROW_HEIGHT = 44  # [px] a bar pair with its two-line name


def _plot_width(width_hint: int, tick_chars: int) -> int:
    """The plot area's width [px] at `width_hint` beside horizontal bars' tick labels."""
    return max(160, int(width_hint - 30 - 40 - tick_chars * TICK_CHAR_WIDTH - 20))


def _end_labels(frame: pd.DataFrame, base: float, unit: str) -> tuple[list[dict], int, int]:
    """One label a side per bar pair, at that side's outer end: both ends' values on the side
    they fall, in their bars' colours, so that no two labels can overprint. Returns the
    annotations and the widest label [characters] on the left and on the right."""
    notes, widest = [], {"left": 0, "right": 0}
    for row in frame.itertuples():
        ends = sorted([(row.output_low, LOW_END), (row.output_high, HIGH_END)])
        for side, values in (("left", [e for e in ends if e[0] < base]),
                             ("right", [e for e in ends if e[0] >= base])):
            if not values:
                continue
            texts = [fmt_short(v, unit) for v, _ in values]
            widest[side] = max(widest[side], sum(len(t) + 2 for t in texts))
            left = side == "left"
            notes.append(dict(
                x=values[0][0] if left else values[-1][0], y=row.parameter, xref="x", yref="y",
                xanchor="right" if left else "left", xshift=-5 if left else 5, showarrow=False,
                text="  ".join(f'<span style="color:{colour}">{text}</span>'
                               for (_, colour), text in zip(values, texts, strict=True)),
                font=dict(size=BASE_FONT_SIZE - 5), name=f"end:{row.key}:{side}"))
    return notes, widest["left"], widest["right"]


def tornado(frame: pd.DataFrame, source: str, height: int | None = None,
            width_hint: int = MAIN_WIDTH) -> go.Figure:
    """One-at-a-time sensitivity: each parameter's low and high end as bars from the
    scenario's value (widest at the top), each end's value labelled at the outside of its
    row. `width_hint`: the narrowest width [px] it is shown at (labels and range fit it)."""
    base = float(frame.attrs["base"])
    unit = frame.attrs.get("unit", "")
    label = frame.attrs.get("label", "")
    year = frame.attrs.get("year", "")
    names = list(frame["parameter"])
    fig = new_figure()
    for column, end, colour in (("output_low", "low", LOW_END),
                                ("output_high", "high", HIGH_END)):
        delta = frame[column] - base
        fig.add_trace(go.Bar(
            y=names, x=delta, base=base, orientation="h", name=f"Parameter at its {end} end",
            marker=dict(color=colour), customdata=frame[end], meta=end,
            hovertemplate=f"%{{y}}<br>{end}: %{{customdata}} → "
                          f"%{{base:.3~s}} %{{x:+.3~s}}<extra></extra>"))
    if names:  # the scenario's value as a legend entry (and a line through the bars)
        fig.add_trace(go.Scatter(x=[base, base], y=[names[0], names[-1]], mode="lines",
                                 line=dict(color="#1a1a1a", width=2), hoverinfo="skip",
                                 name=f"This scenario: {fmt_short(base, unit)}"))
    notes, left_chars, right_chars = _end_labels(frame, base, unit)
    tick_chars = max([len(t) for t in frame["name"]] + [len(t) for t in frame["range"]] + [1])
    plot_px = _plot_width(width_hint, tick_chars)
    lows = min([base, *frame["output_low"], *frame["output_high"]])
    highs = max([base, *frame["output_low"], *frame["output_high"]])
    span = max(highs - lows, abs(base) * 0.02, 1e-9)
    # the labels' share of the plot width, kept beyond the bars' extent on each side
    left_share = (left_chars * LABEL_CHAR_WIDTH + 12) / plot_px
    right_share = (right_chars * LABEL_CHAR_WIDTH + 12) / plot_px
    total = span / max(1 - left_share - right_share, 0.3)
    fig.update_layout(
        barmode="overlay", annotations=notes,
        xaxis=dict(range=[lows - left_share * total, highs + right_share * total]),
        shapes=[dict(type="line", x0=base, x1=base, xref="x", yref="paper", y0=0, y1=1,
                     line=dict(color="#1a1a1a", width=2))])
    return finish(fig, f"{label} at end {year}: what moves it",
                  f"{label} at end {year} [{unit}]", "Parameter (low → high)", source,
                  height=height or max(SCREEN_HEIGHT, 250 + TORNADO_ROW_HEIGHT * len(frame)),
                  width_hint=width_hint, legend_width=plot_px,
                  extra=dict(yaxis=dict(title=dict(text=""), autorange="reversed",
                                        tickvals=names,
                                        ticktext=[f"{n}<br>{r}" for n, r in
                                                  zip(frame["name"], frame["range"],
                                                      strict=True)],
                                        tickfont=dict(size=BASE_FONT_SIZE - 3,
                                                      color="#1a1a1a")),
                             margin=dict(l=30)))


SHARE_RANGE = (0.0, 1.0)  # a Sobol index is a share of the output's variance


def drawn_intervals(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """A Sobol index's bar and 95% interval as drawn: the estimate and its interval, each cut
    to SHARE_RANGE (the bootstrap interval of a small index reaches below 0, a share cannot),
    with the estimate's own interval kept for the hover and whether it was cut."""
    low_edge, high_edge = SHARE_RANGE
    estimate, conf = frame[column].astype(float), frame[f"{column}_conf"].astype(float)
    low, high = estimate - conf, estimate + conf
    shown = estimate.clip(low_edge, high_edge)
    return pd.DataFrame({"estimate": estimate, "low": low, "high": high, "shown": shown,
                         "minus": shown - low.clip(low_edge, high_edge),
                         "plus": high.clip(low_edge, high_edge) - shown,
                         "clipped": (low < low_edge) | (high > high_edge)
                         | (estimate != shown)}, index=frame.index)


def sobol_caption(frame: pd.DataFrame) -> str:
    """What the Sobol chart shows, and how many intervals it had to cut to [0, 1]."""
    cut = sum(int(drawn_intervals(frame, c)["clipped"].sum()) for c in ("S1", "ST"))
    clipped = (f" {cut} of {2 * len(frame)} intervals reach past 0 or 1 and are drawn cut "
               "there; the hover gives each estimate's own interval." if cut else "")
    return ("First order: the share of the output's variance due to the parameter alone. "
            "Total order: including its interactions with the others. Lines: 95% "
            "confidence intervals (bootstrap), drawn within 0–1, the range a share can take."
            + clipped)


def sobol(frame: pd.DataFrame, source: str, height: int | None = None,
          width_hint: int = MAIN_WIDTH) -> go.Figure:
    """First- and total-order Sobol indices with their 95% confidence intervals, drawn within
    [0, 1] (drawn_intervals); the hover gives the estimate and its interval uncut."""
    label = frame.attrs.get("label", "")
    year = frame.attrs.get("year", "")
    names = list(frame["parameter"])
    fig = new_figure()
    highest = 0.0
    for column, name, colour in (("S1", "First order (this parameter alone)", S1_COLOUR),
                                 ("ST", "Total order (with interactions)", ST_COLOUR)):
        drawn = drawn_intervals(frame, column)
        highest = max(highest, float((drawn["shown"] + drawn["plus"]).max()) if len(drawn)
                      else 0.0)
        notes = ["; drawn cut to 0–1, the range of a share" if cut else ""
                 for cut in drawn["clipped"]]
        fig.add_trace(go.Bar(
            y=names, x=list(drawn["shown"]), orientation="h", name=name,
            marker=dict(color=colour), meta=column,
            error_x=dict(type="data", symmetric=False, array=list(drawn["plus"]),
                         arrayminus=list(drawn["minus"]), visible=True, color="#333",
                         thickness=1.5, width=4),
            customdata=[list(values) for values in zip(drawn["estimate"], drawn["low"],
                                                       drawn["high"], notes, strict=True)],
            hovertemplate=f"%{{y}}<br>{column} = %{{customdata[0]:.3f}}, 95% interval "
                          "%{customdata[1]:.3f} to %{customdata[2]:.3f}%{customdata[3]}"
                          "<extra></extra>"))
    tick_chars = max([len(n) for n in names] + [1])
    fig.update_layout(barmode="group", xaxis=dict(
        range=[SHARE_RANGE[0], min(SHARE_RANGE[1], 1.08 * highest + 0.02)]))
    return finish(fig, f"{label} at end {year}: global sensitivity (Sobol indices)",
                  "Share of the output's variance [0–1]", "Parameter", source,
                  height=height or max(SCREEN_HEIGHT, 170 + 55 * len(frame)),
                  width_hint=width_hint, legend_width=_plot_width(width_hint, tick_chars),
                  extra=dict(yaxis=dict(title=dict(text=""), autorange="reversed",
                                        tickfont=dict(size=BASE_FONT_SIZE - 3,
                                                      color="#1a1a1a")),
                             margin=dict(l=30)))
