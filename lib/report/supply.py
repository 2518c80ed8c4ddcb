"""Supply channels: China's stock by channel, the SMIC-to-Ascend funnel and its binding
constraint, smuggled and legal arrivals (tables and figures).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.core import outputs
from lib.core.model import BINDING, CHANNELS, FLOWS
from lib.core.runs import Result
from lib.report.style import (
    BASE_FONT_SIZE,
    CHANNEL_COLOURS,
    CHINA,
    GREY,
    MAIN_WIDTH,
    SCREEN_HEIGHT,
    Draft,
    add_baseline_column,
    finish,
    mark_year,
    month_axis,
    scenario_label,
)

BASELINE_TOTAL = "baseline_total"  # the column of a baseline's total beside the channels


def channel_stock(result: Result, baseline: Result | None = None) -> pd.DataFrame:
    """China's installed compute by channel [H100e], monthly, one column per channel id;
    channels with no stock dropped except that at least one column is kept. Given a
    baseline's result, a BASELINE_TOTAL column holds its total (NaN past its horizon)."""
    frame = result.channel_stock_h100e()
    keep = [c for c in CHANNELS if frame[c].abs().sum() > 0] or ["legal"]
    frame = frame[keep]
    if baseline is not None:
        add_baseline_column(frame, BASELINE_TOTAL, baseline,
                            baseline.channel_stock_h100e().sum(axis=1))
    frame.index.name = "month"
    frame.attrs["unit"] = outputs.output("china_total").unit  # channels add up to China's
    return frame


def channel_arrivals_yearly(result: Result, unit: str = "units") -> pd.DataFrame:
    """Chips arriving in China per calendar year by Nvidia channel id (legal, smuggled)
    [chips/yr or H100e/yr]."""
    key = "arrivals_units" if unit == "units" else "arrivals_h100e"
    arrivals = result.flows[key]
    data = {}
    for channel in ("legal", "smuggled"):
        rows = [i for i, (c, _) in enumerate(FLOWS) if c == channel]
        data[channel] = arrivals[rows].sum(axis=0)
    frame = pd.DataFrame(data, index=result.months)
    frame = frame.groupby(frame.index.year).sum()
    frame.index.name = "year"
    frame.attrs["unit"] = "chips/yr" if unit == "units" else "H100e/yr"
    return frame


FUNNEL_STAGES = ("smic_wafers_ascend", "smic_good_dies", "package_attempts", "ascend_packages")


FUNNEL_LIMITS = ("die_bank_dies", "package_potential", "hbm_stockpile_used", "hbm_domestic_used")


def funnel_table(result: Result, month: int) -> pd.DataFrame:
    """The SMIC-to-Ascend funnel in one month [per month], with the binding constraint and
    the limits (records: limit, value, unit)."""
    def rows(keys: tuple[str, ...], name: str) -> list[dict]:
        return [{name: outputs.output(k).label, "value": float(result.series[k][month]),
                 "unit": outputs.output(k).unit} for k in keys]

    frame = pd.DataFrame(rows(FUNNEL_STAGES, "stage"))
    frame.attrs["month"] = result.months[month].strftime("%b %Y")
    frame.attrs["binding"] = BINDING[int(result.series["binding_constraint"][month])]
    frame.attrs["limits"] = rows(FUNNEL_LIMITS, "limit")
    return frame


def binding_over_time(result: Result) -> pd.DataFrame:
    frame = pd.DataFrame({"binding_constraint": np.array(BINDING)[
        result.series["binding_constraint"]]}, index=result.months)
    frame.index.name = "month"
    return frame


def channel_area(frame: pd.DataFrame, source: str, height: int = SCREEN_HEIGHT,
                 title: str = "Compute Chinese labs can use, by supply channel (abroad on top)",
                 width_hint: int = MAIN_WIDTH, mark: tuple | None = None) -> go.Figure:
    """Stacked areas, one per channel id column (channel_stock), named by its label.
    `mark` is (x, label) for a labelled vertical line (style.mark_year)."""
    x = month_axis(frame.index)
    fig = Draft()
    for channel in (c for c in frame.columns if c != BASELINE_TOTAL):
        colour = CHANNEL_COLOURS.get(channel, GREY)
        fig.add_trace(dict(type="scatter", x=x, y=frame[channel].to_numpy(),
                           name=outputs.CHANNELS[channel], stackgroup="one", mode="lines",
                           meta=channel, line=dict(width=0.5, color=colour), fillcolor=colour))
    if BASELINE_TOTAL in frame:
        fig.add_trace(dict(type="scatter", x=x, y=frame[BASELINE_TOTAL].to_numpy(),
                           name="Baseline total", mode="lines", meta=BASELINE_TOTAL,
                           line=dict(width=2, color="#222", dash="dash")))
        source = f"{source} Dashed: the baseline's total, {frame.attrs['baseline']}."
    if mark is not None:
        mark_year(fig, *mark)
    unit = frame.attrs.get("unit", outputs.output("china_total").unit)
    return finish(fig, title, "Month", f"Installed compute [{unit}]", source, height=height,
                  width_hint=width_hint)


def funnel(frame: pd.DataFrame, source: str, height: int = SCREEN_HEIGHT) -> go.Figure:
    """The SMIC-to-Ascend funnel for one month. Stages have different units (wafers, dies,
    packages), so each stage's number and unit is written in its label, not inside the bar."""
    month = frame.attrs.get("month", "")
    binding = frame.attrs.get("binding", "")
    labels = [f"{stage}<br><b>{value:,.0f}</b> {unit}"
              for stage, value, unit in zip(frame["stage"], frame["value"], frame["unit"],
                                          strict=True)]
    fig = Draft(dict(
        type="funnel", y=labels, x=list(frame["value"]), textinfo="none",
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
    fig = Draft()
    for channel in frame.columns:
        fig.add_trace(dict(type="bar", x=list(frame.index), y=frame[channel].to_numpy(),
                           name=outputs.CHANNELS[channel], meta=channel,
                           marker=dict(color=CHANNEL_COLOURS.get(channel, GREY))))
    fig.update_layout(barmode="group")
    return finish(fig, "Nvidia chips reaching China: legal exports vs smuggling", "Year",
                  f"Chips arriving [{unit}]", source, height=height)


def demand_and_supply(result: Result, baseline: Result | None = None) -> pd.DataFrame:
    """Per calendar year [H100e/yr]: what each channel delivered (columns: CHANNELS with any
    arrivals), Chinese demand (column "demand": AI capex over the price per H100e, at
    least what China was seen to buy; lib/core/mechanisms.py) and, given a baseline's result,
    what it delivered in all (BASELINE_TOTAL)."""
    arrivals = result.by_channel("arrivals_h100e")
    # the January 2022 installed base is stock from before, not a purchase of the year
    arrivals["legal"] -= result.flows["arrivals_h100e"][FLOWS.index(("legal", "installed_2021"))]
    arrivals = arrivals[[c for c in CHANNELS if arrivals[c].abs().sum() > 0] or ["legal"]]
    frame = arrivals.groupby(arrivals.index.year).sum()
    frame["demand"] = pd.Series(result.series["china_demand"], index=result.months).groupby(
        result.months.year).sum()
    if baseline is not None:
        delivered = baseline.by_channel("arrivals_h100e").sum(axis=1) - baseline.flows[
            "arrivals_h100e"][FLOWS.index(("legal", "installed_2021"))]
        frame[BASELINE_TOTAL] = delivered.groupby(delivered.index.year).sum().reindex(
            frame.index)
        frame.attrs["baseline"] = scenario_label(baseline.scenario)
    frame.index.name = "year"
    frame.attrs["unit"] = "H100e/yr"
    return frame


def demand_chart(frame: pd.DataFrame, source: str, height: int = SCREEN_HEIGHT) -> go.Figure:
    """Stacked yearly deliveries by channel against Chinese demand: where the bars fall short
    of the line, demand went unmet; where domestic bars are cut, buyers' orders bound."""
    unit = frame.attrs.get("unit", "H100e/yr")
    fig = Draft()
    for channel in (c for c in frame.columns if c in CHANNELS):
        fig.add_trace(dict(type="bar", x=list(frame.index), y=frame[channel].to_numpy(),
                           name=outputs.CHANNELS[channel], meta=channel,
                           marker=dict(color=CHANNEL_COLOURS.get(channel, GREY))))
    fig.add_trace(dict(type="scatter", x=list(frame.index), y=frame["demand"].to_numpy(),
                       name="Chinese demand (AI capex / price)", mode="lines+markers",
                       line=dict(color="#222", width=3, dash="dot")))
    if BASELINE_TOTAL in frame:
        fig.add_trace(dict(type="scatter", x=list(frame.index),
                           y=frame[BASELINE_TOTAL].to_numpy(), name="Baseline: delivered",
                           mode="lines+markers", meta=BASELINE_TOTAL,
                           line=dict(color="#777", width=2, dash="dash")))
        source = f"{source} Dashed grey: what the baseline delivered, {frame.attrs['baseline']}."
    fig.update_layout(barmode="stack")  # linear: stacked parts on a log axis would mislead
    return finish(fig, "Chinese demand for AI compute and what each channel delivered",
                  "Year", f"Compute arriving [{unit}]", source, height=height)
