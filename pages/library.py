"""Saved scenarios: a library shared by everyone on this deployment. Save the sidebar's
scenario with a name and a note; list, open, rename, duplicate, delete and compare saved
scenarios; export the whole library as one JSON file and import one (lib/app/library_page.py
holds the actions and the chosen scenario's panel)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import streamlit as st

from lib.app import library_page as actions
from lib.app import shell, state, widgets
from lib.core.limits import MAX_NOTE, MAX_TEXT, MAX_UPLOAD_MB
from lib.report import export, style

COMPARE_PAGE = str(shell.ROOT / "pages/compare.py")

widgets.page_header("Saved scenarios", "Named scenarios with notes, shared by everyone using this "
               "deployment. Open one to load it into the sidebar, or compare several.")

library, entries = actions.open_library()  # stops the page if it cannot be read
by_id = {saved.id: saved for saved in entries}

st.subheader("Save the current scenario")
current = state.scenario()
with st.form("lib_save_form", border=True, enter_to_submit=False):
    left, right = st.columns([2, 3])
    left.text_input("Name", key="lib_name", max_chars=MAX_TEXT,
                    placeholder="e.g. Leaky controls, high SMIC yield")
    left.checkbox("Replace a saved scenario with the same name", key="lib_overwrite")
    right.text_area("Note", key="lib_note", max_chars=MAX_NOTE, height=110,
                    placeholder="Why this scenario, sources, who asked for it")
    st.form_submit_button("Save", on_click=actions.save, type="primary", icon=":material/save:")
    st.caption(f"Saves the sidebar's scenario: {actions.esc(style.scenario_label(current))}.")
actions.show_flash("save")

st.subheader(f"Library ({len(entries)} saved)")
if not entries:
    actions.show_flash("item")  # e.g. the last one deleted
    st.info("No saved scenarios yet. Save the current one above, or import a library file "
            "below.")
else:
    table = pd.DataFrame({  # the table's own "Download as CSV": formula-like text neutralized
        "Name": [export.neutralize(s.name) for s in entries],
        "Note": [export.neutralize(s.note) for s in entries],
        "Preset": [style.preset_label(s.scenario.preset) for s in entries],
        "Changes": [len(s.scenario.overrides) for s in entries],
        "Updated (UTC)": pd.to_datetime([s.updated_at for s in entries], utc=True,
                                        errors="coerce").tz_localize(None),
        "Removed settings": [len(s.problems) for s in entries],
    })
    if not table["Removed settings"].any():
        table = table.drop(columns="Removed settings")
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "Note": st.column_config.TextColumn(width="large"),
        "Changes": st.column_config.NumberColumn(help="Controls that differ from the preset"),
        "Updated (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        "Removed settings": st.column_config.NumberColumn(
            help="Settings saved with an older version of the model and no longer used"),
    })

    ids = list(by_id)
    # The pickers' keys change with the names (renamed here or by someone else): a picker
    # keeps the label it was showing, so a renamed entry would show its old name.
    names = hashlib.sha1(repr([(s.id, s.name) for s in entries]).encode()).hexdigest()[:10]
    current = st.session_state.get("lib_current")
    with st.container(border=True):
        actions.show_flash("item")
        key = f"lib_selected_{names}"
        chosen_id = st.selectbox("Saved scenario", ids, key=key,
                                 index=ids.index(current) if current in by_id else 0,
                                 format_func=lambda i: by_id[i].name)
        st.session_state["lib_current"] = chosen_id
        actions.scenario_panel(by_id[chosen_id])

    st.subheader("Compare saved scenarios")
    key = f"lib_compare_{names}"
    picked = st.multiselect("Saved scenarios to compare (two to four)", ids, key=key,
                            default=[i for i in st.session_state.get("lib_compare_ids", [])
                                     if i in by_id][:4],
                            format_func=lambda i: by_id[i].name, max_selections=4)
    st.session_state["lib_compare_ids"] = picked
    if st.button("Compare selected", key="lib_compare_go", disabled=len(picked) < 2,
                 icon=":material/compare_arrows:",
                 help="Opens the Compare page with these scenarios."):
        st.session_state["compare"] = [state.saved_label(by_id[i].name) for i in picked]
        st.switch_page(COMPARE_PAGE)

st.subheader("Export and import")
cols = st.columns(2)
with cols[0]:
    st.markdown("**Export**")
    st.caption("Every saved scenario with its name and note, as one JSON file.")
    st.download_button("Download the library (JSON)", data=library.export_json(),
                       file_name=f"chokepoint-library-{dt.date.today():%Y-%m-%d}.json",
                       mime="application/json", on_click="ignore", key="lib_export",
                       icon=":material/download:", disabled=not entries)
with cols[1]:
    st.markdown("**Import**")
    st.file_uploader(f"A library file exported here (JSON, at most {MAX_UPLOAD_MB} MB)",
                     type=["json"], key=f"lib_import_{st.session_state.get('lib_import_gen', 0)}")
    st.checkbox("Replace saved scenarios with the same name", key="lib_import_overwrite",
                help="Otherwise those entries are skipped and the saved ones kept.")
    st.button("Import", key="lib_import_go", on_click=actions.import_library,
              icon=":material/upload:")
    actions.show_flash("import")
st.session_state.pop(actions.FLASH, None)
