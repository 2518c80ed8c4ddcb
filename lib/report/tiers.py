"""Chip tiers: every chip against the export-rule regions in force at a date, a hypothetical
threshold's effect, and chip specs (tables and figures).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go

from lib.core.chips import chip_table, tier_table
from lib.core.runs import Result, run
from lib.core.scenario import Scenario, presets
from lib.report.style import (
    BASE_FONT_SIZE,
    GREY,
    SCREEN_HEIGHT,
    TIER_COLOURS,
    US,
    finish,
    new_figure,
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
    cols = ["name", "vendor", "origin", "year", "node", "die_area_mm2", "tpp",
            "performance_density", "bf16_dense_tflops", "fp8_tflops", "memory_gb",
            "memory_bw_tbps", "io_gbps", "h100e", "inference_h100e", "h100e_basis",
            "inference_basis", "china_status", "source", "source_date"]
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


def tier_scatter(frame: pd.DataFrame, source: str, tpp_threshold: float,
                 preset_threshold: float | None = None, height: int = SCREEN_HEIGHT,
                 date_label: str = "") -> go.Figure:
    """Chips on TPP vs performance density with the 2022/2023 rule regions and the 2026
    licensing line. Chips without a die area are not plotted (listed separately)."""
    known = frame[frame["performance_density"].notna() & frame["tpp"].notna()]
    fig = new_figure()
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
    fig = new_figure()
    fig.add_trace(go.Bar(x=frame["name"], y=frame["h100e"], name="Dense 16-bit FLOP/s",
                         marker_color="#0072B2"))
    fig.add_trace(go.Bar(x=frame["name"], y=frame["inference_h100e"], name="Memory bandwidth",
                         marker_color="#56B4E9"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickangle=-35)
    return finish(fig, "Chips in H100-equivalents: 16-bit FLOP/s (the rating) and memory "
                  "bandwidth", "Chip", "Per chip [H100e]", source, height=height + 80, bottom=230)
