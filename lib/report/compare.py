"""Compare scenarios: overlaid series, metric deltas, differing parameters, uncertainty bands
(tables and figures).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.analysis.baseline import KINDS, kind_of, split
from lib.core.outputs import output
from lib.core.registry import registry
from lib.core.runs import Result
from lib.core.scenario import Scenario
from lib.report.fmt import fmt_number, show_value, signed
from lib.report.style import (
    CHINA,
    SCENARIO_COLOURS,
    SCENARIO_DASHES,
    SCREEN_HEIGHT,
    US,
    finish,
    month_axis,
    new_figure,
    rgba,
    set_log_ticks,
)


def compare_table(results: dict[str, Result], series: str) -> pd.DataFrame:
    """One column per scenario name; scenarios with different horizons align on months."""
    frame = pd.concat({name: pd.Series(r.series[series], index=r.months)
                       for name, r in results.items()}, axis=1)
    frame.index.name = "month"
    frame.attrs["unit"] = output(series).unit
    return frame


def differing_parameters(scenarios: dict[str, Scenario]) -> pd.DataFrame:
    """Parameters whose value differs between any of the scenarios, policy levers first, each
    with its kind (its group's declared kind), its unit and one column per scenario."""
    values = {name: s.values() for name, s in scenarios.items()}
    rows = []
    for parameter in registry():
        shown = {name: show_value(v[parameter.key]) for name, v in values.items()}
        if len(set(shown.values())) > 1:
            rows.append({"parameter": parameter.label, "kind": kind_of(parameter.key),
                         "unit": parameter.unit, **shown})
    frame = pd.DataFrame(rows, columns=["parameter", "kind", "unit", *scenarios])
    return frame.sort_values("kind", key=lambda k: k.map(KINDS.index), kind="stable",
                             ignore_index=True)


DELTA_METRICS = ("china_total", "us_total", "ratio", "race_gap_months", "capability_lag_months",
                 "china_training")
ROW, VALUE, CHANGE = "shows", "value", "change"  # ROW: the column saying what a row holds
PARTS = {"policy": "of which policy", "assumptions": "of which assumptions"}


def metric_deltas(scenarios: dict[str, Scenario], year: int) -> pd.DataFrame:
    """Headline metrics at December of `year`: each scenario's value and, for every scenario
    after the first, its change from the first split into the part its policy levers make and
    the part its assumptions make (lib/analysis/baseline.py; the parts sum to the change).
    Columns: scenario, ROW (VALUE, CHANGE or a PARTS label), one per metric with its unit."""
    first = next(iter(scenarios))
    rows = []
    for name, scenario in scenarios.items():
        splits = {key: split(scenario, scenarios[first], key, year, with_range=False)
                  for key in DELTA_METRICS}
        labels = {key: output(key).label_with_unit for key in DELTA_METRICS}
        rows.append({"scenario": name, ROW: VALUE,
                     **{labels[k]: s.scenario for k, s in splits.items()}})
        if name == first:
            continue
        rows.append({"scenario": name, ROW: CHANGE,
                     **{labels[k]: s.total for k, s in splits.items()}})
        for part, label in PARTS.items():
            rows.append({"scenario": name, ROW: label,
                         **{labels[k]: getattr(s, part) for k, s in splits.items()}})
    frame = pd.DataFrame(rows)
    frame.attrs["units"] = {output(k).label_with_unit: output(k).unit for k in DELTA_METRICS}
    return frame


def metric_deltas_text(frame: pd.DataFrame) -> pd.DataFrame:
    """metric_deltas as read on the page: values compact, changes signed ('+1.2', '−0.8'),
    the scenario named once per block, the units left in the headers."""
    out = frame.copy()
    for column, unit in frame.attrs["units"].items():
        out[column] = [fmt_number(v, unit) if row == VALUE else signed(v, unit, with_unit=False)
                       for v, row in zip(frame[column], frame[ROW], strict=True)]
    out["scenario"] = out["scenario"].where(out[ROW] == VALUE, "")
    return out


def with_bands(lines: pd.DataFrame, bands: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Scenario lines with each scenario's 5th and 95th percentile as extra columns."""
    frame = lines.copy()
    for name, band in bands.items():
        frame[f"{name}: 5th percentile"] = band["p5"].reindex(frame.index)
        frame[f"{name}: 95th percentile"] = band["p95"].reindex(frame.index)
    return frame


def compare_compute(us: pd.DataFrame, china: pd.DataFrame, source: str, log_y: bool = True,
                    height: int = SCREEN_HEIGHT) -> go.Figure:
    """Several scenarios: U.S. blue and China vermillion throughout, one dash per scenario."""
    fig = new_figure()
    for i, name in enumerate(china.columns):
        dash = SCENARIO_DASHES[i % len(SCENARIO_DASHES)]
        fig.add_trace(go.Scatter(x=month_axis(china.index), y=china[name], name=f"China: {name}",
                                 line=dict(color=CHINA, width=3, dash=dash)))
    for i, name in enumerate(us.columns):
        dash = SCENARIO_DASHES[i % len(SCENARIO_DASHES)]
        fig.add_trace(go.Scatter(x=month_axis(us.index), y=us[name], name=f"U.S.: {name}",
                                 line=dict(color=US, width=3, dash=dash)))
    fig.update_layout(yaxis_type="log" if log_y else "linear")
    if log_y:
        set_log_ticks(fig, np.concatenate([us.to_numpy().ravel(), china.to_numpy().ravel()]))
    return finish(fig, "AI compute installed, scenarios compared", "Month",
                  f"Installed compute [{output('china_total').unit}]"
                  + (" (log scale)" if log_y else ""), source,
                  height=height + 60)


def compare_series(frame: pd.DataFrame, title: str, y_title: str, source: str,
                   height: int = SCREEN_HEIGHT) -> go.Figure:
    fig = new_figure()
    for i, name in enumerate(frame.columns):
        fig.add_trace(go.Scatter(x=month_axis(frame.index), y=frame[name], name=name,
                                 line=dict(color=SCENARIO_COLOURS[i % 4], width=3,
                                           dash=SCENARIO_DASHES[i % 4])))
    return finish(fig, title, "Month", y_title, source, height=height)


def compare_fans(lines: pd.DataFrame, bands: dict[str, pd.DataFrame], title: str, y_title: str,
                 source: str, height: int = SCREEN_HEIGHT) -> go.Figure:
    """Several scenarios' lines, each with its own 5-95% band of the draws (trace meta
    'band:<scenario>' marks the band's upper edge)."""
    fig = new_figure()
    for i, name in enumerate(lines.columns):
        colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        band = bands.get(name)
        if band is not None:
            x = month_axis(band.index)
            edge = dict(width=1, color=rgba(colour, 0.6),
                        dash=SCENARIO_DASHES[i % len(SCENARIO_DASHES)])
            fig.add_trace(go.Scatter(x=x, y=band["p5"], mode="lines", line=edge,
                                     showlegend=False, legendgroup=name, name=f"{name}: 5th",
                                     hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=x, y=band["p95"], mode="lines", line=edge,
                                     fill="tonexty", fillcolor=rgba(colour, 0.12),
                                     legendgroup=name, showlegend=False,
                                     name=f"{name}: 5th–95th percentile", meta=f"band:{name}",
                                     hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=month_axis(lines.index), y=lines[name], name=name,
                                 legendgroup=name,
                                 line=dict(color=colour, width=3,
                                           dash=SCENARIO_DASHES[i % len(SCENARIO_DASHES)])))
    return finish(fig, title, "Month", y_title, source, height=height)
