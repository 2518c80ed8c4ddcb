"""Supply channels: China's compute by channel, the SMIC-to-Ascend funnel for a month with its
binding constraint, and legal exports vs smuggling over time."""

import streamlit as st

from lib.app import state, widgets
from lib.report import supply

widgets.page_header("Supply channels", "Where China's AI compute comes from: legal Nvidia exports, "
               "smuggling, TSMC-made Ascend dies and SMIC's own production.")
res = state.result()

stock = supply.channel_stock(res)
widgets.chart("china_compute_by_channel", supply.channel_area(stock, state.source()), stock)

st.subheader("SMIC-to-Ascend funnel")
months = [m.strftime("%b %Y") for m in res.months]
default = months[min(res.december_index(2027), len(months) - 1)]
month_label = st.select_slider("Month", options=months, value=default, key="funnel_month")
month = months.index(month_label)
funnel = supply.funnel_table(res, month)
left, right = st.columns([3, 1])
with left:
    widgets.chart("ascend_funnel", supply.funnel(funnel, state.source()), funnel)
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
unit = st.segmented_control("Count", ["units", "h100e"], default="units", key="arrivals_unit",
                            format_func={"units": "Chips", "h100e": "H100e"}.get) or "units"
arrivals = supply.channel_arrivals_yearly(res, unit)
widgets.chart("legal_vs_smuggled", supply.legal_vs_smuggled(arrivals, state.source()), arrivals)
