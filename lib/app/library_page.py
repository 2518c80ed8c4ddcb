"""The Saved scenarios page's actions and parts: save, open, rename, duplicate, delete and
import as button callbacks, and the library table and the chosen scenario's panel.

Names and notes are user text: they are shown in tables or escaped before any Markdown, never
as HTML. Actions run in button callbacks (before the sidebar draws), so opening a scenario
resets the sidebar controls in the same run; their outcome is kept for the page as a message.
"""

from __future__ import annotations

import logging
import sqlite3

import streamlit as st

from lib.app import markup, state
from lib.core.limits import MAX_TEXT, MAX_UPLOAD_MB
from lib.report import style
from lib.store.library import LibraryError, Saved, ScenarioLibrary, hidden_text

log = logging.getLogger("chokepoint")
WHO = "visitor"  # until sign-in lands: every write names who made it
FLASH = "library_flash"  # area -> [(kind, Markdown text with user text escaped)]
esc = markup.md_escape


def flash(kind: str, text: str, area: str = "item") -> None:
    """Keep an action's outcome for the next run, shown beside the controls that did it
    (area: save, item or import)."""
    st.session_state.setdefault(FLASH, {}).setdefault(area, []).append((kind, text))


def show_flash(area: str) -> None:
    for kind, text in st.session_state.get(FLASH, {}).pop(area, []):
        getattr(st, kind)(text)


def failed(action: str, exc: Exception, area: str = "item") -> None:
    if isinstance(exc, LibraryError):
        flash("error", f"{action} failed: {esc(exc)}.", area)
    else:  # sqlite3.Error: a locked, full or unreadable database file
        log.error("library %s failed: %s", action.lower(), exc)
        flash("error", f"{action} failed: the library database could not be used "
                       f"({esc(exc.__class__.__name__)}). Try again in a moment.", area)


def open_library() -> tuple[ScenarioLibrary, list[Saved]]:
    """The library and its readable entries, with notices for a read-only library and for
    entries that could not be read; the page stops with a message if it cannot be read."""
    try:
        library = state.library()
        entries = library.all()
    except (LibraryError, sqlite3.Error) as exc:  # LibraryError messages name no server path
        log.error("library unavailable: %s", exc)
        reason = exc if isinstance(exc, LibraryError) else exc.__class__.__name__
        st.error(f"The saved-scenario library cannot be read: {esc(reason)}.")
        st.stop()
    if library.read_only:
        st.info("The library is read-only on this server: saved scenarios can be opened, "
                "compared and exported, but not saved, changed or imported.")
    if library.hidden:
        st.warning(esc(hidden_text(library.hidden)) + ".")
    return library, entries


def when(stamp: str) -> str:
    return esc(stamp[:16].replace("T", " ") + " UTC")


def problems_text(name: str, problems) -> str:
    return (f"**{esc(name)}** was saved with settings this version of the model no longer has; "
            "they were left out:\n\n" + "\n".join(f"- {esc(key)}: {esc(message)}"
                                                 for key, message in problems))


# ---------------------------------------------------------------------------------------------
# Actions (button callbacks)


def save() -> None:
    name, note = st.session_state.get("lib_name", ""), st.session_state.get("lib_note", "")
    overwrite = bool(st.session_state.get("lib_overwrite"))
    try:
        library = state.library()
        saved = library.get(library.save(name, state.scenario(), note, overwrite=overwrite,
                                          user=WHO))
    except (LibraryError, sqlite3.Error) as exc:
        failed("Saving", exc, "save")
        return
    flash("success", f"Saved the current scenario as **{esc(saved.name)}**.", "save")
    st.session_state["lib_name"] = st.session_state["lib_note"] = ""
    st.session_state["lib_overwrite"] = False
    st.session_state["lib_current"] = saved.id


def open_saved(scenario_id: int) -> None:
    try:
        saved = state.library().get(scenario_id)
    except (LibraryError, sqlite3.Error) as exc:
        failed("Opening", exc)
        return
    state.set_base(saved.scenario)
    flash("success", f"Opened **{esc(saved.name)}**: the sidebar controls now show it "
                     f"({esc(style.scenario_label(saved.scenario))}).")
    if saved.problems:
        flash("warning", problems_text(saved.name, saved.problems))


def rename(scenario_id: int) -> None:
    new_name = st.session_state.get("lib_new_name", "")
    try:
        old = state.library().get(scenario_id).name
        state.library().rename(scenario_id, new_name, user=WHO)
        new = state.library().get(scenario_id).name
    except (LibraryError, sqlite3.Error) as exc:
        failed("Renaming", exc)
        return
    flash("success", f"Renamed **{esc(old)}** to **{esc(new)}**.")
    st.session_state["lib_new_name"] = ""


def duplicate(scenario_id: int) -> None:
    try:
        copy = state.library().get(state.library().duplicate(scenario_id, user=WHO))
    except (LibraryError, sqlite3.Error) as exc:
        failed("Duplicating", exc)
        return
    flash("success", f"Saved a copy as **{esc(copy.name)}**.")
    st.session_state["lib_current"] = copy.id


def ask_delete(scenario_id: int) -> None:
    st.session_state["lib_confirm_delete"] = scenario_id


def cancel_delete() -> None:
    st.session_state.pop("lib_confirm_delete", None)


def delete(scenario_id: int) -> None:
    st.session_state.pop("lib_confirm_delete", None)
    try:
        name = state.library().get(scenario_id).name
        state.library().delete(scenario_id, user=WHO)
    except (LibraryError, sqlite3.Error) as exc:
        failed("Deleting", exc)
        return
    st.session_state.pop("lib_current", None)
    flash("success", f"Deleted **{esc(name)}**.")


def import_library() -> None:
    key = f"lib_import_{st.session_state.get('lib_import_gen', 0)}"
    file = st.session_state.get(key)
    if file is None:
        flash("error", "Choose a library file (JSON) to import first.", "import")
        return
    try:
        if file.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise LibraryError(f"the file is larger than {MAX_UPLOAD_MB} MB")
        count, skipped = state.library().import_json(
            file.getvalue(), overwrite=bool(st.session_state.get("lib_import_overwrite")), user=WHO)
    except (LibraryError, sqlite3.Error) as exc:
        failed("Importing", exc, "import")
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


def scenario_panel(chosen: Saved) -> None:
    """The chosen saved scenario: its note and warnings, open, duplicate, delete, rename."""
    st.caption(f"{esc(style.scenario_label(chosen.scenario))}; saved "
               f"{when(chosen.created_at)}, updated {when(chosen.updated_at)}")
    if chosen.note:
        st.markdown(esc(chosen.note))
    if chosen.problems:
        st.warning(problems_text(chosen.name, chosen.problems))
    buttons = st.columns(3)
    buttons[0].button("Open", key="lib_open", on_click=open_saved, args=(chosen.id,),
                      type="primary", icon=":material/open_in_browser:", width="stretch",
                      help="Make it the current scenario: the sidebar controls reset to it.")
    buttons[1].button("Duplicate", key="lib_duplicate", on_click=duplicate,
                      args=(chosen.id,), icon=":material/content_copy:", width="stretch",
                      help="Save a copy named '... (copy)'.")
    buttons[2].button("Delete", key="lib_delete", on_click=ask_delete,
                      args=(chosen.id,), icon=":material/delete:", width="stretch",
                      help="Asks for confirmation first.")
    if st.session_state.get("lib_confirm_delete") == chosen.id:
        st.warning(f"Delete **{esc(chosen.name)}** for everyone on this deployment? "
                   "This cannot be undone.")
        confirm = st.columns([1, 1, 2])
        confirm[0].button("Yes, delete", key="lib_delete_yes", on_click=delete,
                          args=(chosen.id,), type="primary", width="stretch")
        confirm[1].button("Cancel", key="lib_delete_no", on_click=cancel_delete,
                          width="stretch")
    rename_row = st.columns([3, 1], vertical_alignment="bottom")
    rename_row[0].text_input("New name", key="lib_new_name", max_chars=MAX_TEXT,
                         placeholder="Rename the scenario chosen above")
    rename_row[1].button("Rename", key="lib_rename", on_click=rename, args=(chosen.id,),
                     icon=":material/edit:", width="stretch")
