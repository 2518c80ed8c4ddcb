"""Saved scenarios: the deployment's library of named scenarios with notes. Public mode: read
only (list, open, compare, export). Team mode: for signed-in visitors only; save the sidebar's
scenario with a name and a note, rename, duplicate, delete and restore, import, each write
naming who made it (lib/app/access.py decides; lib/app/library_parts.py draws the parts and
lib/app/library_page.py holds the actions)."""

from __future__ import annotations

import streamlit as st

from lib.app import access, shell, state, widgets
from lib.app import library_page as actions
from lib.app import library_parts as parts

COMPARE_PAGE = str(shell.ROOT / "pages/compare.py")

team = access.mode() == access.TEAM
widgets.page_header("Saved scenarios", (
    "Named scenarios with notes, shared by the team on this deployment; every change names "
    "who made it (Audit log page)." if team else "Named scenarios with notes, curated by "
    "this deployment's operator.") + " Open one to load it into the sidebar, or compare several.")
if not access.library_readable():  # team mode, not signed in: no names, no notes
    access.sign_in_panel("to see and change the team's saved scenarios")
    st.stop()

library, entries = actions.open_library()  # stops the page if it cannot be read
by_id = {saved.id: saved for saved in entries}
writable = access.writer()[0] is not None
if writable:
    parts.save_form()
else:
    st.info(access.READ_ONLY, icon=":material/lock:")

st.subheader(f"Library ({len(entries)} saved)")
if not entries:
    actions.show_flash("item")  # e.g. the last one deleted
    st.info("No saved scenarios yet. " + ("Save the current one above, or import a library "
                                          "file below." if writable else
                                          "The operator chooses the ones shown here."))
else:
    parts.library_table(entries)
    ids = list(by_id)
    current = st.session_state.get("lib_current")
    with st.container(border=True):
        actions.show_flash("item")
        chosen_id = st.selectbox("Saved scenario", ids, key=parts.picker_key("lib_selected",
                                                                             entries),
                                 index=ids.index(current) if current in by_id else 0,
                                 format_func=lambda i: by_id[i].name)
        st.session_state["lib_current"] = chosen_id
        parts.scenario_panel(by_id[chosen_id], writable)

    st.subheader("Compare saved scenarios")
    picked = st.multiselect("Saved scenarios to compare (two to four)", ids,
                            key=parts.picker_key("lib_compare", entries),
                            default=[i for i in st.session_state.get("lib_compare_ids", [])
                                     if i in by_id][:4],
                            format_func=lambda i: by_id[i].name, max_selections=4)
    st.session_state["lib_compare_ids"] = picked
    if st.button("Compare selected", key="lib_compare_go", disabled=len(picked) < 2,
                 icon=":material/compare_arrows:",
                 help="Opens the Compare page with these scenarios."):
        st.session_state["compare"] = [state.saved_label(by_id[i].name) for i in picked]
        st.switch_page(COMPARE_PAGE)

if writable:
    parts.deleted_section(library)
parts.export_import(library, entries, writable)
st.session_state.pop(actions.FLASH, None)
