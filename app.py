"""Chokepoint: U.S. AI-chip export controls on China. Entry point: navigation and the shared
sidebar; each page in pages/ draws results read from lib/."""

import logging

import streamlit as st

import app_ui

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

st.set_page_config(page_title="Chokepoint: AI-chip export controls", page_icon="⛓",
                   layout="wide", initial_sidebar_state="expanded")

PAGES = [
    st.Page("pages/race_overview.py", title="Race overview", icon=":material/trending_up:",
            default=True, url_path="race"),
    st.Page("pages/supply_channels.py", title="Supply channels", icon=":material/factory:",
            url_path="supply"),
    st.Page("pages/chip_tiers.py", title="Chip tiers", icon=":material/memory:",
            url_path="tiers"),
    st.Page("pages/compare.py", title="Compare scenarios", icon=":material/compare_arrows:",
            url_path="compare"),
    st.Page("pages/assumptions.py", title="Assumptions and sources", icon=":material/menu_book:",
            url_path="assumptions"),
    st.Page("pages/briefing.py", title="Briefing", icon=":material/slideshow:",
            url_path="briefing"),
]

navigation = st.navigation(PAGES)
timer = app_ui.Timer(navigation.title)
app_ui.sidebar()
footer = st.sidebar.empty()
navigation.run()
ms = timer.done()
footer.caption(f"Server render: {ms:.0f} ms")
