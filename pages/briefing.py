"""Briefing: a presentation view for a 1920x1080 screenshare without scrolling: big headline
numbers, two annotated charts and plain-language takeaways generated from the results."""

import streamlit as st

from lib.analysis.controls import controls_range
from lib.app import figures, state, widgets
from lib.core.outputs import CHANNELS, output
from lib.report import briefing, fmt, race, style

st.html("""<style>
.block-container {padding-top: 2.2rem !important; padding-bottom: 0 !important;}
[data-testid="stMetricValue"] {font-size: 2.2rem;}
.st-key-briefing-takeaways p, .st-key-briefing-takeaways li {font-size: 1.25rem; line-height: 1.45;}
</style>""")
scenario, res = state.scenario(), state.result()
widgets.link_warnings()

head = st.columns([5, 1])
head[0].markdown(f"## Briefing: {style.scenario_label(scenario)}")
years = list(range(2024, res.last_year + 1))
year = head[1].selectbox("Year", years, index=years.index(min(2027, years[-1])),
                         key="year", bind="query-params", label_visibility="collapsed")

headline = race.headline(res, year, controls_range(scenario))
rows = {row.metric: row for row in headline.itertuples()}
smuggled = (output("smuggled_share").label,
            f"{res.value('smuggled_share', year):.0%}",
            f"{CHANNELS['legal']} {res.channel_share('legal', year):.0%}")
cards = [(rows[k].label, fmt.fmt_with_unit(rows[k].scenario, rows[k].unit),
          race.no_controls_text(rows[k]))
         for k in ("china_total", "us_total", "race_gap_months", "capability_lag_months")]
with st.container(horizontal=True, key="briefing-cards"):  # wraps rather than clips
    for label, value, delta in [*cards, smuggled]:
        st.metric(label, value, delta=delta, delta_color="off", delta_arrow="off",
                  border=True, width="content")

left, right = st.columns(2)
with left:
    widgets.chart("briefing_compute_race", *figures.briefing_race(scenario))
with right:
    widgets.chart("briefing_channels", *figures.briefing_channels(scenario, year))

body, foot = st.columns([4, 1])
with body.container(key="briefing-takeaways"):
    st.markdown("\n".join(f"- {line}" for line in briefing.takeaways(res, year)))
with foot:
    st.caption(f"**Scenario:** {style.scenario_label(scenario)}  \n**Data as of:** "
               f"{style.data_date():%d %b %Y}  \nChokepoint model; the link (Copy link in the "
               "sidebar) reproduces this scenario and year.")
