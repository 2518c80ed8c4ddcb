"""Uncertainty: Monte Carlo fans (policy levers held, assumptions drawn), probability
statements, the race-gap histogram, tornado and Sobol sensitivity, and goal-seek."""

import streamlit as st

from lib.analysis import montecarlo, sensitivity
from lib.app import state, widgets
from lib.app import uncertainty_panels as panels
from lib.core.outputs import output
from lib.core.runs import run
from lib.report import assumptions, drivers, fmt, uncertainty
from lib.report.style import MAIN_WIDTH

widgets.page_header("Uncertainty", "How sure are these numbers? The policy levers stay where the "
               "sidebar puts them; the assumptions are drawn from the distributions declared "
               "beside them (listed on Assumptions and sources).")
scenario, res, baseline = state.scenario(), state.result(), state.baseline()
last = res.last_year
source = state.source()


top = st.columns([1, 1, 4], vertical_alignment="bottom")
draws = top[0].selectbox("Monte Carlo draws", uncertainty.DRAW_CHOICES, index=1, key="draws",
                         bind="query-params",
                         format_func=lambda n: f"{n:,}",
                         help="2,000 draws take well under a second; 100,000 about ten.")
seed = int(top[1].number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, step=1,
                               key="seed", bind="query-params",
                               help="The same seed gives the same draws: results reproduce."))
drawn = assumptions.drawn_assumptions(scenario)
correlated = assumptions.correlations()
with top[2].expander(f"What is drawn: {len(drawn)} assumptions, {len(correlated)} declared "
                     "correlations"):
    st.dataframe(drawn, hide_index=True, width="stretch", height=300)
    st.markdown("**Correlations** (drawn together through a Gaussian copula; rho on normal "
                "scores)\n\n" + "\n".join(f"- {line}" for line in assumptions.correlation_lines()))

with st.spinner(f"Running {draws:,} draws" + (f" (about {draws // 9000} s)..." if draws > 10_000
                                              else "...")):
    summary = montecarlo.summary(scenario, draws, seed)

st.subheader("Range of outcomes")
st.caption(f"Shaded: the middle 90% and 50% of {draws:,} draws, from the data date on (before "
           "it the record is known: one line); dashed: their median; solid black: this "
           "scenario with every assumption at its value; dashed grey: the baseline.")
tabs = st.tabs(["China's compute", "U.S. ÷ China compute", "Race gap", "Capability lag"],
               key="fan", bind="query-params")
for tab, series in zip(tabs, uncertainty.FAN_SERIES, strict=True):
    with tab:
        frame = uncertainty.fan_frame(summary, res, series,
                                      None if baseline == scenario else run(baseline))
        widgets.chart(f"fan_{series}", uncertainty.fan(
            frame, source, log_y=series in uncertainty.FAN_LOG), frame)

st.subheader("How likely?")
left, right = st.columns([2, 3], gap="large")
with left:
    statements = list(uncertainty.PROBABILITY_STATEMENTS)
    key = st.selectbox("Statement", statements, key="statement", bind="query-params",
                       format_func=lambda k: uncertainty.PROBABILITY_STATEMENTS[k][0])
    _, _, series, _, default = uncertainty.PROBABILITY_STATEMENTS[key]
    n_label = ("N (China's share of U.S. compute is 1/N)" if series == "ratio"
               else f"N [{output(series).unit}]")
    threshold = st.number_input(n_label, min_value=0.0, value=default,
                                step=1e6 if series == "china_total" else 1.0,
                                format="%.0f" if series == "china_total" else "%.1f",
                                key=f"n_{key}", bind="query-params")
    year = widgets.year_picker(res, "year", 2027, "At the end of")
    statement = uncertainty.probability_statement(summary, key, threshold, year)
    with st.container(border=True):
        st.markdown(f"### {statement['text']}")
        st.caption(f"{statement['hits']:,} of {statement['draws']:,} draws "
                   f"(seed {seed}). This scenario with every assumption at its value: "
                   f"{fmt.fmt_with_unit(res.at(series, year), output(series).unit)}.")
with right:
    hist = uncertainty.histogram_table(summary, "race_gap_months", year,
                                       res.at("race_gap_months", year))
    widgets.chart("race_gap_histogram", uncertainty.histogram(
        hist, source, threshold=threshold if series == "race_gap_months" else None,
        height=470, width_hint=MAIN_WIDTH * 3 // 5 - 40), hist)  # in the right-hand 3/5

st.subheader("Calibrated to the record")
panels.calibration_panel(scenario, draws, seed)

st.subheader("What matters most")
controls = st.columns([2, 3], gap="large")
metric = controls[0].selectbox("Output", drivers.SENSITIVITY_OUTPUTS, key="metric",
                               bind="query-params", format_func=panels.metric_label)
with controls[1]:
    sens_year = widgets.year_picker(res, "sens_year", 2030, "At the end of")
table = drivers.tornado_table(sensitivity.tornado(scenario, metric, sens_year))
widgets.chart("tornado", drivers.tornado(table, source), table)
st.caption("Each pair of bars moves one parameter from the low to the high end of its range "
           "(the distribution column on Assumptions and sources), everything else at this "
           "scenario's values: the 12 widest shown. Policy levers are marked (lever).")

panels.sobol_panel(scenario, metric, sens_year, source)

st.subheader("Goal-seek")
panels.goal_seek_panel(scenario, res)
