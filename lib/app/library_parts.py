"""The Saved scenarios page's parts: the save form, the library table, the chosen scenario's
panel, Recently deleted, and export and import. Write controls are drawn only for a visitor
who may write (lib/app/access.py); the callbacks in lib/app/library_page.py check again.

Name, note and new-name boxes have no max_chars: a browser given a paste longer than it would
leave the box empty without a word. Saving checks the length instead, keeps the typed text and
says how long it is (the library's own message, from the limits in lib/core/limits.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3

import pandas as pd
import streamlit as st

from lib.app import access, state
from lib.app import library_page as actions
from lib.core.limits import MAX_DELETED, MAX_ENTRIES, MAX_NOTE, MAX_TEXT, MAX_UPLOAD_MB
from lib.report import export, style
from lib.store.library import LibraryError, Saved, ScenarioLibrary

esc, when = actions.esc, actions.when


def team() -> bool:
    """Whether who saved what may be shown: team members' names (or e-mail addresses) are for
    the team; a public deployment shows its curated library without them."""
    return access.mode() == access.TEAM


def picker_key(prefix: str, entries: list[Saved]) -> str:
    """A picker's key that changes with the names it offers (renamed here or by someone else):
    a picker keeps the label it was showing, so a renamed entry would show its old name."""
    names = hashlib.sha1(repr([(s.id, s.name) for s in entries]).encode()).hexdigest()[:10]
    return f"{prefix}_{names}"


def save_form() -> None:
    st.subheader("Save the current scenario")
    with st.form("lib_save_form", border=True, enter_to_submit=False):
        left, right = st.columns([2, 3])
        left.text_input("Name", key="lib_name", help=f"At most {MAX_TEXT} characters.",
                        placeholder="e.g. Leaky controls, high SMIC yield")
        left.checkbox("Replace one with this name", key="lib_overwrite",
                      help="Replace the saved scenario with the same name (else Save refuses).")
        right.text_area("Note", key="lib_note", height=110,
                        help=f"At most {MAX_NOTE:,} characters.",
                        placeholder="Why this scenario, sources, who asked for it")
        st.form_submit_button("Save", on_click=actions.save, type="primary",
                              icon=":material/save:")
        st.caption("Saves the sidebar's scenario: "
                   f"{esc(style.scenario_label(state.scenario()))}.")
    actions.show_flash("save")


def library_table(entries: list[Saved]) -> None:
    table = pd.DataFrame({  # the table's own "Download as CSV": formula-like text neutralized
        "Name": [export.neutralize(s.name) for s in entries],
        "Note": [export.neutralize(s.note) for s in entries],
        "Preset": [style.preset_label(s.scenario.preset) for s in entries],
        "Changes": [len(s.scenario.overrides) for s in entries],
        "Updated (UTC)": pd.to_datetime([s.updated_at for s in entries], utc=True,
                                        errors="coerce").tz_localize(None),
        "Updated by": [export.neutralize(s.updated_by) for s in entries],
        "Removed settings": [len(s.problems) for s in entries],
    })
    if not table["Removed settings"].any():
        table = table.drop(columns="Removed settings")
    if not table["Updated by"].any() or not team():  # the public never sees the team's names
        table = table.drop(columns="Updated by")
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        # every column fits a 1280 px projector's main column (the full name and note are in
        # the chosen scenario's panel below)
        "Name": st.column_config.TextColumn(width="medium"),
        "Note": st.column_config.TextColumn(width=150),  # [px]
        "Changes": st.column_config.NumberColumn(help="Controls that differ from the preset"),
        "Updated (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        "Removed settings": st.column_config.NumberColumn(
            help="Settings saved with an older version of the model and no longer used"),
    })


def scenario_panel(chosen: Saved, writable: bool) -> None:
    """The chosen saved scenario: when (and, for the team, who) saved it, its note and
    warnings, Open; and for a visitor who may write, Duplicate, Delete (confirmed), Rename."""
    created, updated = (chosen.created_by, chosen.updated_by) if team() else ("", "")
    st.caption(f"{esc(style.scenario_label(chosen.scenario))}; saved "
               f"{when(chosen.created_at, created)}, updated {when(chosen.updated_at, updated)}")
    if chosen.note:
        st.markdown(esc(chosen.note))
    if chosen.problems:
        st.warning(actions.problems_text(chosen.name, chosen.problems))
    buttons = st.columns(3)
    buttons[0].button("Open", key="lib_open", on_click=actions.open_saved, args=(chosen.id,),
                      type="primary", icon=":material/open_in_browser:", width="stretch",
                      help="Make it the current scenario: the sidebar controls reset to it.")
    if not writable:
        return
    buttons[1].button("Duplicate", key="lib_duplicate", on_click=actions.duplicate,
                      args=(chosen.id,), icon=":material/content_copy:", width="stretch",
                      help="Save a copy named '... (copy)'.")
    buttons[2].button("Delete", key="lib_delete", on_click=actions.ask_delete,
                      args=(chosen.id,), icon=":material/delete:", width="stretch",
                      help="Asks for confirmation first; it can be restored afterwards.")
    if st.session_state.get("lib_confirm_delete") == chosen.id:
        st.warning(f"Delete **{esc(chosen.name)}** for everyone on this deployment? It can be "
                   "restored from Recently deleted below.")
        confirm = st.columns([1, 1, 2])
        confirm[0].button("Yes, delete", key="lib_delete_yes", on_click=actions.delete,
                          args=(chosen.id,), type="primary", width="stretch")
        confirm[1].button("Cancel", key="lib_delete_no", on_click=actions.cancel_delete,
                          width="stretch")
    rename_row = st.columns([3, 1], vertical_alignment="bottom")
    rename_row[0].text_input("New name", key="lib_new_name",
                             placeholder="Rename the scenario chosen above")
    rename_row[1].button("Rename", key="lib_rename", on_click=actions.rename,
                         args=(chosen.id,), icon=":material/edit:", width="stretch")


def deleted_section(library: ScenarioLibrary) -> None:
    """Deleted scenarios, latest first, with who deleted them and when, and Restore."""
    st.subheader("Recently deleted")
    actions.show_flash("deleted")
    try:
        gone = library.deleted()
    except (LibraryError, sqlite3.Error) as exc:
        actions.log.error("deleted scenarios unavailable: %s", exc)
        st.error("Deleted scenarios cannot be listed right now.")
        return
    if not gone:
        st.caption(f"Nothing deleted. Deleted scenarios wait here to be restored (the latest "
                   f"{MAX_DELETED}).")
        return
    st.dataframe(pd.DataFrame({
        "Name": [export.neutralize(s.name) for s in gone],
        "Deleted (UTC)": pd.to_datetime([s.deleted_at for s in gone], utc=True,
                                        errors="coerce").tz_localize(None),
        "Deleted by": [export.neutralize(s.deleted_by or "") for s in gone],
        "Saved by": [export.neutralize(s.created_by) for s in gone],
    }), hide_index=True, width="stretch", height="auto", column_config={
        "Deleted (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
    by_id = {s.id: s for s in gone}
    row = st.columns([3, 1], vertical_alignment="bottom")
    chosen = row[0].selectbox("Deleted scenario", list(by_id), key=picker_key("lib_gone", gone),
                              format_func=lambda i: f"{by_id[i].name} (deleted "
                              f"{actions.stamp(by_id[i].deleted_at, by_id[i].deleted_by)})")
    row[1].button("Restore", key="lib_restore", on_click=actions.restore, args=(chosen,),
                  icon=":material/restore_from_trash:", width="stretch",
                  help="Bring it back into the library for everyone.")


def export_import(library: ScenarioLibrary, entries: list[Saved], writable: bool) -> None:
    st.subheader("Export and import" if writable else "Export")
    cols = st.columns(2)
    with cols[0]:
        if writable:  # beside Import; alone, the heading says it
            st.markdown("**Export**")
        st.caption("Every saved scenario with its name and note, as one JSON file.")
        st.download_button("Download the library (JSON)", data=library.export_json(),
                           file_name=f"chokepoint-library-{dt.date.today():%Y-%m-%d}.json",
                           mime="application/json", on_click="ignore", key="lib_export",
                           icon=":material/download:", disabled=not entries)
    if not writable:
        return
    with cols[1]:
        st.markdown("**Import**")
        st.file_uploader(f"A library file exported here (JSON, at most {MAX_UPLOAD_MB} MB and "
                         f"{MAX_ENTRIES} scenarios)", type=["json"],
                         key=f"lib_import_{st.session_state.get('lib_import_gen', 0)}")
        st.checkbox("Replace saved scenarios with the same name", key="lib_import_overwrite",
                    help="Otherwise those entries are skipped and the saved ones kept.")
        st.button("Import", key="lib_import_go", on_click=actions.import_library,
                  icon=":material/upload:")
        actions.show_flash("import")
