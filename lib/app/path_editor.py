"""The path editor of a yearly parameter: a wide dialog with one input per year (years as
rows, one click to edit), "from year X set Y", "from year X grow Z %/yr", a reset to the
preset, and a chart of the path against the preset's.

Each edit goes to the store at once and reruns the whole app, so the sidebar's marks, the
page and the share link follow while the dialog stays open: it is drawn again on every run
until it is dismissed or closed with Done.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from lib.app import store
from lib.core.calendar import FIRST_YEAR, LAST_YEAR, YEARS
from lib.core.declarations import fmt_value
from lib.core.paths import grow_from, round_for_link, set_from
from lib.core.registry import registry
from lib.report.assumptions import path_chart
from lib.report.fmt import printf_format, show_value

EDITING = "path_editing"  # session state: the key of the parameter whose editor is open


NOTICE = "path_notice"  # (kind, text) for the dialog's next run: what the last edit did


APPLIED = "path_applied"  # an edit was stored: the dialog's next run reruns the whole app


def open_editor(key: str) -> None:
    st.session_state[EDITING] = key
    st.session_state.pop(NOTICE, None)


def close_editor() -> None:
    st.session_state.pop(EDITING, None)
    st.session_state.pop(NOTICE, None)


def show_if_open(parameter, preset: tuple, preset_name: str) -> None:
    """Draw the editor (a modal dialog) if it is open on `parameter`."""
    if st.session_state.get(EDITING) == parameter.key:
        title = f"{parameter.label} [{parameter.unit}], per year"
        st.dialog(title, width="large", on_dismiss=close_editor)(_editor)(
            parameter, preset, preset_name)


def _editor(parameter, preset: tuple, preset_name: str) -> None:
    if st.session_state.pop(APPLIED, False):
        st.rerun()  # from the dialog's own run: rerun the app, which draws the dialog again
    gen = st.session_state["gen"]
    current = store.values()[parameter.key]
    estimate = " Derived or assumed estimate." if parameter.estimate else ""
    st.caption(f"{parameter.description} Allowed {fmt_value(parameter.min)} to "
               f"{fmt_value(parameter.max)} "
               f"{parameter.unit}. **Source:** {parameter.source} "
               f"({parameter.source_date.isoformat()}).{estimate}")
    table, side = st.columns([3, 2], gap="medium")
    half = (len(YEARS) + 1) // 2  # two columns of years: the whole path fits a 720 px screen
    for column, indices in zip(table.columns(2, gap="medium"),
                               (range(half), range(half, len(YEARS))), strict=True):
        with column:
            _year_table(parameter, current, preset, gen, indices)
    with table:
        _reset_and_done(parameter, current, preset, gen)
    with side:
        notice = st.session_state.get(NOTICE)
        if notice:
            {"error": st.error, "warning": st.warning, "success": st.success}[notice[0]](
                notice[1])
        _from_year_forms(parameter, current, gen)
        st.plotly_chart(path_chart(parameter.label, parameter.unit, current, preset,
                                   preset_name), key=f"path_chart_{parameter.key}",
                        config={"displayModeBar": False})


def _reset_and_done(parameter, current: tuple, preset: tuple, gen: int) -> None:
    reset, done = st.columns(2)
    reset.button("Reset to preset", key=f"path_reset_{parameter.key}_{gen}",
                 icon=":material/restart_alt:", disabled=tuple(current) == preset,
                 on_click=_apply, args=(parameter.key, gen, preset, "Reset to the preset."),
                 width="stretch")
    if done.button("Done", key=f"path_done_{parameter.key}", type="primary",
                   width="stretch"):
        close_editor()
        st.rerun()


def year_key(key: str, year: int, gen: int) -> str:
    return f"path_{key}_{year}_{gen}"


def _year_table(parameter, current: tuple, preset: tuple, gen: int, indices: range) -> None:
    """Years as rows: the year, the preset's value and an input holding this scenario's."""
    widths = [2, 3, 6]
    head = st.columns(widths)
    head[0].markdown("**Year**")
    head[1].markdown("**Preset**")
    head[2].markdown(f"**{parameter.unit}**")
    rows = st.container(gap="xxsmall")
    number_format = printf_format(parameter.kind, parameter.step)
    for index in indices:
        year = YEARS[index]
        row = rows.columns(widths, vertical_alignment="center")
        differs = current[index] != preset[index]
        row[0].markdown(f"**{store.MARK}{year}**" if differs else f"{year}")
        row[1].markdown(show_value(float(preset[index])))
        key = year_key(parameter.key, year, gen)
        shown = float(current[index])
        if key in st.session_state:  # the store's value wins (an action may have moved it)
            if st.session_state[key] != shown:
                st.session_state[key] = shown
            value = {}  # value= as well would make Streamlit warn
        else:
            value = {"value": shown}
        # no min/max: out-of-range input gets a message from _on_year, not a silent clamp
        row[2].number_input(str(year), key=key, step=float(parameter.step),
                            format=number_format, label_visibility="collapsed",
                            on_change=_on_year, args=(parameter.key, index, gen), **value)


def _from_year_forms(parameter, current: tuple, gen: int) -> None:
    default_year = min(max(dt.date.today().year, FIRST_YEAR), LAST_YEAR)
    number_format = printf_format(parameter.kind, parameter.step)
    for action, label, submit, extra in (
            ("set", f"to [{parameter.unit}]", "Set", dict(
                value=float(current[default_year - FIRST_YEAR]), step=float(parameter.step),
                format=number_format)),
            ("grow", "by [%/yr]", "Grow", dict(value=10.0, step=1.0, format="%.1f"))):
        with st.form(f"path_{action}_{parameter.key}_{gen}", border=False):
            year, number, button = st.columns([3, 4, 2], vertical_alignment="bottom")
            year.selectbox(f"{submit} from year", YEARS, index=YEARS.index(default_year),
                           key=f"path_{action}_year_{parameter.key}_{gen}")
            number.number_input(label, key=f"path_{action}_value_{parameter.key}_{gen}",
                                **extra)
            button.form_submit_button(submit, on_click=_on_from_year, width="stretch",
                                      args=(parameter.key, action, gen))


def _on_year(key: str, index: int, gen: int) -> None:
    """One year typed in: stored if allowed; otherwise a message, and the input goes back."""
    if gen != st.session_state["gen"]:
        return
    parameter = registry()[key]
    current = list(store.values()[key])
    widget, year = year_key(key, YEARS[index], gen), YEARS[index]
    typed = st.session_state[widget]
    try:
        if typed is None:
            raise ValueError("a value is needed")
        value = round_for_link(parameter.check_value(typed))
    except ValueError as exc:
        st.session_state[widget] = float(current[index])
        st.session_state[NOTICE] = ("error", f"{year}: {exc}. Nothing changed.")
        return
    current[index] = value
    _apply(key, gen, tuple(current), "")


def _on_from_year(key: str, action: str, gen: int) -> None:
    if gen != st.session_state["gen"]:
        return
    parameter = registry()[key]
    year = st.session_state[f"path_{action}_year_{key}_{gen}"]
    number = st.session_state[f"path_{action}_value_{key}_{gen}"]
    path, bounds = store.values()[key], (parameter.min, parameter.max)
    if number is None:
        st.session_state[NOTICE] = ("error", "Enter a number first. Nothing changed.")
        return
    if action == "set":
        edit = set_from(path, FIRST_YEAR, year, number, bounds)
        done = f"From {year} on: {show_value(float(edit.values[-1]))} {parameter.unit}."
    else:
        try:
            edit = grow_from(path, FIRST_YEAR, year, number / 100, bounds)
        except ValueError as exc:
            st.session_state[NOTICE] = ("error", f"{exc}. Nothing changed.")
            return
        done = f"From {max(year, FIRST_YEAR + 1)} on: {number:g}%/yr."
        if path[max(year - FIRST_YEAR, 1) - 1] == 0:
            done += " The year before is 0, and growth from 0 stays 0."
    _apply(key, gen, edit.values, f"{done} {edit.clipped_text(parameter.unit)}".strip(),
           "warning" if edit.clipped else "success")


def _apply(key: str, gen: int, path: tuple, message: str, kind: str = "success") -> None:
    """Store the new path (the scenario and the link follow on the rerun)."""
    if gen != st.session_state["gen"]:
        return
    store.set_value(key, tuple(float(v) for v in path))
    st.session_state[APPLIED] = True
    broken = [text for constraint, text in registry().violations(store.values())
              if key in constraint.keys]
    if broken:  # the scenario falls back to the preset for the constraint's parameters
        message = f"{message} {'; '.join(broken)}: the scenario keeps the preset's values " \
                  "for these until they fit.".strip()
        kind = "warning"
    if message:
        st.session_state[NOTICE] = (kind, message)
    else:
        st.session_state.pop(NOTICE, None)
