"""The session's scenario: the share link read at first run, presets, resets and uploads, the
saved-scenario library, and the results the pages read.
"""

from __future__ import annotations

import logging
import sqlite3

import streamlit as st

from lib.core.runs import Result, run
from lib.core.scenario import Scenario, ScenarioError
from lib.report import style
from lib.store.library import LibraryError, ScenarioLibrary

log = logging.getLogger("chokepoint")


def scenario() -> Scenario:
    return st.session_state["scenario"]


def result() -> Result:
    return run(scenario())


BASELINE_KEY = "baseline"  # the widget key and link parameter of the chosen baseline preset
DEFAULT_BASELINE = "status_quo"


def baseline() -> Scenario:
    """The scenario every delta and reference line is measured against: a preset."""
    return Scenario.build(st.session_state.get(BASELINE_KEY) or DEFAULT_BASELINE)


def source(extra: str = "") -> str:
    return style.scenario_source(scenario(), extra)


SAVED_PREFIX = "Saved: "


def library() -> ScenarioLibrary:
    """The library at $CHOKEPOINT_DB, opened per use (cheap: one read when the schema is up
    to date), so a database file replaced or deleted while the app runs is simply reopened."""
    return ScenarioLibrary()


def saved_label(name: str) -> str:
    """A saved scenario's option label on the Compare page. No angle brackets: labels become
    chart legend text, where Plotly reads tags."""
    return SAVED_PREFIX + name.replace("<", "‹").replace(">", "›")


def saved_scenarios() -> dict[str, Scenario]:
    """Every saved scenario as saved_label(name) -> scenario (for the Compare page); empty,
    with a logged error, if the library cannot be read."""
    try:
        return {saved_label(saved.name): saved.scenario for saved in library().all()}
    except (LibraryError, sqlite3.Error) as exc:
        log.error("saved scenarios unavailable: %s", exc)
        return {}


def set_base(new: Scenario) -> None:
    """Replace the scenario the controls start from; new widget keys reset every control."""
    st.session_state["base"] = new
    st.session_state["gen"] = st.session_state.get("gen", 0) + 1


# Link parameters that carry a page's view rather than the scenario: pages read and write
# them; the scenario link neither reads them as parameters nor drops them.
VIEW_KEYS = ("argument", BASELINE_KEY)


def view_query() -> dict[str, str]:
    """The view parameters the address bar carries now."""
    return {k: v for k, v in st.query_params.to_dict().items() if k in VIEW_KEYS}


def init_state() -> None:
    """First run of a session: read the share link (leniently) into the base scenario."""
    if "base" in st.session_state:
        return
    query = {k: v for k, v in st.query_params.to_dict().items() if k not in VIEW_KEYS}
    problems: list[tuple[str, str]] = []
    if query:
        base, problems = Scenario.from_query(query)
    else:
        base = Scenario()
    st.session_state["base"] = base
    st.session_state["gen"] = 0
    st.session_state["link_problems"] = problems


def on_preset_change() -> None:
    name = st.session_state[f"preset_{st.session_state['gen']}"]
    set_base(Scenario.build(name))


def on_reset() -> None:
    set_base(Scenario.build(scenario().preset))


def on_upload() -> None:
    key = f"upload_{st.session_state.get('upload_gen', 0)}"
    file = st.session_state.get(key)
    if file is not None:
        st.session_state["pending_upload"] = file.getvalue()


def apply_pending_upload() -> None:
    """Validate uploaded scenario bytes; on success make them the base scenario."""
    data = st.session_state.pop("pending_upload", None)
    if data is None:
        return
    try:
        new = Scenario.from_json(data)
    except ScenarioError as exc:
        st.session_state["upload_problems"] = exc.problems
        return
    st.session_state["upload_problems"] = []
    st.session_state["upload_ok"] = style.scenario_label(new)
    st.session_state["upload_gen"] = st.session_state.get("upload_gen", 0) + 1
    set_base(new)
