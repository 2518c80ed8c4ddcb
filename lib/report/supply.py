"""Supply channels: China's stock by channel, the SMIC-to-Ascend funnel and its binding
constraint, smuggled and legal arrivals (tables and figures).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.core.model import BINDING, CHANNELS, FLOWS
from lib.core.outputs import CHANNEL_LABELS
from lib.core.runs import Result
from lib.report.style import (
    BASE_FONT_SIZE,
    CHANNEL_COLOURS,
    CHINA,
    GREY,
    SCREEN_HEIGHT,
    finish,
    month_axis,
    new_figure,
)


def channel_stock(result: Result) -> pd.DataFrame:
    """China's installed compute by channel [H100e], monthly; channels with no stock dropped
    except that at least one column is kept."""
    frame = result.channel_stock_h100e()
    keep = [c for c in CHANNELS if frame[c].abs().sum() > 0] or ["legal"]
    frame = frame[keep].rename(columns=CHANNEL_LABELS)
    frame.index.name = "month"
    return frame


def channel_arrivals_yearly(result: Result, unit: str = "units") -> pd.DataFrame:
    """Chips arriving in China per calendar year by Nvidia channel (legal, smuggled)
    [chips/yr or H100e/yr]."""
    key = "arrivals_units" if unit == "units" else "arrivals_h100e"
    arrivals = result.flows[key]
    data = {}
    for channel in ("legal", "smuggled"):
        rows = [i for i, (c, _) in enumerate(FLOWS) if c == channel]
        data[CHANNEL_LABELS[channel]] = arrivals[rows].sum(axis=0)
    frame = pd.DataFrame(data, index=result.months)
    frame = frame.groupby(frame.index.year).sum()
    frame.index.name = "year"
    frame.attrs["unit"] = "chips/yr" if unit == "units" else "H100e/yr"
    return frame


FUNNEL_STAGES = (
    ("smic_wafers_ascend", "SMIC wafers for Ascend", "wafers"),
    ("smic_gross_dies", "Gross dies", "dies"),
    ("smic_good_dies", "Good dies", "dies"),
    ("package_attempts", "Package attempts (incl. TSMC dies)", "packages"),
    ("ascend_packages", "Working Ascend packages", "packages"),
)


def funnel_table(result: Result, month: int) -> pd.DataFrame:
    """The SMIC-to-Ascend funnel in one month [per month], with the binding constraint."""
    frame = pd.DataFrame([
        {"stage": label, "value": float(result.series[key][month]), "unit": f"{unit}/month"}
        for key, label, unit in FUNNEL_STAGES
    ])
    frame.attrs["month"] = result.months[month].strftime("%b %Y")
    frame.attrs["binding"] = BINDING[int(result.series["binding_constraint"][month])]
    frame.attrs["limits"] = {
        "TSMC die-bank dies": float(result.series["die_bank_dies"][month]),
        "Package potential": float(result.series["package_potential"][month]),
        "HBM limit": float(result.series["hbm_package_limit"][month]),
        "Packaging capacity": float(result.series["packaging_capacity"][month]),
    }
    return frame


def binding_over_time(result: Result) -> pd.DataFrame:
    frame = pd.DataFrame({"binding_constraint": np.array(BINDING)[
        result.series["binding_constraint"]]}, index=result.months)
    frame.index.name = "month"
    return frame


def channel_shares(result: Result, year: int) -> dict[str, float]:
    return {CHANNEL_LABELS[c]: result.channel_share(c, year) for c in CHANNELS}


def channel_area(frame: pd.DataFrame, source: str, height: int = SCREEN_HEIGHT,
                 title: str = "China's installed AI compute by supply channel",
                 width_hint: int = 1300) -> go.Figure:
    x = month_axis(frame.index)
    fig = new_figure()
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
    fig = new_figure(go.Funnel(
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
    fig = new_figure()
    for column in frame.columns:
        fig.add_trace(go.Bar(x=list(frame.index), y=frame[column], name=column,
                             marker_color=CHANNEL_COLOURS.get(column, GREY)))
    fig.update_layout(barmode="group")
    return finish(fig, "Nvidia chips reaching China: legal exports vs smuggling", "Year",
                  f"Chips arriving [{unit}]", source, height=height)
