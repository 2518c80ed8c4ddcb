"""Arguments: each argument about the export controls with its source, the mechanism and lever
that carry it, a switch for the mechanism, what the model says with it on and off, and the
published evidence for and against."""

import streamlit as st

from lib.analysis.arguments import argument_effect, arguments
from lib.app import state, widgets
from lib.app.markup import md_escape
from lib.core.mechanisms import MECHANISMS
from lib.report import arguments as report
from lib.report import style

widgets.page_header("Arguments", "What people argue about the export controls, what the model "
                    "says with and without the mechanism each argument rests on, and what "
                    "published evidence says.")
scenario, res = state.scenario(), state.result()
catalogue = arguments()


def _switch(switch: str, key: str) -> None:
    state.set_base(state.scenario().with_overrides(**{switch: st.session_state[key]}))


linked = st.query_params.get("argument")  # links made before it carried the name
if linked in catalogue and "argument" not in st.session_state:
    st.session_state["argument"] = linked
choice = st.segmented_control("Argument", list(catalogue), key="argument", bind="query-params",
                              default=next(iter(catalogue)), required=True,
                              format_func=lambda key: catalogue[key].name)
argument = catalogue[choice]
mechanism = MECHANISMS[argument.mechanism]

st.subheader(md_escape(argument.claim), anchor=False)
st.markdown(f"**Question:** {md_escape(argument.question)}")
st.caption(md_escape(report.seed_line(argument)))

head = st.columns([3, 1], vertical_alignment="center")
head[0].markdown(f"**Mechanism:** {md_escape(report.mechanism_line(argument))}")
switch_key = f"argument_switch_{mechanism.id}"
st.session_state[switch_key] = bool(scenario.values()[mechanism.switch])
head[1].toggle("On in the scenario", key=switch_key, on_change=_switch,
               args=(mechanism.switch, switch_key),
               help="Switches this mechanism in the shared scenario: the sidebar, every other "
                    "page and the share link follow. This page shows the answer with it on and "
                    "off either way.")
picker, lever = st.columns([1, 2], vertical_alignment="center")
with picker:
    year = widgets.year_picker(res, "year", 2030, "Year (end of December)")
lever.caption(md_escape(report.lever_line(argument, scenario, year) + " "
                        + report.comparison_line(argument)))
effect = argument_effect(scenario, argument.id)
if effect.same_sides:  # the answer would only repeat that there is nothing to compare
    st.info(md_escape(report.verdict(effect, year)) + ".", icon=":material/info:")
else:
    st.info(f"**Answer.** {md_escape(report.answer(effect, year))}", icon=":material/gavel:")

st.markdown(f"**{md_escape(report.cards_heading(effect, year))}**")
for column, card in zip(st.columns(3), report.cards(effect, year), strict=True):
    column.metric(card.label, card.value, delta=card.delta, delta_color="off",
                  delta_arrow="off", border=True, help=widgets.named_help(card.label))
    column.caption(md_escape(card.caption))

widgets.chart(f"argument_{argument.id}",
              *report.effect_chart(effect, year, style.scenario_source(scenario)))

columns = st.columns(2)
for column, title, items in ((columns[0], "Evidence for", argument.evidence_for),
                             (columns[1], "Evidence against", argument.evidence_against)):
    column.markdown(f"#### {title}")
    for item in items:
        column.markdown(md_escape(item.fact))
        column.caption(md_escape(f"{item.source}, {item.date}"))
