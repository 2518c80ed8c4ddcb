"""Race overview: headline numbers against no controls, compute over time with policy events,
and the race gap's change attributed to lever groups."""

import streamlit as st

from lib.analysis.controls import controls_range
from lib.app import figures, state, widgets
from lib.core.outputs import output
from lib.core.scenario import Scenario
from lib.report import fmt, race

widgets.page_header("Race overview", "U.S. and Chinese AI compute under the scenario in the "
               "sidebar, each number against the no-export-controls counterfactual.")
scenario, res = state.scenario(), state.result()

year = widgets.year_picker(res, "year", 2027, "Headline year (end of December)")
ranges = controls_range(scenario)
headline = race.headline(res, year, ranges)
# cards as wide as their text, wrapping onto a second row on a narrow screen: never clipped
with st.container(horizontal=True, key="race-cards"):
    for row in headline.itertuples():
        st.metric(f"{row.label}, {year}", fmt.fmt_with_unit(row.scenario, row.unit),
                  delta=race.no_controls_text(row), delta_color="off", delta_arrow="off",
                  border=True, width="content", help=output(row.metric).description)
st.caption(race.gap_explained(res, ranges, year))

options = st.columns([2, 1, 1, 1])
kind = options[0].segmented_control("Compute", list(race.COMPUTE_KINDS), default="total",
                                    format_func=race.COMPUTE_KINDS.get, key="kind",
                                    bind="query-params") or "total"
effective = options[1].toggle("Effective compute", key="effective", bind="query-params",
                              help="Hardware H100e times each side's algorithmic efficiency "
                                   "(2022 algorithms = 1).")
log_y = options[2].toggle("Log scale", value=True, key="log", bind="query-params")
show_events = options[3].toggle("Policy events", value=True, key="events", bind="query-params")

fig, frame = figures.compute_race(scenario, kind, effective, log_y, show_events)
widgets.chart("compute_race", fig, frame)
events_panel = st.expander("Policy events on the time axis (numbers match the chart)",
                           key="race_events_open", on_change="rerun") if show_events else None
if events_panel is not None and events_panel.open:  # the table is built only while open
    events = figures.events()
    with events_panel:
        st.dataframe(events[["number", "date", "label", "category", "description", "source"]],
                     hide_index=True, width="stretch",
                     column_config={"date": st.column_config.DateColumn("date")})

st.subheader("What moves the race gap")
baseline = Scenario.build("status_quo")
if scenario == baseline:
    st.info("This is the status-quo scenario, so there is no change to attribute. Pick another "
            "preset or move a lever to see how each lever group moves the race gap.")
else:
    by = st.segmented_control("Split the change", ["lever group", "mechanism"],
                              default="lever group", key="split", bind="query-params",
                              format_func=lambda b: f"By {b}") or "lever group"
    widgets.chart("race_gap_waterfall",
                  *figures.race_gap_waterfall(scenario, baseline, year, by))

# built only while open: the expander reruns the page when toggled, and its chart costs ~60 ms
runs_panel = st.expander("Largest training run each side could do", key="race_runs_open",
                         on_change="rerun")
if runs_panel.open:
    with runs_panel:
        widgets.chart("largest_training_run", *figures.largest_run(scenario))
