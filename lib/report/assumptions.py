"""Assumptions and sources: every parameter with its value, range, distribution and source;
the declared correlations; the back-cast chart (its table comes from
lib/analysis/backcast.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.analysis.montecarlo import uncertain_parameters
from lib.core.calendar import YEARS
from lib.core.registry import registry
from lib.core.scenario import Scenario
from lib.core.variation import documentation_rows, variation_text
from lib.report.fmt import show_value
from lib.report.style import (
    FONT,
    GREY,
    MAIN_WIDTH,
    SCENARIO_COLOURS,
    TEMPLATE,
    Draft,
    finish,
    log_ticks,
    rgba,
    short_number,
)


def assumptions_table(scenario: Scenario) -> pd.DataFrame:
    """The generated parameter table (as `python -m lib params`), its distributions around
    this scenario's values, with the current value and whether it differs from the preset."""
    values = scenario.values()
    changed = scenario.differing_from_preset()
    frame = pd.DataFrame(documentation_rows(values))
    frame.insert(frame.columns.get_loc("unit") + 1, "value",
                 [show_value(values[key]) for key in frame["key"]])
    frame.insert(frame.columns.get_loc("default") + 1, "changed from preset",
                 frame["key"].isin(changed))
    return frame


def drawn_assumptions(scenario: Scenario) -> pd.DataFrame:
    """The assumptions Monte Carlo draws, with their distributions around current values."""

    values = scenario.values()
    return pd.DataFrame([{"parameter": p.label, "unit": p.unit, "key": p.key,
                          "distribution": variation_text(p, values[p.key])}
                         for p in uncertain_parameters()])


def correlations() -> pd.DataFrame:
    """The declared correlations (drawn together through a Gaussian copula)."""
    reg = registry()
    return pd.DataFrame([{"between": f"{reg[a].label} and {reg[b].label}", "rho": c.rho,
                          "why": c.why} for c in reg.correlations for a, b in [c.between]],
                        columns=["between", "rho", "why"])


def correlation_lines() -> list[str]:
    """The declared correlations as plain sentences (Markdown)."""
    return [f"**{row.between}**: rho {row.rho:g}. {row.why}"
            for row in correlations().itertuples()]


STATUS_COLOURS = {"inside": "#009E73", "outside": "#D55E00", "point estimate": GREY}
STATUS_NAMES = {"inside": "Model: inside the published range",
                "outside": "Model: outside the published range",
                "point estimate": "Model: against a point estimate (no range)"}


def backcast_label(row) -> str:
    return f"{row.checkpoint} [{row.unit}]"


def backcast_chart(frame: pd.DataFrame, source: str, width_hint: int = MAIN_WIDTH) -> go.Figure:
    """Each checkpoint of the back-cast table (lib/analysis/backcast.py) on a log axis: the
    published range as a bar, the published value, and the model's value coloured by whether
    it falls inside. Rows top to bottom in the table's order."""
    labels = [backcast_label(row) for row in frame.itertuples()]
    ranged = frame["low"] < frame["high"]
    range_x, range_y = [], []
    for label, low, high in zip(labels, frame["low"], frame["high"], strict=True):
        if low < high:
            range_x += [low, high, None]
            range_y += [label, label, None]
    fig = Draft(dict(type="scatter", x=range_x, y=range_y, mode="lines", meta="range",
                     name="Published range", line=dict(color=rgba(GREY, 0.55), width=14),
                     hoverinfo="skip"))
    fig.add_trace(dict(type="scatter", x=list(frame["published"]), y=labels, mode="markers",
                       name="Published estimate", meta="published",
                       marker=dict(symbol="line-ns", size=22, line=dict(color="#1a1a1a",
                                                                        width=3)),
                       hovertemplate="%{y}: published %{x:,.3s}<extra></extra>"))
    for status, colour in STATUS_COLOURS.items():
        rows = frame["status"] == status
        if rows.any():
            fig.add_trace(dict(
                type="scatter", x=list(frame.loc[rows, "model"]),
                y=[label for label, keep in zip(labels, rows, strict=True) if keep],
                mode="markers", name=STATUS_NAMES[status], meta=status,
                marker=dict(symbol="circle", size=15, color=colour,
                            line=dict(color="#1a1a1a", width=1)),
                hovertemplate="%{y}: model %{x:,.3s}<extra></extra>"))
    values = pd.concat([frame["low"], frame["high"], frame["model"]]).to_numpy(float)
    values = values[np.isfinite(values) & (values > 0)]
    ticks = log_ticks(float(values.min()), float(values.max())) if values.size else []
    x_axis = dict(type="log") | (dict(tickvals=ticks, ticktext=[short_number(v) for v in ticks])
                                 if ticks else {})
    fig.update_layout(xaxis=x_axis, yaxis=dict(autorange="reversed", categoryorder="array",
                                               categoryarray=labels))
    inside, n_ranged = int((frame["status"] == "inside").sum()), int(ranged.sum())
    return finish(fig, f"The model against published estimates: {inside} of {n_ranged} "
                  "published ranges met",
                  "Value [each row's unit] (log scale)", "", source, width_hint=width_hint,
                  height=160 + 42 * len(frame), extra=dict(margin=dict(l=20)))


def path_chart(label: str, unit: str, current: tuple, preset: tuple, preset_name: str,
               height: int = 270) -> go.Figure:
    """A yearly parameter's path, small (the sidebar's path editor): the scenario's values
    solid with a marker per year, the preset's dashed; each value holds for its calendar year,
    so the lines step at year ends."""
    years = list(YEARS)
    hover = "%{x}: %{y:,.4~g} " + unit.replace("%", "%%") + "<extra>%{fullData.name}</extra>"
    preset_trace = dict(type="scatter", x=years, y=list(preset), name=f"Preset: {preset_name}",
                        mode="lines", line=dict(color=GREY, dash="dash", width=2, shape="hv"),
                        hovertemplate=hover, meta="preset")
    current_trace = dict(type="scatter", x=years, y=list(current), name="This scenario",
                         mode="lines+markers", line=dict(color=SCENARIO_COLOURS[0], width=3,
                                                         shape="hv"),
                         marker=dict(size=7), hovertemplate=hover, meta="current")
    axis = dict(showline=True, linecolor="#444", automargin=True)
    return go.Figure(data=[preset_trace, current_trace], _validate=False, layout=dict(
        template=TEMPLATE, height=height, font=dict(family=FONT, size=14, color="#1a1a1a"),
        title=dict(text=label, x=0.01, xanchor="left", font=dict(size=16)),
        margin=dict(l=10, r=10, t=70, b=10), hovermode="x unified",
        legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"),
        xaxis=axis | dict(title=dict(text="Year"), dtick=2),
        yaxis=axis | dict(title=dict(text=unit), rangemode="tozero"), meta={"title": label}))


def calibrated_labels() -> list[str]:
    """Parameters whose default was calibrated to the record (their source line says so)."""
    return [p.label for p in registry() if "calibrated" in p.source.lower()]


# the listing's columns (the shorter text), as it names them
LISTED = {"label": "parameter", "kind": "kind", "value": "value", "unit": "unit",
          "default": "default", "changed from preset": "changed", "plausible range":
          "plausible range", "distribution": "distribution"}


def parameter_listing(frame: pd.DataFrame) -> pd.DataFrame:
    """assumptions_table's short columns for the page's list; the long ones (description,
    distribution, source...) are read one parameter at a time (parameter_record)."""
    out = frame[list(LISTED)].rename(columns=LISTED)
    out["changed"] = out["changed"].map({True: "yes", False: ""})
    return out


def parameter_record(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """One row of assumptions_table as field/value pairs, every column in full."""
    row = frame.set_index("key").loc[key]
    fields = [("key", key), *((column, row[column]) for column in row.index)]
    return pd.DataFrame([(field, ("yes" if value else "no") if isinstance(value, (bool, np.bool_))
                          else str(value)) for field, value in fields if str(value) != ""],
                        columns=["field", "value"])


# the back-cast table's columns read in full beside its grid of numbers
BACKCAST_TEXT = ("as_of", "holdout", "source", "note")
