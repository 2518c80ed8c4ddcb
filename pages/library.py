"""Saved scenarios: a library shared by everyone on this deployment. Save the sidebar's
scenario with a name and a note; list, open, rename, duplicate, delete and compare saved
scenarios; export the whole library as one JSON file and import one.

Names and notes are user text: they are shown in tables or escaped before any Markdown, never
as HTML. Actions run in button callbacks (before the sidebar draws), so opening a scenario
resets the sidebar controls in the same run; their outcome is kept for the page as a message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import sqlite3

import pandas as pd
import streamlit as st

from lib.app import markup, shell, state, widgets
from lib.core.limits import MAX_TEXT
from lib.report import style
from lib.store.library import MAX_NOTE, LibraryError, Saved

log = logging.getLogger("chokepoint")
MAX_UPLOAD = 1024 * 1024  # a library file is a few kB per scenario; the server caps at 1 MB
FLASH = "library_flash"  # area -> [(kind, Markdown text with user text escaped)]
COMPARE_PAGE = str(shell.ROOT / "pages/compare.py")
esc = markup.md_escape


def flash(kind: str, text: str, area: str = "item") -> None:
    """Keep an action's outcome for the next run, shown beside the controls that did it
    (area: save, item or import)."""
    st.session_state.setdefault(FLASH, {}).setdefault(area, []).append((kind, text))


def show_flash(area: str) -> None:
    for kind, text in st.session_state.get(FLASH, {}).pop(area, []):
        getattr(st, kind)(text)


def _failed(action: str, exc: Exception, area: str = "item") -> None:
    if isinstance(exc, LibraryError):
        flash("error", f"{action} failed: {esc(exc)}.", area)
    else:  # sqlite3.Error: a locked, full or unreadable database file
        log.error("library %s failed: %s", action.lower(), exc)
        flash("error", f"{action} failed: the library database could not be used "
                       f"({esc(exc.__class__.__name__)}). Try again in a moment.", area)


def _when(stamp: str) -> str:
    return esc(stamp[:16].replace("T", " ") + " UTC")


def _problems_text(name: str, problems) -> str:
    return (f"**{esc(name)}** was saved with settings this version of the model no longer has; "
            "they were left out:\n\n" + "\n".join(f"- {esc(key)}: {esc(message)}"
                                                 for key, message in problems))


# ---------------------------------------------------------------------------------------------
# Actions (button callbacks)


def _save() -> None:
    name, note = st.session_state.get("lib_name", ""), st.session_state.get("lib_note", "")
    overwrite = bool(st.session_state.get("lib_overwrite"))
    try:
        scenario_id = state.library().save(name, state.scenario(), note, overwrite=overwrite)
    except (LibraryError, sqlite3.Error) as exc:
        _failed("Saving", exc, "save")
        return
    saved = state.library().get(scenario_id)
    flash("success", f"Saved the current scenario as **{esc(saved.name)}**.", "save")
    st.session_state["lib_name"] = st.session_state["lib_note"] = ""
    st.session_state["lib_overwrite"] = False
    st.session_state["lib_current"] = scenario_id


def _open(scenario_id: int) -> None:
    try:
        saved = state.library().get(scenario_id)
    except (LibraryError, sqlite3.Error) as exc:
        _failed("Opening", exc)
        return
    state.set_base(saved.scenario)
    flash("success", f"Opened **{esc(saved.name)}**: the sidebar controls now show it "
                     f"({esc(style.scenario_label(saved.scenario))}).")
    if saved.problems:
        flash("warning", _problems_text(saved.name, saved.problems))


def _rename(scenario_id: int) -> None:
    new_name = st.session_state.get("lib_new_name", "")
    try:
        old = state.library().get(scenario_id).name
        state.library().rename(scenario_id, new_name)
        new = state.library().get(scenario_id).name
    except (LibraryError, sqlite3.Error) as exc:
        _failed("Renaming", exc)
        return
    flash("success", f"Renamed **{esc(old)}** to **{esc(new)}**.")
    st.session_state["lib_new_name"] = ""


def _duplicate(scenario_id: int) -> None:
    try:
        copy = state.library().get(state.library().duplicate(scenario_id))
    except (LibraryError, sqlite3.Error) as exc:
        _failed("Duplicating", exc)
        return
    flash("success", f"Saved a copy as **{esc(copy.name)}**.")
    st.session_state["lib_current"] = copy.id


def _ask_delete(scenario_id: int) -> None:
    st.session_state["lib_confirm_delete"] = scenario_id


def _cancel_delete() -> None:
    st.session_state.pop("lib_confirm_delete", None)


def _delete(scenario_id: int) -> None:
    st.session_state.pop("lib_confirm_delete", None)
    try:
        name = state.library().get(scenario_id).name
        state.library().delete(scenario_id)
    except (LibraryError, sqlite3.Error) as exc:
        _failed("Deleting", exc)
        return
    st.session_state.pop("lib_current", None)
    flash("success", f"Deleted **{esc(name)}**.")


def _import() -> None:
    key = f"lib_import_{st.session_state.get('lib_import_gen', 0)}"
    file = st.session_state.get(key)
    if file is None:
        flash("error", "Choose a library file (JSON) to import first.", "import")
        return
    try:
        if file.size > MAX_UPLOAD:
            raise LibraryError(f"the file is larger than {MAX_UPLOAD // 1024:,} KiB")
        count, skipped = state.library().import_json(
            file.getvalue(), overwrite=bool(st.session_state.get("lib_import_overwrite")))
    except (LibraryError, sqlite3.Error) as exc:
        _failed("Importing", exc, "import")
        return
    st.session_state["lib_import_gen"] = st.session_state.get("lib_import_gen", 0) + 1
    flash("success" if count else "info",
          f"Imported {count} scenario{'' if count == 1 else 's'} from **{esc(file.name)}**.",
          "import")
    if skipped:
        flash("warning", f"{len(skipped)} entr{'y was' if len(skipped) == 1 else 'ies were'} "
                         "not imported:\n\n" + "\n".join(f"- {esc(m)}" for m in skipped[:50])
              + (f"\n- ... and {len(skipped) - 50} more" if len(skipped) > 50 else ""),
              "import")


# ---------------------------------------------------------------------------------------------
# The page

widgets.page_header("Saved scenarios", "Named scenarios with notes, shared by everyone using this "
               "deployment. Open one to load it into the sidebar, or compare several.")

try:
    library = state.library()
    entries: list[Saved] = library.all()
except (LibraryError, sqlite3.Error) as exc:
    log.error("library unavailable: %s", exc)
    st.error(f"The saved-scenario library cannot be read: {esc(exc)}")
    st.stop()
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
    st.form_submit_button("Save", on_click=_save, type="primary", icon=":material/save:")
    st.caption(f"Saves the sidebar's scenario: {esc(style.scenario_label(current))}.")
show_flash("save")

st.subheader(f"Library ({len(entries)} saved)")
if not entries:
    show_flash("item")  # e.g. the last one deleted
    st.info("No saved scenarios yet. Save the current one above, or import a library file "
            "below.")
else:
    table = pd.DataFrame({
        "Name": [s.name for s in entries],
        "Note": [s.note for s in entries],
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
        show_flash("item")
        key = f"lib_selected_{names}"
        chosen_id = st.selectbox("Saved scenario", ids, key=key,
                                 index=ids.index(current) if current in by_id else 0,
                                 format_func=lambda i: by_id[i].name)
        st.session_state["lib_current"] = chosen_id
        chosen = by_id[chosen_id]
        st.caption(f"{esc(style.scenario_label(chosen.scenario))}; saved {_when(chosen.created_at)}"
                   f", updated {_when(chosen.updated_at)}")
        if chosen.note:
            st.markdown(esc(chosen.note))
        if chosen.problems:
            st.warning(_problems_text(chosen.name, chosen.problems))
        buttons = st.columns(3)
        buttons[0].button("Open", key="lib_open", on_click=_open, args=(chosen_id,),
                          type="primary", icon=":material/open_in_browser:", width="stretch",
                          help="Make it the current scenario: the sidebar controls reset to it.")
        buttons[1].button("Duplicate", key="lib_duplicate", on_click=_duplicate,
                          args=(chosen_id,), icon=":material/content_copy:", width="stretch",
                          help="Save a copy named '... (copy)'.")
        buttons[2].button("Delete", key="lib_delete", on_click=_ask_delete, args=(chosen_id,),
                          icon=":material/delete:", width="stretch",
                          help="Asks for confirmation first.")
        if st.session_state.get("lib_confirm_delete") == chosen_id:
            st.warning(f"Delete **{esc(chosen.name)}** for everyone on this deployment? "
                       "This cannot be undone.")
            confirm = st.columns([1, 1, 2])
            confirm[0].button("Yes, delete", key="lib_delete_yes", on_click=_delete,
                              args=(chosen_id,), type="primary", width="stretch")
            confirm[1].button("Cancel", key="lib_delete_no", on_click=_cancel_delete,
                              width="stretch")
        rename = st.columns([3, 1], vertical_alignment="bottom")
        rename[0].text_input("New name", key="lib_new_name", max_chars=MAX_TEXT,
                             placeholder="Rename the scenario chosen above")
        rename[1].button("Rename", key="lib_rename", on_click=_rename, args=(chosen_id,),
                         icon=":material/edit:", width="stretch")

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
        st.session_state["compare_choice"] = [state.saved_label(by_id[i].name) for i in picked]
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
    st.file_uploader("A library file exported here (JSON, at most 1 MB)", type=["json"],
                     key=f"lib_import_{st.session_state.get('lib_import_gen', 0)}")
    st.checkbox("Replace saved scenarios with the same name", key="lib_import_overwrite",
                help="Otherwise those entries are skipped and the saved ones kept.")
    st.button("Import", key="lib_import_go", on_click=_import, icon=":material/upload:")
    show_flash("import")
st.session_state.pop(FLASH, None)
