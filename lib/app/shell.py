"""The app's frame: page config, the start-up data check, navigation and the shared sidebar.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import streamlit as st

from lib.analysis.arguments import FILE as ARGUMENTS_FILE
from lib.analysis.arguments import load_arguments
from lib.app import access
from lib.app.markup import md_escape
from lib.app.sidebar import sidebar
from lib.core.data import DataError, data_folder
from lib.core.scenario import validate_data

log = logging.getLogger("chokepoint")


ROOT = Path(__file__).resolve().parents[2]  # the project folder


# scripts/serve.py starts the server; it keeps Streamlit from treating pages/ as the legacy
# multipage folder, which would break deep links for the first visitor after a restart.
PAGES = (  # (file, title, icon, url path)
    ("pages/race_overview.py", "Race overview", ":material/trending_up:", "race"),
    ("pages/arguments.py", "Arguments", ":material/forum:", "arguments"),
    ("pages/supply_channels.py", "Supply channels", ":material/factory:", "supply"),
    ("pages/chip_tiers.py", "Chip tiers", ":material/memory:", "tiers"),
    ("pages/compare.py", "Compare scenarios", ":material/compare_arrows:", "compare"),
    ("pages/uncertainty.py", "Uncertainty", ":material/ssid_chart:", "uncertainty"),
    ("pages/library.py", "Saved scenarios", ":material/bookmarks:", "library"),
    ("pages/assumptions.py", "Assumptions and sources", ":material/menu_book:", "assumptions"),
    ("pages/briefing.py", "Briefing", ":material/slideshow:", "briefing"),
)
# Team deployments only (lib/app/access.py), after the page it records changes to
AUDIT_PAGE = ("pages/audit.py", "Audit log", ":material/history:", "audit")


def pages_for(mode: str) -> tuple[tuple[str, str, str, str], ...]:
    """The navigation of a deployment in `mode`."""
    if mode != access.TEAM:
        return PAGES
    at = [path for path, *_ in PAGES].index("pages/library.py") + 1
    return (*PAGES[:at], AUDIT_PAGE, *PAGES[at:])


def main(default_page: str = PAGES[0][0]) -> None:
    """The whole app: page config, navigation, the shared sidebar, then the chosen page.
    (Tests pass another default page to render it through the full app.)"""
    st.set_page_config(page_title="Chokepoint: AI-chip export controls", page_icon="⛓",
                       layout="wide", initial_sidebar_state="expanded")
    check_data()
    access.check_mode()
    pages = []
    for path, title, icon, url in pages_for(access.mode()):
        default = path == default_page
        # Streamlit serves the default page at "/" only; a hidden twin answers its own path
        # too (/race), so that link needs no "Page not found" dialog
        pages.append(st.Page(str(ROOT / path), title=title, icon=icon,
                             url_path="" if default else url, default=default))
        if default:
            pages.append(st.Page(str(ROOT / path), title=title, icon=icon, url_path=url,
                                 visibility="hidden"))
    navigation = st.navigation(pages)
    timer = Timer(navigation.title)
    access.sidebar_status()
    sidebar()
    navigation.run()
    timer.done()  # logged and kept in session state for benchmarks; visitors do not see it


@st.cache_resource(show_spinner=False)
def _validated(folder: str) -> bool:
    """Read every data file once per folder and process (a failure is not cached)."""
    validate_data(Path(folder))
    load_arguments(Path(folder) / ARGUMENTS_FILE)
    return True


def check_data() -> None:
    """Stop the app, naming file, row and column, if a data file is damaged: no page draws
    charts from bad data."""
    try:
        _validated(str(data_folder()))
    except DataError as exc:
        log.error("data check failed: %s", exc)
        st.error("Chokepoint cannot start: a data file is damaged. Fix it and reload.\n\n"
                 + md_escape(str(exc)), icon=":material/error:")
        st.stop()


class Timer:
    """Server render time of one script run, logged (load tests read it) and kept in session
    state (scripts/benchmark_app.py reads it); visitors do not see it."""

    def __init__(self, page: str):
        self.page, self.start = page, time.perf_counter()

    def done(self) -> float:
        ms = 1000 * (time.perf_counter() - self.start)
        log.info("render %s %.0f ms", self.page, ms)
        st.session_state.setdefault("render_ms", {})[self.page] = ms
        return ms
