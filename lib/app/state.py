"""The session's scenario: the share link (read at the first run, followed on Back and
Forward, written after each move), the view parameters it carries, undo and redo, presets,
resets and uploads, the saved-scenario library, and the results the pages read.
"""

from __future__ import annotations

import logging
import sqlite3

import streamlit as st
from streamlit.runtime.state.session_state_proxy import get_session_state

from lib.analysis.baseline import DEFAULT_BASELINE
from lib.core.runs import Result, run
from lib.core.scenario import Scenario, ScenarioError
from lib.report import drivers, style, uncertainty
from lib.store.library import LibraryError, ScenarioLibrary

log = logging.getLogger("chokepoint")


def scenario() -> Scenario:
    return st.session_state["scenario"]


def result() -> Result:
    return run(scenario())


BASELINE_KEY = "baseline"  # the widget key and link parameter of the chosen baseline preset


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


# The view: widgets on the pages that say what the visitor looks at (not the scenario), each
# bound to the share link by Streamlit (bind="query-params"; the widget key is the link's
# parameter name, and a value at its default stays out of the link). A page's view travels in
# the link while that page is open. Declared once here: the scenario link neither reads these
# as scenario parameters nor writes or drops them.
VIEW_KEYS = frozenset({
    "year", "kind", "effective", "log", "events", "split",  # Race overview (and "year" below)
    "argument",  # Arguments, with "year"
    "month", "count",  # Supply channels
    "rules",  # Chip tiers
    "compare", "fans",  # Compare scenarios, with "log" and "year"
    # Uncertainty, with "year": one threshold per statement, one target per goal-seek output
    "draws", "seed", "fan", "statement", "series", "metric", "sens_year", "lever", "goal",
    "goal_year", *(f"n_{key}" for key in uncertainty.PROBABILITY_STATEMENTS),
    *(f"target_{key}" for key in drivers.SENSITIVITY_OUTPUTS),
    "groups", "role", "q",  # Assumptions and sources
    BASELINE_KEY,  # the sidebar's baseline, on every page
})

LINK = "link"  # session key: the scenario parameters the app last wrote to (or read from) the link
MOVES, MOVE = "moves", "move"  # session keys: the session's scenarios as links, and where it is
MAX_MOVES = 100


def link_query() -> dict[str, str]:
    """The scenario parameters the address bar carries now (view parameters left out)."""
    return {k: v for k, v in st.query_params.to_dict().items() if k not in VIEW_KEYS}


def _read_link(query: dict[str, str]) -> Scenario:
    """The link's scenario, leniently; what could not be read is shown by the page."""
    base, problems = Scenario.from_query(query) if query else (Scenario(), [])
    st.session_state["link_problems"] = problems
    st.session_state[LINK] = query
    return base


def init_state() -> None:
    """Every run: at the first, read the share link into the base scenario; later, follow
    the link when its scenario differs from the one the app last wrote (the browser's Back or
    Forward restored an earlier link)."""
    if "base" not in st.session_state:
        st.session_state["base"] = _read_link(link_query())
        st.session_state["gen"] = 0
        return
    query = link_query()
    # No scenario parameters: a page change (the browser keeps only the view's) or the bare
    # address, not a scenario to go to.
    if query and query != st.session_state.get(LINK):
        st.session_state["following_link"] = True
        set_base(_read_link(query))


def write_link(current: Scenario) -> None:
    """Put the scenario in the address bar, leaving the view's parameters alone, in a single
    message: each message is a browser history entry, so Back undoes exactly one move.
    (st.query_params cannot: from_dict drops the view's bound parameters and refuses to set
    them, and each set or del sends a message of its own.)"""
    wanted = current.to_query()
    query = link_query()
    if query != wanted:
        with get_session_state().query_params() as params:
            for key in query.keys() - wanted.keys():
                params.discard_param_no_forward_msg(key)
            params.update(wanted)
    st.session_state[LINK] = wanted


def record_move(current: Scenario) -> None:
    """Keep the session's moves for undo and redo: a scenario new to this run is a move,
    dropping any moves undone before it; after Back or Forward, a step to a neighbour."""
    query = current.to_query()
    moves = st.session_state.setdefault(MOVES, [query])
    at = st.session_state.setdefault(MOVE, 0)
    followed = st.session_state.pop("following_link", False)
    if query == moves[at]:
        return
    if followed:
        for step in (-1, 1):
            if 0 <= at + step < len(moves) and moves[at + step] == query:
                st.session_state[MOVE] = at + step
                return
    del moves[at + 1:]
    moves.append(query)
    del moves[:-MAX_MOVES]
    st.session_state[MOVE] = len(moves) - 1


def can_step(step: int) -> bool:
    """Whether there is a move to undo (-1) or redo (+1)."""
    return 0 <= st.session_state.get(MOVE, 0) + step < len(st.session_state.get(MOVES, [None]))


def on_step(step: int) -> None:
    """Undo (-1) or redo (+1): the scenario of the neighbouring move becomes the base."""
    if can_step(step):
        st.session_state[MOVE] += step
        set_base(Scenario.from_query(st.session_state[MOVES][st.session_state[MOVE]])[0])


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
