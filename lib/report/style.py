"""The house style every figure shares: colours (Okabe-Ito, colour-blind safe; the U.S. and
China keep theirs everywhere), fonts, the frame (title, units, wrapped source line, legend
placement), log ticks and the source line itself. Never imports Streamlit.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from lib.core.data import table
from lib.core.registry import registry
from lib.core.runs import Result
from lib.core.scenario import Scenario, presets
from lib.report import textfit

US = "#0072B2"  # blue


CHINA = "#D55E00"  # vermillion


GREY = "#7F7F7F"


SIDE_COLOURS = {"us": US, "china": CHINA}  # keyed by lib/core/outputs.py Output.side


# A parameter at the low and the high end of its range (tornado bars): ColorBrewer's PRGn
# diverging pair (colorbrewer2.org, marked colour-blind safe), hues far from the U.S. blue and
# China vermillion so that a bar never reads as a side.
LOW_END = "#7B3294"  # purple


HIGH_END = "#008837"  # green


CHANNEL_COLOURS = {  # keyed by channel id (lib/core/outputs.py CHANNELS), never by label
    "legal": "#E69F00",  # orange
    "smuggled": "#CC79A7",  # reddish purple
    "tsmc_dies": "#009E73",  # bluish green
    "smic": "#56B4E9",  # sky blue
    "domestic_other": "#0072B2",  # blue
    "offshore": "#D55E00",  # vermillion
    "no_controls": "#999999",
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


LEGEND_ROW_HEIGHT = 30  # [px]


MODEL_SOURCE = "Chokepoint model"


def _template() -> dict:
    """plotly_white with trace defaults only for the trace types drawn here: the rest (maps,
    3-D, contours) was 60% of its size, and every chart carries, copies and sends it."""
    template = pio.templates["plotly_white"].to_plotly_json()
    drawn = ("scatter", "bar", "histogram", "waterfall", "funnel")
    return {"layout": template["layout"],
            "data": {kind: traces for kind, traces in template["data"].items() if kind in drawn}}


TEMPLATE = _template()


def new_figure(*traces) -> go.Figure:
    """An empty figure that skips Plotly's per-property validation while it is built: the
    builders below set dozens of shapes and annotations, and validating each one costs more
    than the model run (~90 ms vs ~15 ms per chart). The test suite checks the results."""
    fig = go.Figure(_validate=False)
    for trace in traces:
        fig.add_trace(trace)
    return fig


class Draft:
    """A figure under construction as plain dicts: traces as {"type": "scatter", ...} and a
    layout dict. Setting properties on a go.Figure validates each one, which cost more than
    the model run (15-35 ms per chart, ~1 ms as dicts); finish() turns a draft into a
    go.Figure in one unvalidated step. Only the few go.Figure methods the builders use."""

    def __init__(self, *traces: dict):
        self.data = [dict(trace) for trace in traces]
        self.layout: dict = {}

    def add_trace(self, trace: dict) -> Draft:
        self.data.append(trace)
        return self

    def update_layout(self, **props) -> Draft:
        merge_layout(self.layout, json_copy(props))
        return self

    def update_yaxes(self, **props) -> Draft:
        return self.update_layout(yaxis=props)

    def add_shape(self, **shape) -> Draft:
        self.layout.setdefault("shapes", []).append(shape)
        return self

    def add_annotation(self, **annotation) -> Draft:
        self.layout.setdefault("annotations", []).append(annotation)
        return self


def add_layout_items(fig: go.Figure | Draft, shapes: list[dict] = (),
                     annotations: list[dict] = ()) -> None:
    """Append shapes and annotations in one step (one validated update on a go.Figure)."""
    if isinstance(fig, Draft):
        fig.layout.setdefault("shapes", []).extend(shapes)
        fig.layout.setdefault("annotations", []).extend(annotations)
    else:
        fig.update_layout(shapes=list(fig.layout.shapes) + list(shapes),
                          annotations=list(fig.layout.annotations) + list(annotations))


def y_is_log(fig: go.Figure | Draft) -> bool:
    if isinstance(fig, Draft):
        return fig.layout.get("yaxis", {}).get("type") == "log"
    return fig.layout.yaxis.type == "log"


def source_line(scenario_label: str, data_date: dt.date | str, extra: str = "") -> str:
    text = f"Source: {MODEL_SOURCE}, scenario: {scenario_label}; data as of {data_date}"
    return f"{text}. {extra}" if extra else text + "."


def scenario_source(scenario: Scenario, extra: str = "") -> str:
    """The source line of a chart drawn from one scenario."""
    return source_line(scenario_label(scenario), data_date(), extra)


def legend_rows(fig: go.Figure, width: int) -> int:
    """Rows a horizontal legend needs at a plot width [px] (estimated from label lengths)."""
    traces = [t if isinstance(t, dict) else {"name": t.name, "showlegend": t.showlegend}
              for t in fig.data]
    items = [t["name"] for t in traces if t.get("showlegend") is not False and t.get("name")]
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
    return "<br>".join(textfit.wrap(text, width - 120, BASE_FONT_SIZE - 5))


def wrap_title(text: str, width: int) -> str:
    """Break a long chart title (<br>) so it fits a chart `width` [px] wide."""
    return "<br>".join(textfit.wrap(text, width - 40, BASE_FONT_SIZE + 6))


def merge_layout(base: dict, extra: dict) -> dict:
    """Deep-merge `extra` into `base` (in place)."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge_layout(base[key], value)
        else:
            base[key] = value
    return base


# [px] the main column's narrowest width: a 1280 px projector with the sidebar open. Legends
# and source lines are laid out for it (Plotly cannot re-wrap text when a chart is resized).
MAIN_WIDTH = 800


def finish(fig: go.Figure | Draft, title: str, x_title: str, y_title: str, source: str,
           height: int = SCREEN_HEIGHT, legend: bool = True,
           width_hint: int = MAIN_WIDTH, bottom: int = 120, extra: dict | None = None,
           legend_width: int | None = None) -> go.Figure:
    """Title, axis titles with units, large fonts, a source annotation and the legend on top;
    returns a new figure (built in one step: ~0.5 ms instead of ~30 ms of layout updates).
    A Draft's layout is used up (merged into).
    `width_hint` is the narrowest width [px] the chart is shown at (for title, legend and
    source wrapping); `legend_width` the plot area's width [px] there, if wide tick labels
    make it narrower than usual (Plotly wraps a top legend at the plot area's width);
    `extra` is merged into the layout last."""
    rows = legend_rows(fig, legend_width or width_hint - 160) if legend else 0
    wrapped_title = wrap_title(title, width_hint)
    title_lines = wrapped_title.count("<br>")
    source = wrap_source(source, width_hint)
    source_top = bottom - 45  # [px] below the plot: clear of tick labels and the axis title
    bottom += 18 * source.count("<br>")  # each further line of the source grows the margin
    axis = dict(title=dict(font=dict(size=BASE_FONT_SIZE, color="#1a1a1a")), automargin=True,
                showline=True, linecolor="#444", tickfont=dict(size=BASE_FONT_SIZE - 3))
    layout = fig.layout if isinstance(fig, Draft) else fig.layout.to_plotly_json()
    merge_layout(layout, dict(
        template=TEMPLATE,
        title=dict(text=wrapped_title, x=0.01, xanchor="left", y=1, yanchor="top", yref="container",
                   pad=dict(t=16 + 14 * title_lines),
                   font=dict(size=BASE_FONT_SIZE + 6)),
        font=dict(family=FONT, size=BASE_FONT_SIZE, color="#1a1a1a"),
        height=height,
        margin=dict(l=90, r=40, t=80 + LEGEND_ROW_HEIGHT * rows + 28 * title_lines, b=bottom),
        showlegend=legend,
        legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom",
                    font=dict(size=BASE_FONT_SIZE - 2), bgcolor="rgba(255,255,255,0)"),
        hoverlabel=dict(font=dict(size=BASE_FONT_SIZE - 2)),
        xaxis=merge_layout(json_copy(axis), dict(title=dict(text=x_title))),
        yaxis=merge_layout(json_copy(axis), dict(title=dict(text=y_title))),
        meta={"title": title, "source": source},
    ))
    layout["annotations"] = list(layout.get("annotations", [])) + [dict(
        text=source, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
        yshift=-source_top, showarrow=False, align="left",
        font=dict(size=BASE_FONT_SIZE - 5, color="#555"), name="source")]
    if extra:
        merge_layout(layout, extra)
    return go.Figure(data=fig.data, layout=layout, _validate=False)


def json_copy(value: dict) -> dict:
    return {k: json_copy(v) if isinstance(v, dict) else v for k, v in value.items()}


def export_layout(fig: go.Figure, width: int = EXPORT_WIDTH,
                  height: int = EXPORT_HEIGHT) -> go.Figure:
    """A copy sized for export (by default a 1600x900 chart)."""
    out = go.Figure(fig)
    out.update_layout(width=width, height=height)
    return out


def add_baseline_column(frame: pd.DataFrame, column: str, baseline: Result,
                        values) -> None:
    """`frame[column]`: a baseline's monthly `values` on the frame's months (NaN past the
    baseline's horizon); the frame's attrs name the baseline."""
    frame[column] = pd.Series(np.asarray(values), index=baseline.months).reindex(frame.index)
    frame.attrs["baseline"] = scenario_label(baseline.scenario)


def month_axis(index) -> list[str]:
    """Dates as the ISO text Plotly would write for them: a datetime costs a deep copy and a
    trip through Plotly's JSON encoder fallbacks per point, every time a chart is drawn."""
    return list(pd.DatetimeIndex(index).strftime("%Y-%m-%dT%H:%M:%S"))


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
            fig.update_yaxes(tickvals=ticks, ticktext=[short_number(v) for v in ticks])


def short_number(value: float) -> str:
    for size, suffix in ((1e24, "Y"), (1e21, "Z"), (1e18, "E"), (1e15, "P"), (1e12, "T"),
                         (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def mark_year(fig: go.Figure | Draft, x, label: str) -> go.Figure | Draft:
    """A labelled vertical line (e.g. the headline year) on a time chart."""
    fig.add_shape(type="line", x0=x, x1=x, xref="x", yref="paper", y0=0, y1=1,
                  line=dict(color="#333", width=2, dash="dash"))
    fig.add_annotation(x=x, y=1, xref="x", yref="paper", text=label, showarrow=False,
                       xanchor="right", yanchor="top", xshift=-4,
                       font=dict(size=BASE_FONT_SIZE - 2, color="#333"))
    return fig


def fan_start() -> pd.Timestamp:
    """The first month a fan of Monte Carlo draws is drawn for: the month of the data date.
    Before it the record is known, so a chart draws history as one line, not as a band."""
    date = data_date()
    return pd.Timestamp(date.year, date.month, 1)


def after_history(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a monthly frame from the fan's start on (see fan_start)."""
    return frame.loc[pd.DatetimeIndex(frame.index) >= fan_start()]


def mark_fan_start(fig: go.Figure | Draft, xref: str = "x", top: bool = True) -> None:
    """A dotted line where the fan starts, labelled at the top of the plot (clear of the
    legend above it, of the labels at the right edge and, as fans widen with time, mostly of
    the band) or, where the top holds other labels, at its foot."""
    x = month_axis([fan_start()])[0]
    note = dict(x=x, y=1 if top else 0, xref=xref, yref="paper",
                yanchor="top" if top else "bottom", yshift=-2 if top else 2, showarrow=False,
                font=dict(size=BASE_FONT_SIZE - 5, color="#555"), name="fan_start",
                bgcolor="rgba(255,255,255,0.8)")
    add_layout_items(fig, shapes=[dict(
        type="line", x0=x, x1=x, xref=xref, yref="paper", y0=0, y1=1, name="fan_start",
        line=dict(color="#555", width=1.5, dash="dot"))], annotations=[
            dict(note, text="record", xanchor="right", xshift=-4),
            dict(note, text=f"drawn from {data_date():%b %Y}", xanchor="left", xshift=4)])


def rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def preset_label(name: str) -> str:
    return presets()[name].label if name in presets() else name


def scenario_label(scenario: Scenario) -> str:
    label = preset_label(scenario.preset)
    n = len(scenario.overrides)
    return label if n == 0 else f"{label} + {n} change{'s' if n != 1 else ''}"


@cache
def data_date() -> dt.date:
    """The newest source date behind the parameters and the events table (settings such as
    the horizon are design choices, not sources: they do not count)."""
    dates = [p.source_date for p in registry() if p.role is None]
    for value in table("events.csv")["source_date"]:
        dates.extend(value if isinstance(value, (list, tuple)) else [value])
    return max(d for d in dates if isinstance(d, dt.date))
