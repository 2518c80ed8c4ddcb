"""Race overview: headline numbers against the baseline and no controls, compute over time
with the baseline and policy events, and the race gap's change split into policy and
assumptions."""

import streamlit as st

from lib.analysis.controls import controls_range
from lib.app import cards, figures, state, widgets
from lib.report import baseline as versus
from lib.report import race

widgets.page_header("Race overview", "U.S. and Chinese AI compute under the scenario in the "
                    "sidebar, each number against the baseline (dashed on the chart) and the "
                    "no-export-controls counterfactual.")
scenario, res, baseline = state.scenario(), state.result(), state.baseline()

year = widgets.year_picker(res, "year", 2027, "Headline year (end of December)")
ranges = controls_range(scenario)
headline = versus.headline(scenario, baseline, year, ranges)
st.caption(versus.cards_caption(scenario, baseline, year))
cards.headline_cards(headline, "race-cards")
cards.why_nothing_moved(scenario, baseline, year)
widgets.caption(race.gap_explained(res, ranges, year))  # defines its terms

options = st.columns([2, 1, 1, 1])
kind = options[0].segmented_control("Compute", list(race.COMPUTE_KINDS), default="total",
                                    format_func=race.COMPUTE_KINDS.get, key="kind",
                                    bind="query-params") or "total"
effective = options[1].toggle("Effective compute", key="effective", bind="query-params",
                              help="Hardware H100e times each side's algorithmic efficiency "
                                   "(2022 algorithms = 1).")
log_y = options[2].toggle("Log scale", value=True, key="log", bind="query-params")
show_events = options[3].toggle("Policy events", value=True, key="events",
                                bind="query-params",
                                help=widgets.term_help("Policy events"))

fig, frame = figures.compute_race(scenario, kind, effective, log_y, show_events, baseline)
widgets.chart("compute_race", fig, frame)
events_panel = st.expander("Policy events on the time axis (numbers match the chart)",
                           key="race_events_open", on_change="rerun") if show_events else None
if events_panel is not None and events_panel.open:  # the table is built only while open
    events = figures.events()
    with events_panel:
        st.dataframe(events[["number", "date", "label", "category", "description", "source"]],
                     hide_index=True, width="stretch",
                     column_config={"date": st.column_config.DateColumn("date")})

st.subheader(f"What moves the race gap, end {year}")
if scenario == baseline:
    st.info("This scenario is the baseline, so there is no change to attribute. Pick another "
            "preset, move a lever or choose another baseline in the sidebar.")
else:
    by = st.segmented_control("Split the change", list(race.ATTRIBUTIONS),
                              default="policy and assumptions", key="split", bind="query-params",
                              format_func=lambda b: f"By {b}") or "policy and assumptions"
    widgets.chart("race_gap_waterfall",
                  *figures.race_gap_waterfall(scenario, baseline, year, by))

# built only while open: the expander reruns the page when toggled, and its chart costs ~60 ms
runs_panel = st.expander("Largest training run each side could do", key="race_runs_open",
                         on_change="rerun")
if runs_panel.open:
    with runs_panel:
        widgets.chart("largest_training_run", *figures.largest_run(scenario, baseline))
