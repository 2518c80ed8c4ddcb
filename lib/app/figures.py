"""The pages' charts, built once per scenario and view: a rerun that leaves the scenario alone
(a page control, an expander, another visitor on the same scenario) draws the figure it already
has. Memoized in lib/core/memo.py with the model results, keyed on the Scenario and a few
scalars. Each returns (figure, frame); both are shared by every caller, so never changed.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.analysis.backcast import backcast_table
from lib.analysis.calibration import calibrate
from lib.core.memo import memo
from lib.core.runs import run
from lib.core.scenario import Scenario
from lib.report import assumptions, calibration, race, style, supply

Chart = tuple[go.Figure, pd.DataFrame]
# the Briefing's two charts at their narrowest side by side (the page stacks them when its
# main column is narrower than two of these): legends and source lines are wrapped for it
BRIEFING_CHART_WIDTH = 670
BRIEFING_CHART_HEIGHT = 390  # [px]: with the cards and takeaways, one 1920x1080 screen


@memo(1)
def events() -> pd.DataFrame:
    """The policy events table (read and shaped once; handed out as a copy)."""
    return race.events_frame()


def _baseline_result(scenario: Scenario, baseline: Scenario | None):
    """The baseline's result to draw as reference lines (none when it is the scenario)."""
    return None if baseline is None or baseline == scenario else run(baseline)


@memo(64)
def compute_race(scenario: Scenario, kind: str, effective: bool, log_y: bool,
                 show_events: bool, baseline: Scenario | None = None) -> Chart:
    frame = race.compute_over_time(run(scenario), kind, effective,
                                   baseline=_baseline_result(scenario, baseline))
    return race.compute_race(frame, style.scenario_source(scenario), log_y=log_y,
                             events=events() if show_events else None), frame


@memo(64)
def race_gap_waterfall(scenario: Scenario, baseline: Scenario, year: int,
                       by: str = "policy and assumptions") -> Chart:
    water = race.waterfall_table(scenario, baseline, "race_gap_months", year, by)
    return race.waterfall(water, style.scenario_source(
        scenario, f"{race.ATTRIBUTION_NOTES[by]} Baseline: {style.scenario_label(baseline)}.")
    ), water


@memo(32)
def largest_run(scenario: Scenario, baseline: Scenario | None = None) -> Chart:
    runs = race.largest_run(run(scenario), _baseline_result(scenario, baseline))
    return race.compute_race(runs, style.scenario_source(scenario),
                             title="Largest training run, U.S. vs China",
                             y_title=f"Training run size [{runs.attrs['unit']}]"), runs


@memo(64)
def channel_area(scenario: Scenario, baseline: Scenario | None = None) -> Chart:
    stock = supply.channel_stock(run(scenario), _baseline_result(scenario, baseline))
    return supply.channel_area(stock, style.scenario_source(scenario)), stock


@memo(128)
def funnel(scenario: Scenario, month: int) -> Chart:
    table = supply.funnel_table(run(scenario), month)
    return supply.funnel(table, style.scenario_source(scenario)), table


@memo(32)
def demand_and_supply(scenario: Scenario, baseline: Scenario | None = None) -> Chart:
    frame = supply.demand_and_supply(run(scenario), _baseline_result(scenario, baseline))
    return supply.demand_chart(frame, style.scenario_source(
        scenario, "Demand: Chinese AI capex x accelerator share / price per H100e, at least "
        "what China was seen to buy.")), frame


@memo(64)
def legal_vs_smuggled(scenario: Scenario, unit: str) -> Chart:
    arrivals = supply.channel_arrivals_yearly(run(scenario), unit)
    return supply.legal_vs_smuggled(arrivals, style.scenario_source(scenario)), arrivals


@memo(64)
def briefing_race(scenario: Scenario, baseline: Scenario | None = None) -> Chart:
    frame = race.compute_over_time(run(scenario), "total",
                                   baseline=_baseline_result(scenario, baseline))
    return race.compute_race(frame, style.scenario_source(scenario), height=BRIEFING_CHART_HEIGHT,
                             width_hint=BRIEFING_CHART_WIDTH,
                             title="AI compute installed, U.S. vs China",
                             key_event_labels=race.KEY_EVENTS), frame


@memo(128)
def briefing_channels(scenario: Scenario, year: int, baseline: Scenario | None = None) -> Chart:
    res = run(scenario)
    stock = supply.channel_stock(res, _baseline_result(scenario, baseline))
    mark = (style.month_axis(stock.index)[res.december_index(year)], f"end {year}")
    return supply.channel_area(stock, style.scenario_source(scenario), height=BRIEFING_CHART_HEIGHT,
                               width_hint=BRIEFING_CHART_WIDTH,
                               title="Where China's compute comes from", mark=mark), stock


@memo(64)
def backcast(scenario: Scenario) -> Chart:
    table = backcast_table(scenario)
    return assumptions.backcast_chart(table, style.scenario_source(
        scenario, "Published estimates: data/history/checkpoints.csv.")), table


@memo(32)
def calibrated_fans(scenario: Scenario, draws: int, seed: int, series: str) -> Chart:
    frame = calibration.calibrated_frame(calibrate(scenario, draws, seed), run(scenario), series)
    return calibration.calibrated_fans(frame, style.scenario_source(scenario)), frame
