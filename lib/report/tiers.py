"""Chip tiers: every chip against the export-rule regions in force at a date, a hypothetical
threshold's effect, and chip specs (tables and figures).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.core.chips import ESTIMATE_PREFIX, chip_table, tier_table
from lib.core.runs import Result, run
from lib.core.scenario import Scenario, presets
from lib.report.style import (
    BASE_FONT_SIZE,
    GREY,
    MAIN_WIDTH,
    SCREEN_HEIGHT,
    TIER_COLOURS,
    US,
    finish,
    log_ticks,
    new_figure,
    short_number,
)

TIER_DATES = {
    "Before controls (Jun 2022)": dt.date(2022, 6, 15),
    "Oct 2022 rule (Jun 2023)": dt.date(2023, 6, 15),
    "Oct 2023 rule (Jun 2024)": dt.date(2024, 6, 15),
    "2026 licensing (Jun 2026)": dt.date(2026, 6, 15),
}


@lru_cache(maxsize=128)
def _tiers(date: dt.date, tpp_threshold: float, bw_threshold_gbps: float) -> pd.DataFrame:
    return tier_table(date, tpp_threshold, bw_threshold_gbps)


def tier_frame(date: dt.date, tpp_threshold: float, bw_threshold_gbps: float) -> pd.DataFrame:
    """Every chip with its export tier on `date` under the given licensing line (a copy)."""
    return _tiers(date, float(tpp_threshold), float(bw_threshold_gbps)).copy()


def tier_changes(date: dt.date, scenario: Scenario) -> pd.DataFrame:
    """Chips whose tier differs between the preset's thresholds and the scenario's."""
    base = presets()[scenario.preset]
    base_values = Scenario.build(scenario.preset).values()
    values = scenario.values()
    before = tier_frame(date, base_values["export_tpp_threshold"],
                   base_values["export_bw_threshold_gbps"])
    after = tier_frame(date, values["export_tpp_threshold"], values["export_bw_threshold_gbps"])
    changed = before["tier"] != after["tier"]
    out = pd.DataFrame({"chip": before.loc[changed, "name"],
                        "tier under preset": before.loc[changed, "tier"],
                        "tier under this scenario": after.loc[changed, "tier"]})
    out.attrs["preset"] = base.label
    return out.reset_index(drop=True)


def chip_specs() -> pd.DataFrame:
    cols = ["name", "vendor", "origin", "year", "node", "die_area_mm2", "die_area_estimate_mm2",
            "die_area_estimate_source", "die_area_estimate_date", "tpp", "performance_density",
            "bf16_dense_tflops", "fp8_tflops", "memory_gb", "memory_bw_tbps", "io_gbps", "h100e",
            "inference_h100e", "h100e_basis", "inference_basis", "china_status", "source",
            "source_date"]
    frame = chip_table()[cols].copy()
    frame["source_date"] = frame["source_date"].map(
        lambda v: "; ".join(str(d) for d in v) if isinstance(v, (list, tuple)) else str(v))
    return frame


def chip_table_ids() -> list[str]:
    return list(chip_table()["chip_id"])


def chip_h100e() -> pd.DataFrame:
    frame = chip_table()[["name", "origin", "h100e", "inference_h100e"]]
    return frame[frame["h100e"].notna() | frame["inference_h100e"].notna()] \
        .reset_index(drop=True)


def preset_result(scenario: Scenario) -> Result:
    return run(Scenario.build(scenario.preset))


TPP_FLOOR, PD_FLOOR = 1000, 1.0  # [TPP], [TPP/mm²]: the log axes' lower ends, below every rule


def _log(value: float) -> float:
    """An annotation's position on a log axis (Plotly takes log10 there; shapes and traces
    take the value itself)."""
    return float(np.log10(value))


def _chip_points(part: pd.DataFrame) -> pd.DataFrame:
    """Chips at (nearly) the same point share one marker and one label; chips plotted with an
    estimated die area never share one with chips whose area is published."""
    part = part.assign(_x=(np.log10(part["tpp"]) / 0.02).round(),
                       _y=(np.log10(part["performance_density"]) / 0.03).round(),
                       _note=[_die_note(row) for row in part.itertuples()])
    return part.groupby(["_x", "_y", "die_area_estimated"], as_index=False).agg(
        tpp=("tpp", "mean"), performance_density=("performance_density", "mean"),
        name=("name", lambda names: " / ".join(n.replace(" SXM", "").replace(" 80GB", "")
                                               for n in names)),
        note=("_note", "<br>".join))


def _die_note(row) -> str:
    """The hover's line on the die area: published, or the estimate with its derivation."""
    if not row.die_area_estimated:
        return f"die area {row.die_area_mm2:,.0f} mm² (published)"
    how = row.die_area_estimate_source.split(". ")[0]  # 'Estimate: 2 dies x 800 mm^2'
    return (f"die area {row.die_area_estimate_mm2:,.0f} mm², an estimate "
            f"({how.removeprefix(ESTIMATE_PREFIX).strip()}; {row.die_area_estimate_date})")


LABEL_PLACES = ("top center", "bottom center", "middle right", "middle left", "top right",
                "top left", "bottom right", "bottom left")


def _label_places(points: list[tuple[float, float, str]], width: float, height: float
                  ) -> list[str]:
    """A text position for each marker's label (one of LABEL_PLACES), chosen in turn to cover
    as little as possible of the labels and markers placed before it and to stay inside the
    plot. `points` are (x, y, text) as fractions of a plot `width` x `height` [px]."""
    char, line, gap, radius = 0.55 * (BASE_FONT_SIZE - 5), BASE_FONT_SIZE - 2, 9, 8
    centres = [(x * width, y * height) for x, y, _ in points]
    taken = [(cx - radius, cy - radius, cx + radius, cy + radius) for cx, cy in centres]
    places = []
    for (cx, cy), (_, _, text) in zip(centres, points, strict=True):
        w = char * len(text)
        left, right = (cx - w / 2, cx + w / 2)
        above, below = (cy + gap, cy + gap + line), (cy - gap - line, cy - gap)
        boxes = {"top center": (left, above[0], right, above[1]),
                 "bottom center": (left, below[0], right, below[1]),
                 "middle right": (cx + gap, cy - line / 2, cx + gap + w, cy + line / 2),
                 "middle left": (cx - gap - w, cy - line / 2, cx - gap, cy + line / 2),
                 "top right": (cx, above[0], cx + w, above[1]),
                 "top left": (cx - w, above[0], cx, above[1]),
                 "bottom right": (cx, below[0], cx + w, below[1]),
                 "bottom left": (cx - w, below[0], cx, below[1])}
        costs = {place: sum(_overlap(box, other) for other in taken)
                 + 100 * (max(0, -box[0]) + max(0, box[2] - width) + max(0, -box[1])
                          + max(0, box[3] - height))  # outside the plot
                 for place, box in boxes.items()}
        place = min(LABEL_PLACES, key=costs.get)  # the first of equals: above, if it is free
        taken.append(boxes[place])
        places.append(place)
    return places


def _overlap(a: tuple, b: tuple) -> float:
    """The area [px²] two boxes (x0, y0, x1, y1) share."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def tier_scatter(frame: pd.DataFrame, source: str, tpp_threshold: float,
                 preset_threshold: float | None = None, height: int = SCREEN_HEIGHT,
                 date_label: str = "", width_hint: int = MAIN_WIDTH) -> go.Figure:
    """Chips on TPP vs performance density (both log: the newest chips are ten times the
    oldest) with the 2022/2023 rule regions and the 2026 licensing line. Chips whose die
    area is an estimate (data/chips.csv) are open markers labelled "(die est.)"; chips with
    no die area at all are not plotted (listed separately)."""
    known = frame[frame["performance_density"].notna() & frame["tpp"].notna()]
    fig = new_figure()
    x_max = max(float(known["tpp"].max()) * 1.6, tpp_threshold * 1.3, 25000)
    y_max = max(float(known["performance_density"].max()) * 1.6, 12)
    x0, y0 = TPP_FLOOR, PD_FLOOR
    # Oct 2023 rule: TPP >= 4800, or TPP >= 1600 with PD >= 5.92 needs a license
    fig.add_shape(type="rect", x0=4800, x1=x_max, y0=y0, y1=y_max, fillcolor="#D55E00",
                  opacity=0.07, line_width=0, layer="below")
    fig.add_shape(type="rect", x0=1600, x1=4800, y0=5.92, y1=y_max, fillcolor="#D55E00",
                  opacity=0.07, line_width=0, layer="below")
    # gray zones (notification)
    fig.add_shape(type="rect", x0=2400, x1=4800, y0=1.6, y1=5.92, fillcolor="#CC79A7",
                  opacity=0.12, line_width=0, layer="below")
    fig.add_shape(type="rect", x0=4800, x1=x_max, y0=3.2, y1=5.92, fillcolor="#CC79A7",
                  opacity=0.0, line=dict(color="#CC79A7", width=1, dash="dot"), layer="below")
    fig.add_annotation(x=_log(4800), y=1, yref="paper",
                       text="Oct 2023 rule: licence needed (shaded)",
                       xanchor="left", yanchor="top", xshift=4, showarrow=False,
                       font=dict(size=BASE_FONT_SIZE - 4, color="#8a3a00"))
    # Oct 2022 rule line (TPP 4800 with I/O >= 600 GB/s)
    fig.add_shape(type="line", x0=4800, x1=4800, y0=y0, y1=y_max, line=dict(color="#444",
                                                                           width=2, dash="dash"))
    fig.add_annotation(x=_log(4800), y=0.75, yref="paper",
                       text="Oct 2022 rule:<br>TPP 4,800 with<br>I/O ≥ 600 GB/s",
                       xanchor="right", xshift=-4, showarrow=False, align="right",
                       font=dict(size=BASE_FONT_SIZE - 5))
    if preset_threshold is not None and preset_threshold != tpp_threshold:
        fig.add_shape(type="line", x0=preset_threshold, x1=preset_threshold, y0=y0, y1=y_max,
                      line=dict(color=GREY, width=2, dash="dot"))
        fig.add_annotation(x=_log(preset_threshold), y=0.55, yref="paper",
                           text=f"preset line<br>TPP {preset_threshold:,.0f}",
                           xanchor="left", showarrow=False, font=dict(size=BASE_FONT_SIZE - 5,
                                                                     color=GREY))
    fig.add_shape(type="line", x0=tpp_threshold, x1=tpp_threshold, y0=y0, y1=y_max,
                  line=dict(color=US, width=3))
    fig.add_annotation(x=_log(tpp_threshold), y=0.08, yref="paper",
                       text=f"2026 licensing line<br>(from Jan 2026)<br>TPP {tpp_threshold:,.0f}",
                       xanchor="left", yanchor="bottom", showarrow=False,
                       font=dict(size=BASE_FONT_SIZE - 4, color=US))
    groups = {tier_name: _chip_points(known[known["tier"] == tier_name])
              for tier_name in TIER_COLOURS if (known["tier"] == tier_name).any()}
    for points in groups.values():
        points["label"] = [f"{n} (die est.)" if e else n
                           for n, e in zip(points["name"], points["die_area_estimated"],
                                           strict=True)]
    span_x, span_y = _log(x_max) - _log(x0), _log(y_max) - _log(y0)
    every = [((_log(x) - _log(x0)) / span_x, (_log(y) - _log(y0)) / span_y, text)
             for points in groups.values()
             for x, y, text in zip(points["tpp"], points["performance_density"],
                                   points["label"], strict=True)]
    places = iter(_label_places(every, width_hint - 180, height - 220))
    for tier_name, points in groups.items():
        colour = TIER_COLOURS[tier_name]
        estimated = points["die_area_estimated"].to_numpy()
        symbol = "diamond" if tier_name == "Chinese domestic" else "circle"
        fig.add_trace(go.Scatter(  # the legend's entry: the tier's marker, filled
            x=[None], y=[None], mode="markers", name=tier_name, legendgroup=tier_name,
            meta="legend", hoverinfo="skip",
            marker=dict(size=14, color=colour, symbol=symbol, line=dict(color="white", width=1))))
        fig.add_trace(go.Scatter(
            x=points["tpp"], y=points["performance_density"], mode="markers+text",
            name=tier_name, text=points["label"], legendgroup=tier_name, showlegend=False,
            textposition=[next(places) for _ in range(len(points))],
            textfont=dict(size=BASE_FONT_SIZE - 5),
            customdata=points[["note"]].to_numpy(), meta=tier_name,
            marker=dict(size=14, color=colour,
                        symbol=[f"{symbol}-open" if e else symbol for e in estimated],
                        line=dict(color=[colour if e else "white" for e in estimated],
                                  width=[3 if e else 1 for e in estimated])),
            hovertemplate="<b>%{text}</b><br>TPP %{x:,.0f}<br>PD %{y:.2f} TPP/mm²"
                          "<br>%{customdata[0]}<extra></extra>",
        ))
    if known["die_area_estimated"].any():  # what an open marker means, in the legend
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="die area estimated",
                                 meta="legend", marker=dict(size=14, symbol="circle-open",
                                                            color=GREY, line=dict(width=3)),
                                 hoverinfo="skip"))
    x_ticks, y_ticks = log_ticks(x0, x_max), log_ticks(y0, y_max)
    fig.update_xaxes(type="log", range=[_log(x0), _log(x_max)], tickvals=x_ticks,
                     ticktext=[short_number(v) for v in x_ticks])
    fig.update_yaxes(type="log", range=[_log(y0), _log(y_max)], tickvals=y_ticks,
                     ticktext=[short_number(v) for v in y_ticks])
    return finish(fig, f"Chips by export tier{(' ' + date_label) if date_label else ''}",
                  "Total processing performance [TPP] (log scale)",
                  "Performance density [TPP/mm²] (log scale)", source, height=height,
                  width_hint=width_hint)


def chip_h100e_bars(frame: pd.DataFrame, source: str, height: int = SCREEN_HEIGHT) -> go.Figure:
    fig = new_figure()
    fig.add_trace(go.Bar(x=frame["name"], y=frame["h100e"], name="Dense 16-bit FLOP/s",
                         marker_color="#0072B2"))
    fig.add_trace(go.Bar(x=frame["name"], y=frame["inference_h100e"], name="Memory bandwidth",
                         marker_color="#56B4E9"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickangle=-35)
    return finish(fig, "Chips in H100-equivalents: 16-bit FLOP/s (the rating) and memory "
                  "bandwidth", "Chip", "Per chip [H100e]", source, height=height + 80, bottom=230)
