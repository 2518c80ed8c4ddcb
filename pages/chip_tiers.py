"""Chip tiers: every chip on TPP vs performance density with the rule regions and the 2026
licensing line, a movable hypothetical threshold, per-chip H100e and the spec table."""

import streamlit as st

from lib.app import sidebar, state, widgets
from lib.core.outputs import CHANNELS, output
from lib.core.registry import registry
from lib.core.scenario import preset_values
from lib.report import fmt, tiers

widgets.page_header("Chip tiers", "Which chips China may buy under each rule, and what moving the "
               "2026 case-by-case licensing line would change.")
scenario, res = state.scenario(), state.result()
values = scenario.values()
preset_vals = preset_values(scenario.preset)
parameter = registry()["export_tpp_threshold"]

controls = st.columns([2, 3])
date_label = controls[0].selectbox("Rules in force", list(tiers.TIER_DATES),
                                   index=len(tiers.TIER_DATES) - 1, key="rules",
                                   bind="query-params")
date = tiers.TIER_DATES[date_label]
sidebar.threshold_slider(controls[1], parameter)

chips = tiers.tier_frame(date, values["export_tpp_threshold"], values["export_bw_threshold_gbps"])
shown = chips[["name", "tpp", "performance_density", "tier", "die_area_mm2",
               "die_area_estimated", "die_area_estimate_mm2", "die_area_estimate_source"]]
fig = tiers.tier_scatter(chips, state.source("Rules: data/rules.csv; chips: data/chips.csv."),
                          values["export_tpp_threshold"], preset_vals["export_tpp_threshold"],
                          date_label=f"({date_label})")
widgets.chart("chip_tiers", fig, shown)
estimated = chips[chips["die_area_estimated"]]
if len(estimated):
    st.caption("Open markers, \"(die est.)\": no published die area, so performance density "
               "uses an estimate declared in data/chips.csv (hover for how it was derived; "
               "the spec table below gives the source): " + ", ".join(estimated["name"]) + ".")

unknown = chips[chips["performance_density"].isna()]
if len(unknown):
    st.markdown("**Not plotted: die area unknown** (performance density cannot be computed; "
                "nothing is invented)")
    st.dataframe(unknown[["name", "vendor", "tpp", "tier", "china_status"]], hide_index=True,
                 width="stretch")

st.subheader("What the threshold changes")
preset_res = tiers.preset_result(scenario)
changes = tiers.tier_changes(date, scenario)
cols = st.columns(3)
names = dict(zip(tiers.chip_table_ids(), tiers.chip_specs()["name"], strict=True))
cols[0].metric("Best chip licensable to China (2026+)",
               names.get(res.licensed_chip, "none"), border=True,
               delta=f"preset: {names.get(preset_res.licensed_chip, 'none')}",
               delta_color="off", delta_arrow="off")
year = min(2027, res.last_year)
china, china_preset = res.at("china_total", year), preset_res.at("china_total", year)
china_total = output("china_total")
cols[1].metric(f"{china_total.label}, end {year} [{china_total.unit}]", fmt.fmt_number(china),
               border=True,
               delta=f"{fmt.fmt_number(china - china_preset)} vs preset"
               if china != china_preset else "same as preset", delta_color="off", delta_arrow="off")
legal, legal_preset = (r.channel_stock_h100e()["legal"].iloc[r.december_index(year)]
                       for r in (res, preset_res))
cols[2].metric(f"{CHANNELS['legal']} in China's compute, end {year} [{china_total.unit}]",
               fmt.fmt_number(legal),
               border=True, delta=f"{fmt.fmt_number(legal - legal_preset)} vs preset"
               if legal != legal_preset else "same as preset", delta_color="off", delta_arrow="off")
if changes.empty:
    st.caption(f"No chip changes tier against the preset ({changes.attrs['preset']}) under "
               f"the rules of {date_label}.")
else:
    st.dataframe(changes, hide_index=True, width="stretch")

st.subheader("Each chip in H100-equivalents")
h100e = tiers.chip_h100e()
widgets.chart("chip_h100e", tiers.chip_h100e_bars(h100e, state.source(
    "H100e: dense 16-bit FLOP/s vs an H100 (the one rating on both sides); bandwidth: memory "
    "bandwidth vs an H100's 3.35 TB/s.")), h100e)

st.subheader("Chip specifications")
st.dataframe(tiers.chip_specs(), hide_index=True, width="stretch",
             column_config={"source": st.column_config.TextColumn(width="large"),
                            "performance_density": st.column_config.NumberColumn(
                                "PD [TPP/mm²]", format="%.2f"),
                            "h100e": st.column_config.NumberColumn(format="%.2f"),
                            "inference_h100e": st.column_config.NumberColumn(format="%.2f")})
