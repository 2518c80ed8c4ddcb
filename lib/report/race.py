"""Race overview: headline numbers against the counterfactual, compute over time with policy
events, and the race gap's change attributed to lever groups (tables and figures).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.analysis.attribution import attribute, attribute_mechanisms
from lib.analysis.baseline import attribute_by_kind
from lib.analysis.controls import ControlsRange
from lib.core.data import table
from lib.core.outputs import output
from lib.core.runs import Result
from lib.core.scenario import Scenario
from lib.report import fmt, glossary
from lib.report.style import (
    BASE_FONT_SIZE,
    CHINA,
    GREY,
    MAIN_WIDTH,
    SCREEN_HEIGHT,
    US,
    Draft,
    add_baseline_column,
    add_layout_items,
    finish,
    month_axis,
    new_figure,
    scenario_label,
    set_log_ticks,
    short_number,
    y_is_log,
)

COMPUTE_KINDS = {"total": "Total", "training": "Training", "inference": "Inference"}


KEY_EVENTS = {  # events.csv label -> short text for small annotated charts
    "Oct 2022 chip rule": "Oct 2022 rule",
    "Oct 2023 rule update": "Oct 2023 update",
    "H200 case-by-case licensing": "2026 licensing",
}


HEADLINE_KEYS = ("china_total", "us_total", "ratio", "race_gap_months",
                 "capability_lag_months")


def counterfactual(result: Result) -> Result:
    """The same scenario with no export controls (lib.runs memoizes it)."""
    return result.counterfactual


def headline(result: Result, year: int, ranges: ControlsRange | None = None) -> pd.DataFrame:
    """China and U.S. compute, the ratio and the race gap at December of `year`, each with the
    no-controls counterfactual (and, given the Monte Carlo ranges, its 5-95% range)."""
    no_controls = counterfactual(result)
    rows = []
    for key in HEADLINE_KEYS:
        declared = output(key)
        row = {"metric": key, "label": declared.label, "unit": declared.unit,
               "year": year, "scenario": result.value(key, year),
               "no_controls": no_controls.value(key, year)}
        if ranges is not None:
            low, _, high = ranges.at(ranges.no_controls, key, year)
            row |= {"no_controls_p5": low, "no_controls_p95": high}
        rows.append(row)
    return pd.DataFrame(rows)


def no_controls_text(row) -> str:
    """A headline row's no-controls figure, with its 5-95% range when the row has one."""
    text = f"no controls: {fmt.fmt_number(row.no_controls, row.unit)}"
    if hasattr(row, "no_controls_p5"):
        text += (f" ({fmt.fmt_number(row.no_controls_p5, row.unit)} to "
                 f"{fmt.fmt_number(row.no_controls_p95, row.unit)})")
    return text


def gap_explained(result: Result, ranges: ControlsRange, year: int) -> str:
    """One paragraph: what the race gap is, its hardware and algorithmic parts, the hardware
    ratio beside it, and what controls are worth in it (5-95%)."""
    gap = result.value("race_gap_months", year)
    hardware = result.value("race_gap_hardware_months", year)
    low, mid, high = ranges.at(ranges.value, "race_gap_months", year)
    cap_low, cap_mid, cap_high = ranges.at(ranges.value, "capability_lag_months", year)
    gap_is, lag_is = glossary.sentence("Race gap"), glossary.sentence("Capability lag")
    return (f"{gap_is} End {year}: {gap:.1f} months = {hardware:.1f} from hardware "
            f"(China at U.S. algorithms; U.S. / China compute {result.value('ratio', year):.1f}x) "
            f"+ {gap - hardware:.1f} from China's algorithmic lag. Export controls account for "
            f"{mid:.1f} months of it ({low:.1f}-{high:.1f}, 5-95% over {ranges.draws} draws of "
            "the assumptions, China's no-controls share of Nvidia output among them, net of "
            f"any backfire the mechanisms carry). {lag_is} End {year}: "
            f"{result.value('capability_lag_months', year):.1f} months; controls account for "
            f"{cap_mid:.1f} ({cap_low:.1f}-{cap_high:.1f}).")


def compute_over_time(result: Result, kind: str = "total", effective: bool = False,
                      with_counterfactual: bool = True,
                      baseline: Result | None = None) -> pd.DataFrame:
    """Monthly U.S. and China installed compute [H100e or 2022-algorithm H100e], with the
    no-controls China line and, given a baseline's result, its two lines."""
    if effective:
        names = {"us": "us_effective", "china": "china_effective"}
    else:
        names = {"us": f"us_{kind}", "china": f"china_{kind}"}
    frame = pd.DataFrame({"us": result.series[names["us"]],
                          "china": result.series[names["china"]]}, index=result.months)
    if with_counterfactual:
        frame["china_no_controls"] = counterfactual(result).series[names["china"]]
    if baseline is not None:
        for side, name in names.items():
            add_baseline_column(frame, f"{side}_baseline", baseline, baseline.series[name])
    frame.index.name = "month"
    frame.attrs["unit"] = output(names["china"]).unit
    frame.attrs["kind"] = "effective" if effective else kind
    return frame


def largest_run(result: Result, baseline: Result | None = None) -> pd.DataFrame:
    """Largest single training run each side could do [FLOP], monthly (and the baseline's)."""
    frame = pd.DataFrame({"us": result.series["largest_run_flop_us"],
                          "china": result.series["largest_run_flop_china"]},
                         index=result.months)
    if baseline is not None:
        for side in ("us", "china"):
            add_baseline_column(frame, f"{side}_baseline", baseline,
                                baseline.series[f"largest_run_flop_{side}"])
    frame.index.name = "month"
    frame.attrs["unit"] = output("largest_run_flop_china").unit
    frame.attrs["kind"] = "largest training run"
    return frame


def events_frame() -> pd.DataFrame:
    events = table("events.csv").copy()
    events["date"] = pd.to_datetime(events["date"])
    events.insert(0, "number", range(1, len(events) + 1))
    events["source_date"] = events["source_date"].map(
        lambda v: "; ".join(str(d) for d in v) if isinstance(v, (list, tuple)) else str(v))
    return events


ATTRIBUTIONS = {"policy and assumptions": attribute_by_kind, "lever group": attribute,
                "mechanism": attribute_mechanisms}
ATTRIBUTION_NOTES = {
    "policy and assumptions": "The baseline re-run under the scenario's assumptions, then its "
                              "policy levers; each stage split among lever groups (Shapley).",
    "lever group": "Shapley attribution over lever groups.",
    "mechanism": "Shapley attribution over the levers alone and each mechanism.",
}


def waterfall_table(scenario: Scenario, baseline: Scenario, metric: str = "race_gap_months",
                    year: int = 2030, by: str = "lever group") -> pd.DataFrame:
    """Change in `metric` from `baseline` to `scenario` split by lever group, or into the
    levers alone and each mechanism (exact Shapley values; lib/analysis/attribution.py)."""
    frame = ATTRIBUTIONS[by](scenario, baseline, metric, year)
    out = pd.DataFrame({
        "step": [f"Baseline: {scenario_label(baseline)}"] + list(frame["label"])
        + [f"Scenario: {scenario_label(scenario)}"],
        "kind": ["absolute"] + ["relative"] * len(frame) + ["total"],
        "value": [frame.attrs["baseline"]] + list(frame["contribution"])
        + [frame.attrs["scenario"]],
    })
    out.attrs.update(metric=metric, year=year, unit=output(metric).unit,
                     metric_label=output(metric).label, by=by)
    return out


def compute_race(frame: pd.DataFrame, source: str, log_y: bool = True,
                 events: pd.DataFrame | None = None, title: str | None = None,
                 height: int = SCREEN_HEIGHT, y_title: str | None = None,
                 label_ends: bool = True, width_hint: int = MAIN_WIDTH,
                 key_event_labels: dict[str, str] | None = None) -> go.Figure:
    """U.S. vs China installed compute over time, with the no-controls China line.
    `key_event_labels` names a few events to draw as labelled lines (see key_events)."""
    unit = frame.attrs.get("unit", output("china_total").unit)
    kind = frame.attrs.get("kind", "total")
    x = month_axis(frame.index)
    fig = Draft()
    fig.add_trace(dict(type="scatter", x=x, y=frame["us"].to_numpy(), name="U.S.",
                       line=dict(color=US, width=4)))
    fig.add_trace(dict(type="scatter", x=x, y=frame["china"].to_numpy(), name="China",
                       line=dict(color=CHINA, width=4)))
    if "china_no_controls" in frame:
        fig.add_trace(dict(type="scatter", x=x, y=frame["china_no_controls"].to_numpy(),
                           name="China, no export controls",
                           line=dict(color=CHINA, width=2.5, dash="dot")))
    for side, colour, label in (("us", US, "U.S."), ("china", CHINA, "China")):
        if f"{side}_baseline" in frame:  # thin, dashed, one legend entry for both sides
            fig.add_trace(dict(type="scatter", x=x, y=frame[f"{side}_baseline"].to_numpy(),
                               name="Baseline", legendgroup="baseline",
                               hovertemplate=f"{label}, baseline: %{{y:,.3s}}<extra></extra>",
                               showlegend=side == "china",
                               line=dict(color=colour, width=1.5, dash="dash"), opacity=0.6))
    if events is not None and len(events):
        add_events(fig, events, legend=width_hint >= MAIN_WIDTH,
                   min_gap_days=75 if width_hint >= 1000 else 150)
        source = f"{source} Events: {event_key(events)}."  # the key travels with the image
    if key_event_labels and events is None:
        key_events(fig, events_frame(), key_event_labels)
    fig.update_layout(yaxis=dict(type="log" if log_y else "linear"),
                      xaxis=dict(range=[x[0], x[-1]] if x else None))
    if log_y:
        set_log_ticks(fig, frame.to_numpy())
    if label_ends and len(frame):
        label_line_ends(fig, frame, unit)
    if "baseline" in frame.attrs:
        source = f"{source} Dashed: the baseline, {frame.attrs['baseline']}."
    return finish(fig, title or f"AI compute installed, U.S. vs China ({kind})", "Month",
                  (y_title or f"Installed compute [{unit}]") + (" (log scale)" if log_y else ""),
                  source, height=height, width_hint=width_hint, extra=dict(margin=dict(r=150)))


def label_line_ends(fig: go.Figure | Draft, frame: pd.DataFrame, unit: str) -> None:
    """Annotate the last value of each line at the right edge (readable on a slide)."""
    last = frame.index[-1]
    names = {"us": ("U.S.", US), "china": ("China", CHINA),
             "china_no_controls": ("China, no controls", CHINA)}
    values = {c: float(frame[c].iloc[-1]) for c in names if c in frame}
    ordered = sorted(values, key=values.get, reverse=True)
    shifts, previous = {}, None
    # close end values: the lower label moves down, so the top one stays clear of what is above
    for column in ordered:
        close = previous is not None and values[column] > 0 and \
            values[previous] / max(values[column], 1e-300) < 1.6
        shifts[column] = (shifts.get(previous, 0) - 22) if close else 0
        previous = column
    for column, value in values.items():
        label, colour = names[column]
        fig.add_annotation(x=last, y=np.log10(value) if y_is_log(fig) and value > 0
                           else value, text=f"{short_number(value)}",
                           xanchor="left", xshift=6, yshift=shifts[column], showarrow=False,
                           font=dict(color=colour, size=BASE_FONT_SIZE - 2), name=column)


def event_key(events: pd.DataFrame) -> str:
    """'1 Oct 2022 chip rule; 2 H800 launch (Mar 2023); ...': the numbered markers' key."""
    return "; ".join(f"{row.number} {row.label}" + ("" if str(row.date.year) in row.label
                                                     else f" ({row.date:%b %Y})")
                     for row in events.itertuples())


def add_events(fig: go.Figure | Draft, events: pd.DataFrame, legend: bool = True,
               min_gap_days: int = 75) -> None:
    """Dotted vertical lines for policy events, numbered and staggered so labels never
    overlap; hovering a number shows the event."""
    levels = (0.96, 0.88, 0.80, 0.72, 0.64)
    placed: list[pd.Timestamp | None] = [None] * len(levels)
    heights = []
    for date in pd.to_datetime(events["date"]):  # lowest free level, so markers never overlap
        free = [i for i, last in enumerate(placed) if last is None
                or (date - last).days > min_gap_days]
        level = free[0] if free else int(np.argmin([last.value for last in placed]))
        placed[level] = date
        heights.append(levels[level])
    shapes = [dict(type="line", x0=row.date, x1=row.date, xref="x", yref="paper", y0=0, y1=1,
                   line=dict(color="#444" if row.category == "rule" else "#999", width=1,
                             dash="dot"), layer="below") for row in events.itertuples()]
    add_layout_items(fig, shapes)  # one update, not one per line
    fig.add_trace(dict(
        type="scatter", x=month_axis(events["date"]), y=heights,
        yaxis="y2", mode="markers+text", text=[str(n) for n in events["number"]],
        textfont=dict(size=BASE_FONT_SIZE - 4, color="white"),
        marker=dict(size=22, color=["#444" if c == "rule" else "#999"
                                    for c in events["category"]]),
        customdata=np.stack([events["label"], events["description"]], axis=1),
        hovertemplate="<b>%{customdata[0]}</b><br>%{x|%d %b %Y}<extra></extra>",
        name="Policy events (numbered)", showlegend=legend,
    ))
    fig.update_layout(yaxis2=dict(overlaying="y", range=[0, 1], visible=False, fixedrange=True))


def headline_bars(frame: pd.DataFrame, source: str, height: int = SCREEN_HEIGHT) -> go.Figure:
    """Each headline metric, this scenario vs no controls (as separate small bars)."""
    fig = new_figure()
    labels = [f"{r.label} [{r.unit}]" for r in frame.itertuples()]
    fig.add_trace(go.Bar(x=labels, y=frame["scenario"], name="This scenario",
                         marker_color=CHINA))
    fig.add_trace(go.Bar(x=labels, y=frame["no_controls"], name="No export controls",
                         marker_color=GREY))
    fig.update_layout(yaxis_type="log")
    return finish(fig, "Headline metrics vs no controls", "Metric", "Value [unit in label]",
                  source, height=height)


def waterfall(frame: pd.DataFrame, source: str, height: int = SCREEN_HEIGHT) -> go.Figure:
    """Change of a metric from a baseline, attributed to lever groups."""
    unit = frame.attrs.get("unit", "")
    label = frame.attrs.get("metric_label", "Metric")
    year = frame.attrs.get("year", "")
    text = [f"{v:+.1f}" if k == "relative" else f"{v:.1f}"
            for k, v in zip(frame["kind"], frame["value"], strict=True)]
    steps = [step.replace(": ", ":<br>", 1) for step in frame["step"]]  # two short lines
    fig = Draft(dict(
        type="waterfall", x=steps, y=list(frame["value"]),
        measure=list(frame["kind"]),
        text=text, textposition="outside", cliponaxis=False,
        increasing=dict(marker=dict(color=US)), decreasing=dict(marker=dict(color=CHINA)),
        totals=dict(marker=dict(color=GREY)), connector=dict(line=dict(color="#999")),
        name=label,
    ))
    values = np.cumsum([v if k != "total" else 0
                       for k, v in zip(frame["kind"], frame["value"], strict=True)])
    top = max(float(np.max(values)), float(frame["value"].iloc[-1]), 0.0)
    bottom = min(float(np.min(values)), 0.0)
    pad = 0.15 * max(top - bottom, 1.0)
    fig.update_yaxes(range=[bottom - (pad if bottom < 0 else 0), top + pad])
    by = frame.attrs.get("by", "lever group")
    return finish(fig, f"What moved the race gap by end {year}",
                  f"{by.capitalize()} (blue widens the gap, vermillion narrows it)",
                  f"{label} [{unit}]", source, height=height, legend=False)


def key_events(fig: go.Figure | Draft, events: pd.DataFrame,
               labels: dict[str, str]) -> go.Figure | Draft:
    """Annotate a few named events (event label -> short text) with lines and staggered
    labels: for small charts where numbered markers would crowd."""
    chosen = events[events["label"].isin(labels)]
    shapes, annotations = [], []
    for i, row in enumerate(chosen.itertuples()):
        shapes.append(dict(type="line", x0=row.date, x1=row.date, xref="x", yref="paper",
                           y0=0, y1=1, line=dict(color="#444", width=1.5, dash="dot")))
        annotations.append(dict(x=row.date, y=1 - 0.09 * (i % 3), xref="x", yref="paper",
                                text=labels[row.label], showarrow=False, xanchor="left",
                                yanchor="top", xshift=3, bgcolor="rgba(255,255,255,0.8)",
                                font=dict(size=BASE_FONT_SIZE - 4, color="#333")))
    add_layout_items(fig, shapes, annotations)
    return fig
