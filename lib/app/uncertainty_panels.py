"""The Uncertainty page's parts with controls of their own, drawn as fragments so that using
them reruns only the part: the fans calibrated to the record, Sobol indices on request, and
goal-seek."""

from __future__ import annotations

import streamlit as st

from lib.analysis import goalseek, sensitivity
from lib.analysis.calibration import MAX_CALIBRATION_DRAWS, calibrate
from lib.app import figures, widgets
from lib.core.outputs import output
from lib.core.registry import registry
from lib.core.runs import Result
from lib.core.scenario import Scenario
from lib.report import calibration, drivers, uncertainty


def metric_label(key: str) -> str:
    return output(key).label_with_unit


@st.fragment
def calibration_panel(scenario: Scenario, draws: int, seed: int) -> None:
    """The prior fan beside the fan of draws weighted by the published checkpoints, the
    effective sample size, the fit at each checkpoint and the held-out test."""
    draws = min(draws, MAX_CALIBRATION_DRAWS)
    st.caption("The same draws, each weighted by how well it reproduces the published "
               "2023-2026 estimates (the back-cast checkpoints on Assumptions and sources; "
               "each read as a log-normal whose 90% interval is the published range). "
               "Held-out checkpoints are left out of the weights and test the fit."
               + (f" Calibrated on the first {draws:,} draws." if draws == MAX_CALIBRATION_DRAWS
                  else ""))
    series = st.selectbox("Series", uncertainty.FAN_SERIES, key="series", bind="query-params",
                          format_func=metric_label)
    with st.spinner(f"Weighting {draws:,} draws by the record..."):
        cal = calibrate(scenario, draws, seed)
        fig, frame = figures.calibrated_fans(scenario, draws, seed, series)
    widgets.chart(f"calibrated_{series}", fig, frame, key="calibrated_fans")
    st.markdown(calibration.summary_text(cal)  # a caveat, not a page warning: in the text
                + (f"\n\n:orange[:material/warning: {cal.warning}]" if cal.warning else ""))
    st.dataframe(calibration.fit_table(cal), hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(
                     format="percent", help="Share of the draws' weight inside the published "
                     "range (a point estimate: within the declared tolerance).")
                     for c in ("prior coverage", "calibrated coverage")})
    st.markdown("**Held-out test** (checkpoints not in the weights: does matching the others "
                "bring the draws closer to these too?)\n\n"
                + "\n".join(f"- {line}" for line in calibration.holdout_lines(cal)))


@st.fragment
def sobol_panel(scenario: Scenario, metric: str, sens_year: int, source: str) -> None:
    """Sobol indices for these settings, computed when asked (a few seconds)."""
    request = (scenario.to_json(), metric, sens_year)
    if st.button("Compute Sobol indices (top 8 parameters, a few seconds)", key="unc_sobol",
                 icon=":material/functions:",
                 help="Global sensitivity with SALib: every parameter varies at once over its "
                      "range, 2,560 model runs."):
        st.session_state["unc_sobol_request"] = request
    if st.session_state.get("unc_sobol_request") == request:
        with st.spinner("Computing Sobol indices..."):
            indices = sensitivity.sobol_indices(scenario, metric, sens_year)
            sobol = drivers.sobol_table(indices, metric, sens_year)
        widgets.chart("sobol", drivers.sobol(sobol, source), sobol)
        st.caption(drivers.sobol_caption(sobol))
    elif "unc_sobol_request" in st.session_state:
        st.caption("The Sobol indices shown before were for other settings: press the button to "
                   "compute them for these.")


@st.fragment
def goal_seek_panel(scenario: Scenario, res: Result) -> None:
    """The lever value at which an output reaches a target."""
    st.caption("What value of a lever makes an output reach a target? A bracketed search over the "
               "lever's allowed range, with everything else at this scenario's values. A per-year "
               f"lever is set to one value for every year from {drivers.GOAL_FROM_YEAR}.")
    levers = drivers.goal_seek_levers()
    reg = registry()
    goal = st.columns([3, 3, 2, 2], vertical_alignment="bottom")
    lever = goal[0].selectbox(
        "Lever", levers, index=levers.index("smuggling_attempted_per_year"), key="lever",
        bind="query-params",
        format_func=lambda k: f"{reg[k].label} [{reg[k].unit}]"
        + (" (policy)" if reg[k].group.kind == "policy" else ""))
    goal_metric = goal[1].selectbox("Output", drivers.SENSITIVITY_OUTPUTS, key="goal",
                                    bind="query-params", format_func=metric_label)
    goal_years = list(range(max(drivers.GOAL_FROM_YEAR, 2023), res.last_year + 1))
    goal_year = goal[2].selectbox("At the end of", goal_years, key="goal_year", bind="query-params",
                                  index=goal_years.index(min(2028, res.last_year)))
    step, number_format = drivers.target_input(goal_metric)
    target = goal[3].number_input(f"Target [{output(goal_metric).unit}]", min_value=0.0,
                                  value=drivers.GOAL_TARGETS[goal_metric], step=step,
                                  format=number_format, key=f"target_{goal_metric}",
                                  bind="query-params")
    found = goalseek.goal_seek(scenario, lever, goal_metric, goal_year, float(target),
                               from_year=drivers.GOAL_FROM_YEAR)
    reached, answer = drivers.goal_seek_text(found, res)
    if reached:
        st.success(answer, icon=":material/target:")
    else:
        st.info(answer, icon=":material/block:")
