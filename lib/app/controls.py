"""The sidebar's parameter controls, drawn only while their group is open, and the store that
keeps every control's value.

Drawing all ~50 controls and per-year tables cost ~40% of a rerun, so a group's widgets are
built only while its expander is open. Streamlit forgets a widget's value in any run that does
not draw it, so values live in a store of our own (session state "controls": one value per
parameter, refilled from the base scenario whenever it changes). Widgets write to the store in
their change callbacks and are seeded from it when drawn again; the scenario is built from the
store alone, so it is the same whether groups are open or closed.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from lib.core.calendar import YEARS
from lib.report import glossary

MARK = "● "


STORE = "controls"


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
    """Change one control from elsewhere (a page's copy of a sidebar slider)."""
    values()[key] = value


def widget_key(key: str, gen: int | None = None) -> str:
    """Widget keys carry the base's generation, so a new base replaces every widget."""
    return f"p_{key}_{st.session_state['gen'] if gen is None else gen}"


def lazy_expander(container, label: str, key: str, default: bool):
    """An expander that reruns the app when toggled; draw its content only if `.open`.
    Streamlit gives an expander a new identity when its label changes (as the marker comes and
    goes), and a new one starts at `expanded`: so `expanded` is the state it was last in."""
    was_open = st.session_state.get(key, default)
    return container.expander(label, expanded=bool(was_open), key=key, on_change="rerun")


def help_text(parameter) -> str:
    text = (f"{parameter.description}\n\n**Source:** {parameter.source} "
            f"({parameter.source_date.isoformat()})")
    text += glossary.definitions_for(f"{parameter.label} {parameter.description}")
    if parameter.estimate:
        text += "\n\n*Derived or assumed estimate, not stated directly by the source.*"
    if parameter.kind == "boolean":  # a switch: on or off, no range
        return text
    return text + f"\n\nAllowed {parameter.min:g} to {parameter.max:g} {parameter.unit}; " \
                  f"plausible {parameter.low:g} to {parameter.high:g}."


def _format(parameter) -> str | None:
    step = parameter.step
    if parameter.kind == "integer" or float(step).is_integer():
        return "%d" if parameter.kind == "integer" else "%.0f"
    decimals = max(0, min(3, len(f"{step:g}".split(".")[-1])))
    return f"%.{decimals}f"


def _as_widget_value(parameter, value: Any) -> Any:
    if parameter.kind == "boolean":
        return bool(value)
    return int(value) if parameter.kind == "integer" else float(value)


def _on_scalar(key: str, gen: int) -> None:
    if gen == st.session_state["gen"]:  # not a widget of a base replaced in the same run
        values()[key] = st.session_state[widget_key(key, gen)]


def _on_yearly(key: str, gen: int) -> None:
    """Apply the editor's edits (absolute cell values, so applying them again is harmless)."""
    if gen != st.session_state["gen"]:
        return
    state = st.session_state.get(widget_key(key, gen)) or {}
    base = st.session_state["base"].values()[key]
    current = list(values()[key])
    for row, change in state.get("edited_rows", {}).items():
        if "value" in change:
            value = change["value"]
            missing = value is None or (isinstance(value, float) and math.isnan(value))
            current[int(row)] = float(base[int(row)]) if missing else float(value)
    values()[key] = tuple(current)


def control(parameter, preset_value: Any) -> None:
    """One widget for one parameter, showing and changing its value in the store."""
    key = widget_key(parameter.key)
    current = values()[parameter.key]
    changed = current != tuple(preset_value) if parameter.is_yearly else current != preset_value
    label = f"{MARK if changed else ''}{parameter.label} [{parameter.unit}]"
    args = (parameter.key, st.session_state["gen"])
    if parameter.is_yearly:
        _yearly_control(parameter, key, label, current, changed, args)
        return
    shown = _as_widget_value(parameter, current)
    if key in st.session_state and st.session_state[key] != shown:  # set by a page control
        st.session_state[key] = shown
        value = {}  # value= as well would make Streamlit warn
    else:  # the store's value, also as the default the browser (or a redraw) starts from
        value = {"value": shown}
    common = dict(key=key, help=help_text(parameter), on_change=_on_scalar, args=args, **value)
    if parameter.kind == "boolean":
        st.toggle(label, **common)
    elif parameter.kind == "integer":
        st.slider(label, min_value=int(parameter.min), max_value=int(parameter.max),
                  step=max(1, int(parameter.step)), **common)
    else:
        st.slider(label, min_value=float(parameter.min), max_value=float(parameter.max),
                  step=float(parameter.step), format=_format(parameter), **common)


def _yearly_control(parameter, key: str, label: str, current: tuple, changed: bool,
                    args: tuple) -> None:
    panel = lazy_expander(st, f"{label}, per year", f"open_{parameter.key}", False)
    if not panel.open:
        return
    with panel:
        frame = pd.DataFrame({"year": [str(y) for y in YEARS],
                              "value": [float(v) for v in current]})
        st.data_editor(
            frame, key=key, hide_index=True, num_rows="fixed", width="stretch",
            height=35 * (len(YEARS) + 1) + 3, on_change=_on_yearly, args=args,
            column_config={
                "year": st.column_config.TextColumn("Year", disabled=True),
                "value": st.column_config.NumberColumn(
                    parameter.unit, min_value=parameter.min, max_value=parameter.max,
                    step=parameter.step, help=help_text(parameter), required=True),
            },
        )
        if changed:
            st.caption(f"{MARK}differs from the preset")
