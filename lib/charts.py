"""Figure builders: each takes a table (lib.dashboard_data) and returns a go.Figure with its
title, units in the axis titles and a source line baked in, so an exported PNG/SVG stands on
its own. Never imports Streamlit.

Colours are Okabe-Ito (colour-blind safe); the U.S. and China keep the same colour everywhere.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

US = "#0072B2"  # blue
CHINA = "#D55E00"  # vermillion
GREY = "#7F7F7F"
CHANNEL_COLOURS = {
    "Legal Nvidia exports": "#E69F00",  # orange
    "Smuggled Nvidia chips": "#CC79A7",  # reddish purple
    "TSMC-made Ascend dies": "#009E73",  # bluish green
    "SMIC-made Ascend": "#56B4E9",  # sky blue
    "Nvidia (no controls)": "#999999",
}
TIER_COLOURS = {
    "controlled": "#000000",
    "licensable case by case": "#E69F00",
    "notification (gray zone)": "#CC79A7",
    "exportable": "#009E73",
    "Chinese domestic": CHINA,
}
SCENARIO_DASHES = ("solid", "dash", "dot", "dashdot")
SCENARIO_COLOURS = ("#000000", "#E69F00", "#009E73", "#CC79A7")
FONT = "Source Sans Pro, Arial, sans-serif"
BASE_FONT_SIZE = 18
EXPORT_WIDTH, EXPORT_HEIGHT = 1600, 900
SCREEN_HEIGHT = 540
MODEL_SOURCE = "Chokepoint model"
_TEMPLATE = pio.templates["plotly_white"].to_plotly_json()


def _new_figure(*traces) -> go.Figure:
    """An empty figure that skips Plotly's per-property validation while it is built: the
    builders below set dozens of shapes and annotations, and validating each one costs more
    than the model run (~90 ms vs ~15 ms per chart). The test suite checks the results."""
    fig = go.Figure(_validate=False)
    for trace in traces:
        fig.add_trace(trace)
    return fig


def source_line(scenario_label: str, data_date: dt.date | str, extra: str = "") -> str:
    text = f"Source: {MODEL_SOURCE}, scenario: {scenario_label}; data as of {data_date}"
    return f"{text}. {extra}" if extra else text + "."


def legend_rows(fig: go.Figure, width: int) -> int:
    """Rows a horizontal legend needs at a plot width [px] (estimated from label lengths)."""
    items = [t.name or "" for t in fig.data if t.showlegend is not False and t.name]
    if not items:
        return 0
    rows, used = 1, 0.0
    for name in items:
        size = 0.55 * (BASE_FONT_SIZE - 2) * len(name) + 55
        if used and used + size > width:
            rows, used = rows + 1, 0.0
        used += size
    return rows


def wrap_source(text: str, width: int) -> str:
    """Break a long source line (<br>) so it fits a chart `width` [px] wide."""
    limit = max(40, int((width - 120) / (0.52 * (BASE_FONT_SIZE - 5))))
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > limit:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "<br>".join(lines + [line])


def _merge(base: dict, extra: dict) -> dict:
    """Deep-merge `extra` into `base` (in place)."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def finish(fig: go.Figure, title: str, x_title: str, y_title: str, source: str,
           height: int = SCREEN_HEIGHT, legend: bool = True,
           width_hint: int = 1300, bottom: int = 120, extra: dict | None = None) -> go.Figure:
    """Title, axis titles with units, large fonts, a source annotation and the legend on top;
    returns a new figure (built in one step: ~0.5 ms instead of ~30 ms of layout updates).
    `width_hint` is the narrowest width [px] the chart is shown at (for legend and source
    wrapping); `extra` is merged into the layout last."""
    rows = legend_rows(fig, width_hint - 160) if legend else 0
    source = wrap_source(source, width_hint)
    bottom += 18 * source.count("<br>")
    axis = dict(title=dict(font=dict(size=BASE_FONT_SIZE, color="#1a1a1a")), automargin=True,
                showline=True, linecolor="#444", tickfont=dict(size=BASE_FONT_SIZE - 3))
    layout = fig.layout.to_plotly_json()
    _merge(layout, dict(
        template=_TEMPLATE,
        title=dict(text=title, x=0.01, xanchor="left", y=0.97, yanchor="top", yref="container",
                   font=dict(size=BASE_FONT_SIZE + 6)),
        font=dict(family=FONT, size=BASE_FONT_SIZE, color="#1a1a1a"),
        height=height,
        margin=dict(l=90, r=40, t=80 + 30 * rows, b=bottom),
        showlegend=legend,
        legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom",
                    font=dict(size=BASE_FONT_SIZE - 2), bgcolor="rgba(255,255,255,0)"),
        hoverlabel=dict(font=dict(size=BASE_FONT_SIZE - 2)),
        xaxis=_merge(json_copy(axis), dict(title=dict(text=x_title))),
        yaxis=_merge(json_copy(axis), dict(title=dict(text=y_title))),
        meta={"title": title, "source": source},
    ))
    layout["annotations"] = list(layout.get("annotations", [])) + [dict(
        text=source, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
        yshift=-(bottom - 45), showarrow=False, align="left",
        font=dict(size=BASE_FONT_SIZE - 5, color="#555"), name="source")]
    if extra:
        _merge(layout, extra)
    return go.Figure(data=fig.data, layout=layout, _validate=False)


def json_copy(value: dict) -> dict:
    return {k: json_copy(v) if isinstance(v, dict) else v for k, v in value.items()}


def export_layout(fig: go.Figure) -> go.Figure:
    """A copy sized for a 1600x900 slide."""
    out = go.Figure(fig)
    out.update_layout(width=EXPORT_WIDTH, height=EXPORT_HEIGHT)
    return out


def _months(index) -> list:
    return list(pd.DatetimeIndex(index).to_pydatetime())


# ---------------------------------------------------------------------------------------------
# Race overview


def compute_race(frame: pd.DataFrame, source: str, log_y: bool = True,
                 events: pd.DataFrame | None = None, title: str | None = None,
                 height: int = SCREEN_HEIGHT, y_title: str | None = None,
                 label_ends: bool = True, width_hint: int = 1300) -> go.Figure:
    """U.S. vs China installed compute over time, with the no-controls China line."""
    unit = frame.attrs.get("unit", "H100e")
    kind = frame.attrs.get("kind", "total")
    x = _months(frame.index)
    fig = _new_figure()
    fig.add_trace(go.Scatter(x=x, y=frame["us"], name="U.S.", line=dict(color=US, width=4)))
    fig.add_trace(go.Scatter(x=x, y=frame["china"], name="China",
                             line=dict(color=CHINA, width=4)))
    if "china_no_controls" in frame:
        fig.add_trace(go.Scatter(x=x, y=frame["china_no_controls"],
                                 name="China, no export controls",
                                 line=dict(color=CHINA, width=2.5, dash="dot")))
    if events is not None and len(events):
        add_events(fig, events, legend=width_hint >= 1000,
                   min_gap_days=75 if width_hint >= 1000 else 150)
    fig.update_layout(yaxis_type="log" if log_y else "linear",
                      xaxis_range=[x[0], x[-1]] if x else None)
    if log_y:
        set_log_ticks(fig, frame.to_numpy())
    if label_ends and len(frame):
        _label_ends(fig, frame, unit)
    return finish(fig, title or f"AI compute installed, U.S. vs China ({kind})", "Month",
                  (y_title or f"Installed compute [{unit}]") + (" (log scale)" if log_y else ""),
                  source, height=height, width_hint=width_hint, extra=dict(margin=dict(r=150)))


def log_ticks(low: float, high: float) -> list[float]:
    """Tick values for a log axis from low to high: 1, 2, 5 in each decade (only powers of
    ten over more than three decades), each labelled in full (Plotly's own minor labels
    show 0.5 as '5'). One tick either side of the data is kept, since the axis pads its range
    and Plotly only draws the ticks that fall inside it."""
    first, last = int(np.floor(np.log10(low))), int(np.ceil(np.log10(high)))
    steps = (1, 2, 5) if last - first <= 3 else (1,)
    ticks = [m * 10.0 ** e for e in range(first, last + 1) for m in steps]
    inside = [t for t in ticks if low <= t <= high]
    if len(inside) < 2:
        return []  # a narrow range: Plotly's own ticks
    below = [t for t in ticks if t < low][-1:]
    above = [t for t in ticks if t > high][:1]
    return below + inside + above


def set_log_ticks(fig: go.Figure, values) -> None:
    """Full labels on a log y axis (see log_ticks) for the range of the plotted values."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    if values.size:
        ticks = log_ticks(float(values.min()), float(values.max()))
        if ticks:
            fig.update_yaxes(tickvals=ticks, ticktext=[_short(v) for v in ticks])


def _short(value: float) -> str:
    for size, suffix in ((1e24, "Y"), (1e21, "Z"), (1e18, "E"), (1e15, "P"), (1e12, "T"),
                         (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def _label_ends(fig: go.Figure, frame: pd.DataFrame, unit: str) -> None:
    """Annotate the last value of each line at the right edge (readable on a slide)."""
    last = frame.index[-1]
    names = {"us": ("U.S.", US), "china": ("China", CHINA),
             "china_no_controls": ("China, no controls", CHINA)}
    values = {c: float(frame[c].iloc[-1]) for c in names if c in frame}
    ordered = sorted(values, key=values.get)
    shifts, previous = {}, None
    for column in ordered:  # nudge labels apart when two end values are close
        close = previous is not None and values[previous] > 0 and \
            values[column] / max(values[previous], 1e-300) < 1.6
        shifts[column] = (shifts.get(previous, 0) + 22) if close else 0
        previous = column
    for column, value in values.items():
        label, colour = names[column]
        fig.add_annotation(x=last, y=np.log10(value) if fig.layout.yaxis.type == "log"
                           and value > 0 else value, text=f"{_short(value)}",
                           xanchor="left", xshift=6, yshift=shifts[column], showarrow=False,
                           font=dict(color=colour, size=BASE_FONT_SIZE - 2), name=column)


def add_events(fig: go.Figure, events: pd.DataFrame, legend: bool = True,
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
    fig.update_layout(shapes=list(fig.layout.shapes) + shapes)  # one update, not one per line
    fig.add_trace(go.Scatter(
        x=list(events["date"]), y=heights,
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
    fig = _new_figure()
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
    fig = _new_figure(go.Waterfall(
        x=list(frame["step"]), y=list(frame["value"]), measure=list(frame["kind"]),
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
    return finish(fig, f"What moves the race gap: {label} at end {year}, by lever group",
                  "Lever group (blue widens the gap, vermillion narrows it)",
                  f"{label} [{unit}]", source, height=height, legend=False)


# ---------------------------------------------------------------------------------------------
# Supply channels


def channel_area(frame: pd.DataFrame, source: str, height: int = SCREEN_HEIGHT,
                 title: str = "China's installed AI compute by supply channel",
                 width_hint: int = 1300) -> go.Figure:
    x = _months(frame.index)
    fig = _new_figure()
    for column in frame.columns:
        fig.add_trace(go.Scatter(x=x, y=frame[column], name=column, stackgroup="one",
                                 mode="lines", line=dict(width=0.5,
                                                         color=CHANNEL_COLOURS.get(column, GREY)),
                                 fillcolor=CHANNEL_COLOURS.get(column, GREY)))
    return finish(fig, title, "Month", "Installed compute [H100e]", source, height=height,
                  width_hint=width_hint)


def funnel(frame: pd.DataFrame, source: str, height: int = SCREEN_HEIGHT) -> go.Figure:
    """The SMIC-to-Ascend funnel for one month. Stages have different units (wafers, dies,
    packages), so each stage's number and unit is written in its label, not inside the bar."""
    month = frame.attrs.get("month", "")
    binding = frame.attrs.get("binding", "")
    labels = [f"{stage}<br><b>{value:,.0f}</b> {unit}"
              for stage, value, unit in zip(frame["stage"], frame["value"], frame["unit"],
                                          strict=True)]
    fig = _new_figure(go.Funnel(
        y=labels, x=list(frame["value"]), textinfo="none",
        marker=dict(color=["#56B4E9"] * 3 + ["#009E73", CHINA]),
        connector=dict(fillcolor="#e8e8e8"),
        hovertemplate="%{y}<extra></extra>",
    ))
    return finish(fig, f"SMIC-to-Ascend funnel, {month}: binding constraint is {binding}",
                  "Quantity per month [wafers, dies or packages, as labelled]", "Stage", source,
                  height=height, legend=False,
                  extra=dict(yaxis=dict(showline=False, tickfont=dict(size=BASE_FONT_SIZE - 2)),
                             margin=dict(l=40)))


def legal_vs_smuggled(frame: pd.DataFrame, source: str, height: int = SCREEN_HEIGHT) -> go.Figure:
    unit = frame.attrs.get("unit", "chips/yr")
    fig = _new_figure()
    for column in frame.columns:
        fig.add_trace(go.Bar(x=list(frame.index), y=frame[column], name=column,
                             marker_color=CHANNEL_COLOURS.get(column, GREY)))
    fig.update_layout(barmode="group")
    return finish(fig, "Nvidia chips reaching China: legal exports vs smuggling", "Year",
                  f"Chips arriving [{unit}]", source, height=height)


# ---------------------------------------------------------------------------------------------
# Chip tiers


def tier_scatter(frame: pd.DataFrame, source: str, tpp_threshold: float,
                 preset_threshold: float | None = None, height: int = SCREEN_HEIGHT,
                 date_label: str = "") -> go.Figure:
    """Chips on TPP vs performance density with the 2022/2023 rule regions and the 2026
    licensing line. Chips without a die area are not plotted (listed separately)."""
    known = frame[frame["performance_density"].notna() & frame["tpp"].notna()]
    fig = _new_figure()
    x_max = max(float(known["tpp"].max()) * 1.15, tpp_threshold * 1.1, 25000)
    y_max = max(float(known["performance_density"].max()) * 1.15, 12)
    # Oct 2023 rule: TPP >= 4800, or TPP >= 1600 with PD >= 5.92 needs a license
    fig.add_shape(type="rect", x0=4800, x1=x_max, y0=0, y1=y_max, fillcolor="#D55E00",
                  opacity=0.07, line_width=0, layer="below")
    fig.add_shape(type="rect", x0=1600, x1=4800, y0=5.92, y1=y_max, fillcolor="#D55E00",
                  opacity=0.07, line_width=0, layer="below")
    # gray zones (notification)
    fig.add_shape(type="rect", x0=2400, x1=4800, y0=1.6, y1=5.92, fillcolor="#CC79A7",
                  opacity=0.12, line_width=0, layer="below")
    fig.add_shape(type="rect", x0=4800, x1=x_max, y0=3.2, y1=5.92, fillcolor="#CC79A7",
                  opacity=0.0, line=dict(color="#CC79A7", width=1, dash="dot"), layer="below")
    fig.add_annotation(x=4800, y=y_max, text="Oct 2023 rule: licence needed (shaded)",
                       xanchor="left", yanchor="top", xshift=4, showarrow=False,
                       font=dict(size=BASE_FONT_SIZE - 4, color="#8a3a00"))
    # Oct 2022 rule line (TPP 4800 with I/O >= 600 GB/s)
    fig.add_shape(type="line", x0=4800, x1=4800, y0=0, y1=y_max, line=dict(color="#444",
                                                                          width=2, dash="dash"))
    fig.add_annotation(x=4800, y=y_max * 0.62,
                       text="Oct 2022 rule:<br>TPP 4,800 with<br>I/O ≥ 600 GB/s",
                       xanchor="right", xshift=-4, showarrow=False, align="right",
                       font=dict(size=BASE_FONT_SIZE - 5))
    if preset_threshold is not None and preset_threshold != tpp_threshold:
        fig.add_shape(type="line", x0=preset_threshold, x1=preset_threshold, y0=0, y1=y_max,
                      line=dict(color=GREY, width=2, dash="dot"))
        fig.add_annotation(x=preset_threshold, y=y_max * 0.55,
                           text=f"preset line<br>TPP {preset_threshold:,.0f}",
                           xanchor="left", showarrow=False, font=dict(size=BASE_FONT_SIZE - 5,
                                                                     color=GREY))
    fig.add_shape(type="line", x0=tpp_threshold, x1=tpp_threshold, y0=0, y1=y_max,
                  line=dict(color=US, width=3))
    fig.add_annotation(x=tpp_threshold, y=y_max * 0.35,
                       text=f"2026 licensing line<br>(from Jan 2026)<br>TPP {tpp_threshold:,.0f}",
                       xanchor="left",
                       showarrow=False, font=dict(size=BASE_FONT_SIZE - 4, color=US))
    for tier_name, colour in TIER_COLOURS.items():
        part = known[known["tier"] == tier_name]
        if part.empty:
            continue
        # chips at (nearly) the same point share one marker and one label
        part = part.assign(_x=(part["tpp"] / 200).round(), _y=(part["performance_density"]
                                                               / 0.3).round())
        part = part.groupby(["_x", "_y"], as_index=False).agg(
            tpp=("tpp", "mean"), performance_density=("performance_density", "mean"),
            name=("name", lambda names: " / ".join(n.replace(" SXM", "").replace(" 80GB", "")
                                                   for n in names)))
        fig.add_trace(go.Scatter(
            x=part["tpp"], y=part["performance_density"], mode="markers+text", name=tier_name,
            text=part["name"], textposition="top center",
            textfont=dict(size=BASE_FONT_SIZE - 5),
            marker=dict(size=14, color=colour, line=dict(color="white", width=1),
                        symbol="diamond" if tier_name == "Chinese domestic" else "circle"),
            hovertemplate="<b>%{text}</b><br>TPP %{x:,.0f}<br>PD %{y:.2f}<extra></extra>",
        ))
    fig.update_xaxes(range=[0, x_max])
    fig.update_yaxes(range=[0, y_max])
    return finish(fig, f"Chips by export tier{(' ' + date_label) if date_label else ''}",
                  "Total processing performance [TPP]",
                  "Performance density [TPP/mm²]", source, height=height)


def chip_h100e_bars(frame: pd.DataFrame, source: str, height: int = SCREEN_HEIGHT) -> go.Figure:
    fig = _new_figure()
    fig.add_trace(go.Bar(x=frame["name"], y=frame["training_h100e"], name="Training",
                         marker_color="#0072B2"))
    fig.add_trace(go.Bar(x=frame["name"], y=frame["inference_h100e"], name="Inference",
                         marker_color="#56B4E9"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickangle=-35)
    return finish(fig, "Chip performance in H100-equivalents, training vs inference", "Chip",
                  "Per chip [H100e]", source, height=height + 80, bottom=230)


# ---------------------------------------------------------------------------------------------
# Compare


def compare_compute(us: pd.DataFrame, china: pd.DataFrame, source: str, log_y: bool = True,
                    height: int = SCREEN_HEIGHT) -> go.Figure:
    """Several scenarios: U.S. blue and China vermillion throughout, one dash per scenario."""
    fig = _new_figure()
    for i, name in enumerate(china.columns):
        dash = SCENARIO_DASHES[i % len(SCENARIO_DASHES)]
        fig.add_trace(go.Scatter(x=_months(china.index), y=china[name], name=f"China: {name}",
                                 line=dict(color=CHINA, width=3, dash=dash)))
    for i, name in enumerate(us.columns):
        dash = SCENARIO_DASHES[i % len(SCENARIO_DASHES)]
        fig.add_trace(go.Scatter(x=_months(us.index), y=us[name], name=f"U.S.: {name}",
                                 line=dict(color=US, width=3, dash=dash)))
    fig.update_layout(yaxis_type="log" if log_y else "linear")
    if log_y:
        set_log_ticks(fig, np.concatenate([us.to_numpy().ravel(), china.to_numpy().ravel()]))
    return finish(fig, "AI compute installed, scenarios compared", "Month",
                  "Installed compute [H100e]" + (" (log scale)" if log_y else ""), source,
                  height=height + 60)


def compare_series(frame: pd.DataFrame, title: str, y_title: str, source: str,
                   height: int = SCREEN_HEIGHT) -> go.Figure:
    fig = _new_figure()
    for i, name in enumerate(frame.columns):
        fig.add_trace(go.Scatter(x=_months(frame.index), y=frame[name], name=name,
                                 line=dict(color=SCENARIO_COLOURS[i % 4], width=3,
                                           dash=SCENARIO_DASHES[i % 4])))
    return finish(fig, title, "Month", y_title, source, height=height)


# ---------------------------------------------------------------------------------------------
# Every standard chart of one scenario (the briefing pack)


def standard_charts(result, waterfall_frame: pd.DataFrame | None, source_text: str,
                    year: int | None = None) -> dict[str, tuple[go.Figure, pd.DataFrame]]:
    from . import dashboard_data as dd

    last = dd.last_year(result)
    year = min(year or 2027, last)
    values = result.scenario.values()
    out = {}
    frame = dd.compute_over_time(result, "total")
    out["compute_race"] = (compute_race(frame, source_text, events=dd.events_frame()), frame)
    frame = dd.compute_over_time(result, effective=True)
    out["effective_compute_race"] = (compute_race(frame, source_text), frame)
    if waterfall_frame is not None:
        out["race_gap_waterfall"] = (waterfall(waterfall_frame, source_text), waterfall_frame)
    frame = dd.channel_stock(result)
    out["china_compute_by_channel"] = (channel_area(frame, source_text), frame)
    frame = dd.funnel(result, dd.month_index(result, year))
    out["ascend_funnel"] = (funnel(frame, source_text), frame)
    frame = dd.channel_arrivals_yearly(result)
    out["legal_vs_smuggled"] = (legal_vs_smuggled(frame, source_text), frame)
    frame = dd.tiers(dd.TIER_DATES["2026 licensing (Jun 2026)"], values["export_tpp_threshold"],
                     values["export_bw_threshold_gbps"])
    out["chip_tiers"] = (tier_scatter(frame, source_text, values["export_tpp_threshold"]),
                         frame[["name", "tpp", "performance_density", "tier"]])
    frame = dd.chip_h100e()
    out["chip_h100e"] = (chip_h100e_bars(frame, source_text), frame)
    return out


def key_events(fig: go.Figure, events: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
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
    fig.update_layout(shapes=list(fig.layout.shapes) + shapes,
                      annotations=list(fig.layout.annotations) + annotations)
    return fig


def mark_year(fig: go.Figure, x, label: str) -> go.Figure:
    """A labelled vertical line (e.g. the headline year) on a time chart."""
    fig.add_shape(type="line", x0=x, x1=x, xref="x", yref="paper", y0=0, y1=1,
                  line=dict(color="#333", width=2, dash="dash"))
    fig.add_annotation(x=x, y=1, xref="x", yref="paper", text=label, showarrow=False,
                       xanchor="right", yanchor="top", xshift=-4,
                       font=dict(size=BASE_FONT_SIZE - 2, color="#333"))
    return fig
