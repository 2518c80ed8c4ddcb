"""Compare scenarios: two to four scenarios (presets, the current one, uploaded JSON files)
overlaid on key charts, the parameters that differ, and metric deltas."""

import streamlit as st

from lib.analysis import montecarlo
from lib.app import access, markup, state, widgets
from lib.core.outputs import output
from lib.core.runs import run
from lib.core.scenario import Scenario, ScenarioError, presets
from lib.report import compare, style

widgets.page_header("Compare scenarios", "Two to four scenarios side by side: U.S. blue and China "
               "vermillion throughout, one line style per scenario.")
SIDEBAR = "sidebar"  # the option standing for the sidebar's scenario (named by its label)
COMPARE_DRAWS = 1000  # Monte Carlo draws per scenario for the fans (cached)

uploads = st.file_uploader("Add scenarios from JSON files", type=["json"],
                           accept_multiple_files=True, key="compare_uploads",
                           help="Files saved with 'Download scenario (JSON)'.")
uploaded: dict[str, Scenario] = {}
for file in uploads or []:
    try:
        data = file.getvalue()
        # option labels become legend text, where Plotly reads tags
        uploaded[f"File: {file.name[:60]}".replace("<", "‹").replace(">", "›")] = \
            Scenario.from_json(data)
    except ScenarioError as exc:
        st.error(f"**{markup.md_escape(file.name[:60])}** was not loaded:\n\n"
                 + markup.problem_list(exc.problems))

# the library page's scenarios, "Saved: <name>" (on a team deployment for signed-in visitors)
saved = state.saved_scenarios() if access.library_readable() else {}
# options are stable ids (preset names, file and saved labels); what they show is the label
by_option = {SIDEBAR: state.scenario(), **{n: Scenario.build(n) for n in presets()},
             **uploaded, **saved}
names = {SIDEBAR: f"{style.scenario_label(state.scenario())} (sidebar)",
         **{n: p.label for n, p in presets().items()}}
chosen = st.multiselect("Scenarios (two to four)", list(by_option),
                        default=[SIDEBAR, "strict_enforcement", "rollback"], max_selections=4,
                        format_func=lambda option: names.get(option, option), key="compare",
                        bind="query-params")
if len(chosen) < 2:
    st.info("Choose at least two scenarios to compare.")
    st.stop()

scenarios = {names.get(option, option): by_option[option] for option in chosen}
results = {name: run(s) for name, s in scenarios.items()}
source = style.source_line("; ".join(scenarios), style.data_date())

log_y = st.toggle("Log scale", value=True, key="log", bind="query-params")
us = compare.compare_table(results, "us_total")
china = compare.compare_table(results, "china_total")
both = china.add_prefix("China: ").join(us.add_prefix("U.S.: "))
widgets.chart("compare_compute", compare.compare_compute(us, china, source, log_y=log_y), both,
              scenarios=scenarios)

gap = compare.compare_table(results, "race_gap_months")
gap_axis = output("race_gap_months").label_with_unit
fans = st.toggle("Show uncertainty (fans)", key="fans", bind="query-params",
                 help=f"Each scenario's 5-95% band of the race gap over {COMPARE_DRAWS:,} Monte "
                      "Carlo draws (policy levers held, assumptions drawn, seed 0).")
if fans:
    with st.spinner("Running Monte Carlo for each scenario..."):
        bands = {name: montecarlo.summary(s, COMPARE_DRAWS).fans["race_gap_months"]
                 for name, s in scenarios.items()}
    widgets.chart("compare_race_gap", compare.compare_fans(
        gap, bands, "Race gap: how many months China is behind (shaded: 5-95% of draws)",
        gap_axis, source + f" Bands: {COMPARE_DRAWS:,} Monte Carlo draws each."),
        compare.with_bands(gap, bands), scenarios=scenarios)
else:
    widgets.chart("compare_race_gap", compare.compare_series(
        gap, "Race gap: how many months China is behind", gap_axis, source), gap,
        scenarios=scenarios)

last = min(r.last_year for r in results.values())
year = st.select_slider("Metrics at end of", options=list(range(2023, last + 1)),
                        value=min(2027, last), key="year", bind="query-params")
first = next(iter(scenarios))
st.subheader(f"Metrics at end {year}, changes against {markup.md_escape(first)}")
st.caption("Each change splits in two (they sum to it): what the scenario's policy levers do, "
           "and what its assumptions do (the first scenario re-run under them).")
widgets.define("Policy lever")
widgets.static_table(compare.metric_deltas_text(compare.metric_deltas(scenarios, year)))

st.subheader("Parameters that differ")
differing = compare.differing_parameters(scenarios)
if differing.empty:
    st.caption("The chosen scenarios have identical parameters.")
else:
    st.caption("Kind: a policy lever a government sets, or an assumption about the world "
               "(each parameter group's declared kind).")
    widgets.define_named(*differing["parameter"])
    widgets.static_table(differing)
