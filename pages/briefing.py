"""Briefing: a presentation view for a screenshare: a title naming the changes against the
baseline, headline cards with signed deltas, two annotated charts and plain-language
takeaways generated from the results."""

import streamlit as st

from lib.analysis.controls import controls_range
from lib.app import briefing_export, cards, figures, state, widgets
from lib.report import baseline as versus
from lib.report import briefing, style

# top padding clears Streamlit's top bar, so the title and year picker are never under it
# the container query's 1400px is 2 x figures.BRIEFING_CHART_WIDTH + 60 (a test checks it)
st.html("""<style>
.block-container {padding-top: 3.9rem !important; padding-bottom: 0.25rem !important;}
.st-key-briefing-cards [data-testid="stMetricValue"] {font-size: 2rem;}
[data-testid="stMain"] h2 {font-size: 1.75rem; padding: 0;}
.st-key-briefing-takeaways p, .st-key-briefing-takeaways li {font-size: 1.12rem;
  line-height: 1.35;}
[data-testid="stMainBlockContainer"] {container-type: inline-size;}
@container (max-width: 1300px) {  /* a projector: five cards on one row */
  .st-key-briefing-cards [data-testid="stMetricValue"] {font-size: 1.6rem;}
}
@container (max-width: 1400px) {  /* too narrow for two charts side by side */
  .st-key-briefing-charts [data-testid="stHorizontalBlock"] {flex-direction: column;}
  .st-key-briefing-charts [data-testid="stColumn"] {width: 100% !important;
    flex: 1 1 100% !important;}
}
</style>""")
scenario, res, baseline = state.scenario(), state.result(), state.baseline()
widgets.link_warnings()

head = st.columns([5, 2, 1], vertical_alignment="bottom")
head[0].markdown(f"## Briefing: {versus.title(scenario, baseline)}")
years = list(range(2024, res.last_year + 1))
year = head[2].selectbox("Headline year (end Dec)", years, index=years.index(min(2027, years[-1])),
                         key="year", bind="query-params")
with head[1]:  # where a briefer looks: beside the title
    briefing_export.export_controls(scenario, year, baseline)

headline = versus.headline(scenario, baseline, year, controls_range(scenario))
cards.headline_cards(headline, "briefing-cards", metrics=briefing.CARD_METRICS,
                     extra=(briefing.smuggled_card(res, year),), no_controls=False)
cards.why_nothing_moved(scenario, baseline, year, compact=True)

left, right = st.container(key="briefing-charts").columns(2)
with left:
    widgets.chart("briefing_compute_race", *figures.briefing_race(scenario, baseline))
with right:
    widgets.chart("briefing_channels", *figures.briefing_channels(scenario, year, baseline))

body, foot = st.columns([4, 1])
with body.container(key="briefing-takeaways"):
    st.markdown("\n".join(f"- {line}" for line in briefing.takeaways(res, year, headline)))
with foot:
    st.caption(f"**Scenario:** {style.scenario_label(scenario)}  \n**Baseline:** "
               f"{versus.baseline_name(baseline)}  \n**Data as of:** "
               f"{style.data_date():%d %b %Y}  \nChokepoint model; ranges are 5-95% over "
               "draws of the assumptions.")
