"""The store that keeps every control's value, whether or not its widget is drawn.

Streamlit forgets a widget's value in any run that does not draw it, and the sidebar draws a
group's widgets only while the group is open (lib/app/controls.py), so values live in a store
of our own (session state "controls": one value per parameter, refilled from the base
scenario whenever it changes). Widgets write to the store in their change callbacks and are
seeded from it when drawn again; the scenario is built from the store alone, so it is the
same whether groups are open or closed.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib.core.calendar import YEARS

STORE = "controls"


MARK = "● "  # marks a control, group or year whose value differs from the preset


def values() -> dict[str, Any]:
    """Every parameter's current value (yearly ones as a tuple over YEARS)."""
    gen = st.session_state["gen"]
    store = st.session_state.get(STORE)
    if store is None or store["gen"] != gen:  # a new base: preset, reset, upload, saved one
        store = {"gen": gen, "values": dict(st.session_state["base"].values())}
        st.session_state[STORE] = store
    return store["values"]


def overrides() -> dict[str, Any]:
    """The store as Scenario.build overrides (yearly values as {year: value})."""
    return {key: dict(zip(YEARS, value, strict=True)) if isinstance(value, tuple) else value
            for key, value in values().items()}


def set_value(key: str, value: Any) -> None:
    """Change one control from elsewhere (a page's copy of a sidebar slider, the path
    editor)."""
    values()[key] = value


def widget_key(key: str, gen: int | None = None) -> str:
    """Widget keys carry the base's generation, so a new base replaces every widget."""
    return f"p_{key}_{st.session_state['gen'] if gen is None else gen}"
