"""Assumptions and sources: every parameter with its value, default, ranges, unit, source and
date (generated from data/parameters.yaml), and the back-cast against published estimates."""

import streamlit as st

from lib.app import figures, state, widgets
from lib.report import assumptions, export

widgets.page_header("Assumptions and sources", "Every parameter behind the scenario, generated "
                    "from data/parameters.yaml."
                    " ● in the sidebar marks what differs from the preset.")
table = assumptions.assumptions_table(state.scenario())

filters = st.columns([3, 2, 3])
groups = filters[0].multiselect("Groups", sorted(table["group"].unique()), key="groups",
                                bind="query-params", placeholder="All groups")
kind = filters[1].segmented_control("Kind", ["policy", "assumption"], key="role",
                                    bind="query-params")
search = filters[2].text_input("Search", key="q", bind="query-params", max_chars=100,
                               placeholder="label, key, source...")
shown = table
if groups:
    shown = shown[shown["group"].isin(groups)]
if kind:
    shown = shown[shown["kind"] == kind]
if search:
    text = (shown["label"] + " " + shown["key"] + " " + shown["description"] + " "
            + shown["source"]).str.lower()
    shown = shown[text.str.contains(search.lower(), regex=False)]
st.caption(f"{len(shown)} of {len(table)} parameters; "
           f"{int(table['changed from preset'].sum())} changed from the preset.")
st.dataframe(shown, hide_index=True, width="stretch", height=520,
             column_config={"description": st.column_config.TextColumn(width="large"),
                            "source": st.column_config.TextColumn(width="large"),
                            "distribution": st.column_config.TextColumn(
                                width="medium", help="How the parameter varies on the "
                                "Uncertainty page, around its current value: assumptions "
                                "are drawn in Monte Carlo; policy levers are held there and "
                                "vary only in the tornado.")})
st.download_button("Download assumptions (CSV)", data=lambda: export.frame_csv(
    shown.set_index("key")), file_name="chokepoint-assumptions.csv", mime="text/csv",
    on_click="ignore", key="assume_csv", icon=":material/download:")

st.subheader("Correlated assumptions")
st.caption("Pairs drawn together in Monte Carlo (Gaussian copula; rho on normal scores), "
           "declared in the correlations section of data/parameters.yaml.")
st.markdown("\n".join(f"- {line}" for line in assumptions.correlation_lines()))

st.subheader("Back-cast: the model against published estimates, 2023-2026")
chart, backcast = figures.backcast(state.scenario())
widgets.chart("backcast", chart, backcast)
inside = int((backcast["status"] == "inside").sum())
ranged = int((backcast["status"] != "point estimate").sum())
st.caption(f"{inside} of {ranged} checkpoints with a published range are inside it under "
           f"this scenario. Calibrated to the record (their source lines say how): "
           f"{', '.join(assumptions.calibrated_labels())}; nothing else is tuned to fit.")
st.dataframe(backcast, hide_index=True, width="stretch",
             column_config={"deviation": st.column_config.NumberColumn(format="percent"),
                            "published": st.column_config.NumberColumn(format="compact"),
                            "low": st.column_config.NumberColumn(format="compact"),
                            "high": st.column_config.NumberColumn(format="compact"),
                            "model": st.column_config.NumberColumn(format="compact")})

st.subheader("Glossary")
st.dataframe(assumptions.glossary(), hide_index=True, width="stretch",
             column_config={"definition": st.column_config.TextColumn(width="large")})
