"""Supply channels: China's compute by channel, the SMIC-to-Ascend funnel for a month with its
binding constraint, and legal exports vs smuggling over time."""

import streamlit as st

from lib.app import figures, state, widgets

widgets.page_header("Supply channels", "Where the compute Chinese labs use comes from: legal "
               "Nvidia exports, smuggling, TSMC-made Ascend dies, SMIC's own production, other "
               "Chinese vendors, and compute Chinese firms own or rent abroad.")
scenario, res, baseline = state.scenario(), state.result(), state.baseline()

widgets.chart("china_compute_by_channel", *figures.channel_area(scenario, baseline))

st.subheader("SMIC-to-Ascend funnel")
months = [m.strftime("%b %Y") for m in res.months]
default = months[min(res.december_index(2027), len(months) - 1)]
month_label = st.select_slider("Month", options=months, value=default, key="month",
                               bind="query-params")
month = months.index(month_label)
funnel_figure, funnel = figures.funnel(scenario, month)
left, right = st.columns([3, 1])
with left:
    widgets.chart("ascend_funnel", funnel_figure, funnel)
with right:
    st.metric("Binding constraint", funnel.attrs["binding"], border=True,
              help="Which limit sets the number of working Ascend packages this month: SMIC "
                   "wafers, die yield, packaging capacity or HBM supply.")
    st.markdown("**Limits this month**")
    limits = funnel.attrs["limits"]
    st.dataframe({"limit": [r["limit"] for r in limits],
                  "value": [f"{r['value']:,.0f}" for r in limits],
                  "unit": [r["unit"] for r in limits]}, hide_index=True, width="stretch")

st.subheader("Legal exports and smuggling")
unit = st.segmented_control("Count", ["units", "h100e"], default="units", key="count",
                            bind="query-params",
                            format_func={"units": "Chips", "h100e": "H100e"}.get) or "units"
widgets.chart("legal_vs_smuggled", *figures.legal_vs_smuggled(scenario, unit))

st.subheader("Demand and what fills it")
st.caption("Buyers' choice fills Chinese demand with compute abroad (already committed), then "
           "licensed Nvidia chips, then smuggled chips; domestic chips take the rest, so Huawei "
           "sells no more than is ordered. Where the bars fall short of the line, demand went "
           "unmet.")
widgets.chart("demand_and_supply", *figures.demand_and_supply(scenario, baseline))
