"""The sidebar's parameter controls, drawn only while their group is open.

Drawing all ~50 controls cost ~40% of a rerun, so a group's widgets are built only while its
expander is open; values live in lib/app/store.py, so the scenario is the same whether groups
are open or closed. A yearly parameter shows a one-line summary of its path and opens the
path editor (lib/app/path_editor.py) rather than a per-year grid in the narrow sidebar.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib.app import path_editor
from lib.app.store import MARK, overrides, set_value, values, widget_key
from lib.core.calendar import FIRST_YEAR, LAST_YEAR
from lib.core.scenario import presets
from lib.report import glossary
from lib.report.fmt import fmt_with_unit, printf_format, sparkline

__all__ = ["MARK", "control", "help_text", "lazy_expander", "overrides", "set_value", "values",
           "widget_key"]


def lazy_expander(container, label: str, key: str, default: bool):
    """An expander that reruns the app when toggled; draw its content only if `.open`.

    Whether it is open is kept under `key` in session state, apart from the widget, because
    the widget cannot keep it: Streamlit derives an expander's identity from its label and
    `expanded`, so each edit that changes the label (the marker and count of changes) makes a
    new widget, which starts at `expanded`. With the state read from the widget's key, a
    rerun interrupted by the next edit (the browser still showing the old widget) or a widget
    skipped for a run read back as the default: the group collapsed after the edit."""
    opened = bool(st.session_state.get(key, default))
    widget = f"{key}__expander"
    return container.expander(label, expanded=opened, key=widget, on_change=_remember_open,
                              args=(key, widget))


def _remember_open(key: str, widget: str) -> None:
    st.session_state[key] = bool(st.session_state[widget])


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


def _as_widget_value(parameter, value: Any) -> Any:
    if parameter.kind == "boolean":
        return bool(value)
    return int(value) if parameter.kind == "integer" else float(value)


def _on_scalar(key: str, gen: int) -> None:
    if gen == st.session_state["gen"]:  # not a widget of a base replaced in the same run
        values()[key] = st.session_state[widget_key(key, gen)]


def control(parameter, preset_value: Any) -> None:
    """One widget for one parameter, showing and changing its value in the store."""
    key = widget_key(parameter.key)
    current = values()[parameter.key]
    changed = current != tuple(preset_value) if parameter.is_yearly else current != preset_value
    label = f"{MARK if changed else ''}{parameter.label} [{parameter.unit}]"
    args = (parameter.key, st.session_state["gen"])
    if parameter.is_yearly:
        _yearly_control(parameter, label, current, changed, tuple(preset_value))
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
                  step=float(parameter.step),
                  format=printf_format(parameter.kind, parameter.step), **common)


def _yearly_control(parameter, label: str, current: tuple, changed: bool,
                    preset_value: tuple) -> None:
    """The path in one line (first and last year, a sparkline, whether it differs from the
    preset) and the button that opens the path editor."""
    first, last = fmt_with_unit(current[0], parameter.unit), fmt_with_unit(current[-1],
                                                                           parameter.unit)
    st.markdown(f":small[{label}]", help=help_text(parameter))  # the size of widget labels
    state = f"{MARK}differs from the preset" if changed else "as the preset"
    st.caption(f"{sparkline(current)}  \n{FIRST_YEAR}: {first} → {LAST_YEAR}: {last}; {state}")
    st.button("Edit path", key=f"edit_{parameter.key}", icon=":material/edit:",
              on_click=path_editor.open_editor, args=(parameter.key,), width="stretch",
              help="Edit it year by year, or from a year on set a value or a growth rate.")
    preset_name = presets()[st.session_state["base"].preset].label
    path_editor.show_if_open(parameter, tuple(preset_value), preset_name)
