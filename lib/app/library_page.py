"""The Saved scenarios page's actions: save, open, rename, duplicate, delete, restore and
import as button callbacks (lib/app/library_parts.py draws the controls that call them).

Every write asks lib/app/access.py who may make it (the deployment's mode, the signed-in
visitor) at the moment it runs, and names that visitor to the library; a refused write changes
nothing and says why. A control that is not drawn can still be sent, so this check is the one
that counts.

Names and notes are user text: they are shown in tables or escaped before any Markdown, never
as HTML. Actions run in button callbacks (before the sidebar draws), so opening a scenario
resets the sidebar controls in the same run; their outcome is kept for the page as a message.
"""

from __future__ import annotations

import logging
import sqlite3

import streamlit as st

from lib.app import access, markup, state
from lib.core.limits import MAX_UPLOAD_MB
from lib.report import style
from lib.store.library import LibraryError, Saved, ScenarioLibrary, hidden_text

log = logging.getLogger("chokepoint")
FLASH = "library_flash"  # area -> [(kind, Markdown text with user text escaped)]
esc = markup.md_escape


def flash(kind: str, text: str, area: str = "item") -> None:
    """Keep an action's outcome for the next run, shown beside the controls that did it
    (area: save, item, deleted or import)."""
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
    if library.read_only and access.mode() == access.TEAM:  # public: read-only anyway
        st.info("The library is read-only on this server: saved scenarios can be opened, "
                "compared and exported, but not saved, changed or imported.")
    if library.hidden:
        st.warning(esc(hidden_text(library.hidden)) + ".")
    return library, entries


def stamp(at: str | None, who: str | None = "") -> str:
    """'2026-11-24 09:30 UTC by ana' (who is '' for changes made before the library kept it)."""
    return (at or "")[:16].replace("T", " ") + " UTC" + (f" by {who}" if who else "")


def when(at: str | None, who: str | None = "") -> str:
    """stamp() for Markdown."""
    return esc(stamp(at, who))


def problems_text(name: str, problems) -> str:
    return (f"**{esc(name)}** was saved with settings this version of the model no longer has; "
            "they were left out:\n\n" + "\n".join(f"- {esc(key)}: {esc(message)}"
                                                 for key, message in problems))


# ---------------------------------------------------------------------------------------------
# Actions (button callbacks)


def writer(action: str, area: str = "item") -> str | None:
    """Who makes this write, or None with the refusal shown (public mode, not signed in)."""
    who, why = access.writer()
    if who is None:
        log.warning("library %s refused: %s", action.lower(), why)
        flash("error", f"{action} refused: {esc(why)}.", area)
    return who


def save() -> None:
    if not (who := writer("Saving", "save")):
        return
    name, note = st.session_state.get("lib_name", ""), st.session_state.get("lib_note", "")
    overwrite = bool(st.session_state.get("lib_overwrite"))
    try:
        library = state.library()
        saved = library.get(library.save(name, state.scenario(), note, overwrite=overwrite,
                                         user=who))
    except (LibraryError, sqlite3.Error) as exc:  # the typed text stays, to fix and retry
        failed("Saving", exc, "save")
        return
    flash("success", f"Saved the current scenario as **{esc(saved.name)}**.", "save")
    st.session_state["lib_name"] = st.session_state["lib_note"] = ""
    st.session_state["lib_overwrite"] = False
    st.session_state["lib_current"] = saved.id


def open_saved(scenario_id: int) -> None:
    if not access.library_readable():
        flash("error", "Opening refused: sign in to open the team's saved scenarios.")
        return
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
    if not (who := writer("Renaming")):
        return
    new_name = st.session_state.get("lib_new_name", "")
    try:
        old = state.library().get(scenario_id).name
        state.library().rename(scenario_id, new_name, user=who)
        new = state.library().get(scenario_id).name
    except (LibraryError, sqlite3.Error) as exc:
        failed("Renaming", exc)
        return
    flash("success", f"Renamed **{esc(old)}** to **{esc(new)}**.")
    st.session_state["lib_new_name"] = ""


def duplicate(scenario_id: int) -> None:
    if not (who := writer("Duplicating")):
        return
    try:
        copy = state.library().get(state.library().duplicate(scenario_id, user=who))
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
    if not (who := writer("Deleting")):
        return
    try:
        name = state.library().get(scenario_id).name
        state.library().delete(scenario_id, user=who)
    except (LibraryError, sqlite3.Error) as exc:
        failed("Deleting", exc)
        return
    st.session_state.pop("lib_current", None)
    flash("success", f"Deleted **{esc(name)}**. It can be restored under Recently deleted.")


def restore(scenario_id: int) -> None:
    if not (who := writer("Restoring", "deleted")):
        return
    try:
        old = state.library().get(scenario_id, deleted=True).name
        name = state.library().restore(scenario_id, user=who)
    except (LibraryError, sqlite3.Error) as exc:
        failed("Restoring", exc, "deleted")
        return
    st.session_state["lib_current"] = scenario_id
    flash("success", f"Restored **{esc(name)}**" + ("." if name == old else
          f": a saved scenario is named **{esc(old)}** now, so it came back under a new "
          "name."), "deleted")


def import_library() -> None:
    if not (who := writer("Importing", "import")):
        return
    key = f"lib_import_{st.session_state.get('lib_import_gen', 0)}"
    file = st.session_state.get(key)
    if file is None:
        flash("error", "Choose a library file (JSON) to import first.", "import")
        return
    try:
        if file.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise LibraryError(f"the file is larger than {MAX_UPLOAD_MB} MB")
        count, skipped = state.library().import_json(
            file.getvalue(), overwrite=bool(st.session_state.get("lib_import_overwrite")),
            user=who)
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
