"""Supply channels: China's compute by channel, the SMIC-to-Ascend funnel for a month with its
binding constraint, and legal exports vs smuggling over time."""

import streamlit as st

import app_ui as ui
from lib import charts
from lib import dashboard_data as dd

ui.page_header("Supply channels", "Where China's AI compute comes from: legal Nvidia exports, "
               "smuggling, TSMC-made Ascend dies and SMIC's own production.")
res = ui.result()

stock = dd.channel_stock(res)
ui.chart("china_compute_by_channel", charts.channel_area(stock, ui.source()), stock)

st.subheader("SMIC-to-Ascend funnel")
months = [m.strftime("%b %Y") for m in res.months]
default = months[min(dd.month_index(res, 2027), len(months) - 1)]
month_label = st.select_slider("Month", options=months, value=default, key="funnel_month")
month = months.index(month_label)
funnel = dd.funnel(res, month)
left, right = st.columns([3, 1])
with left:
    ui.chart("ascend_funnel", charts.funnel(funnel, ui.source()), funnel)
with right:
    st.metric("Binding constraint", funnel.attrs["binding"], border=True,
              help="Which limit sets the number of working Ascend packages this month: SMIC "
                   "wafers, die yield, packaging capacity or HBM supply.")
    st.markdown("**Limits this month** [packages/month unless noted]")
    st.dataframe({"limit": list(funnel.attrs["limits"]),
                  "value": [f"{v:,.0f}" for v in funnel.attrs["limits"].values()]},
                 hide_index=True, width="stretch")

st.subheader("Legal exports and smuggling")
unit = st.segmented_control("Count", ["units", "h100e"], default="units", key="arrivals_unit",
                            format_func={"units": "Chips", "h100e": "H100e"}.get) or "units"
arrivals = dd.channel_arrivals_yearly(res, unit)
ui.chart("legal_vs_smuggled", charts.legal_vs_smuggled(arrivals, ui.source()), arrivals)
