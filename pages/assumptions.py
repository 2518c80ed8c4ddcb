"""Assumptions and sources: every parameter with its value, default, ranges, unit, source and
date (generated from data/parameters.yaml), and the back-cast against published estimates."""

import streamlit as st

from lib.app import figures, state, widgets
from lib.core.limits import MAX_SEARCH
from lib.report import assumptions, export, glossary

widgets.page_header("Assumptions and sources", "Every parameter behind the scenario, generated "
                    "from data/parameters.yaml."
                    " ● in the sidebar marks what differs from the preset.")
table = assumptions.assumptions_table(state.scenario())

filters = st.columns([3, 2, 3])
groups = filters[0].multiselect("Groups", sorted(table["group"].unique()), key="groups",
                                bind="query-params", placeholder="All groups")
kind = filters[1].segmented_control("Kind", ["policy", "assumption"], key="role",
                                    bind="query-params",
                                    help=glossary.sentence("Policy lever"))
# no max_chars: a browser leaves the box empty, without a word, when a paste is longer
search = filters[2].text_input("Search", key="q", bind="query-params",
                               placeholder="label, key, source...")
if len(search) > MAX_SEARCH:
    st.warning(f"Searches are at most {MAX_SEARCH} characters; this one has {len(search):,}, "
               "so every parameter is listed.")
    search = ""
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
           f"{int(table['changed from preset'].sum())} changed from the preset. Description, "
           "distribution, ranges and source of one parameter in full: pick it under the table.")
widgets.static_table(assumptions.parameter_listing(shown), height=560)
labels = dict(zip(shown["key"], shown["label"], strict=True))
key = st.selectbox("Read one parameter in full", list(labels), index=None,
                   format_func=labels.get, key="assume_record",
                   placeholder="Choose a parameter (type to search)")
if key is not None:
    record = assumptions.parameter_record(table, key)
    widgets.static_table(record)
    widgets.define_named(*record["value"])
st.download_button("Download assumptions (CSV)", data=lambda: export.frame_csv(
    shown.set_index("key"), state.scenario()), file_name="chokepoint-assumptions.csv",
    mime="text/csv", on_click="ignore", key="assume_csv", icon=":material/download:",
    help="Every column of the rows shown, with the scenario named on the first line.")

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
             column_order=[c for c in backcast.columns if c not in assumptions.BACKCAST_TEXT],
             column_config={"checkpoint": st.column_config.TextColumn(width=180, pinned=True),
                            "unit": st.column_config.TextColumn(width=72),
                            **{c: st.column_config.NumberColumn(format="compact", width=62)
                               for c in ("published", "low", "high", "model")},
                            "deviation": st.column_config.NumberColumn(format="percent",
                                                                       width=78),
                            "status": st.column_config.TextColumn(width=110)})
with st.expander("Each checkpoint's date, whether it is held out, its source and note"):
    widgets.static_table(backcast[["checkpoint", *assumptions.BACKCAST_TEXT]])

st.subheader("Glossary")
widgets.static_table(glossary.terms().rename(columns={"also": "also written",
                                                    "source_date": "source date"}))
