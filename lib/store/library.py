"""The saved-scenario library: named scenarios with notes, shared by everyone on a deployment.

Stored in SQLite or on a PostgreSQL server, as CHOKEPOINT_DB says (lib/store/backends.py);
database.py and postgres.py open, recognise and migrate it and turn failures into messages;
the SQL here is portable (? placeholders). Every write is one transaction, names who made it,
and adds a row to the audit log (events) in that transaction, so a crash or a concurrent save
never leaves a half-written scenario or an unlogged change. Delete is soft: a deleted scenario
can be restored until MAX_DELETED newer deletions push it out. A connection is opened per
operation: safe from Streamlit's threads.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from lib.core.limits import (
    MAX_DELETED,
    MAX_ENTRIES,
    MAX_EVENTS,
    MAX_IMPORT_BYTES,
    MAX_NOTE,
    MAX_TEXT,
)
from lib.core.scenario import Scenario, ScenarioError
from lib.store.backends import open_database
from lib.store.database import SCHEMA_VERSION, Database, LibraryError, log

__all__ = ["SCHEMA_VERSION", "Event", "LibraryError", "Saved", "ScenarioLibrary", "hidden_text"]

EXPORT_FORMAT = "chokepoint-library"


@dataclass(frozen=True)
class Saved:
    id: int
    name: str
    note: str
    scenario: Scenario
    created_at: str
    updated_at: str
    problems: tuple[tuple[str, str], ...] = ()  # keys dropped since it was saved
    created_by: str = ""  # '' for scenarios saved before the library recorded who
    updated_by: str = ""
    deleted_at: str | None = None
    deleted_by: str | None = None


@dataclass(frozen=True)
class Event:
    """One write in the audit log."""
    id: int
    at: str
    actor: str
    action: str  # one of ACTIONS
    scenario_id: int | None
    name: str  # the scenario's name when it happened
    detail: str


ACTIONS = ("save", "replace", "rename", "duplicate", "delete", "restore", "import", "purge")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")  # orders same-second writes


def _clean_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise LibraryError("a name is required")
    name = " ".join(name.split())
    if len(name) > MAX_TEXT:
        raise LibraryError(f"names are at most {MAX_TEXT} characters; this one has "
                           f"{len(name):,}")
    return name


def _clean_note(note: object) -> str:
    if not isinstance(note, str):
        raise LibraryError("the note must be text")
    if len(note) > MAX_NOTE:
        raise LibraryError(f"notes are at most {MAX_NOTE:,} characters; this one has "
                           f"{len(note):,}")
    return note


def _clean_user(user: object) -> str:
    """Who makes a write: required, so no change reaches the library anonymously."""
    if not isinstance(user, str) or not user.strip():
        raise LibraryError("only a signed-in user can change the library")
    return " ".join(user.split())[:MAX_TEXT]


def _full(count: int) -> LibraryError:
    return LibraryError(f"the library holds at most {MAX_ENTRIES} saved scenarios and has "
                        f"{count}; delete some first")


LIVE = "deleted_at IS NULL"


class ScenarioLibrary:
    """The library in `location`: a SQLite path, a PostgreSQL URL, an opened Database or
    PostgresDatabase, or by default CHOKEPOINT_DB."""

    def __init__(self, location: str | Path | Database | None = None):
        self.hidden = 0  # saved scenarios the last all() or export_json() could not read
        opened = location is not None and not isinstance(location, str | Path)
        self.database = location if opened else open_database(location)
        self.read_only = self.database.read_only
        self.path = getattr(self.database, "path", None)  # the SQLite file; None on a server
        self.schema_version = self.database.schema_version

    # -- reading -----------------------------------------------------------------------------
    def list(self) -> list[dict]:
        return [{"id": saved.id, "name": saved.name, "note": saved.note,
                 "preset": saved.scenario.preset, "created_at": saved.created_at,
                 "updated_at": saved.updated_at, "created_by": saved.created_by,
                 "updated_by": saved.updated_by} for saved in self.all()]

    def get(self, scenario_id: int, deleted: bool = False) -> Saved:
        """A saved scenario by id (a deleted one only if asked for)."""
        live = "deleted_at IS NOT NULL" if deleted else LIVE
        with self.database.connection() as db:
            row = db.execute(f"SELECT {COLUMNS} FROM scenarios WHERE id = ? AND {live}",
                             (int(scenario_id),)).fetchone()
        if row is None:
            kind = "deleted " if deleted else ""
            raise LibraryError(f"no {kind}saved scenario with id {scenario_id}")
        saved = _read_row(row)
        if saved is None:
            raise LibraryError(f"saved scenario {int(scenario_id)} could not be read")
        return saved

    def all(self) -> list[Saved]:
        """Every saved scenario, read leniently, in name order (one query). A row that cannot
        be read is left out and counted in self.hidden (logged, never shown: its content may
        be anything)."""
        with self.database.connection() as db:
            rows = db.execute(f"SELECT {COLUMNS} FROM scenarios WHERE {LIVE} "
                              "ORDER BY lower(name)").fetchall()
        out = [saved for saved in map(_read_row, rows) if saved is not None]
        self.hidden = len(rows) - len(out)
        return out

    def deleted(self) -> list[Saved]:
        """Deleted scenarios that can still be restored, the latest deletion first."""
        with self.database.connection() as db:
            rows = db.execute(f"SELECT {COLUMNS} FROM scenarios WHERE deleted_at IS NOT NULL "
                              "ORDER BY deleted_at DESC, id DESC").fetchall()
        return [saved for saved in map(_read_row, rows) if saved is not None]

    def events(self, limit: int = 1000) -> list[Event]:
        """The audit log, newest first."""
        with self.database.connection() as db:
            rows = db.execute("SELECT id, at, actor, action, scenario_id, name, detail "
                              "FROM events ORDER BY id DESC LIMIT ?", (int(limit),)).fetchall()
        return [Event(*row) for row in rows]

    def find(self, name: str) -> Saved | None:
        with self.database.connection() as db:
            row = db.execute(f"SELECT id FROM scenarios WHERE lower(name) = lower(?) AND {LIVE}",
                             (_clean_name(name),)).fetchone()
        return self.get(row[0]) if row else None

    # -- writing (each one transaction, logged in events) -------------------------------------
    def save(self, name: str, scenario: Scenario, note: str = "", overwrite: bool = False, *,
             user: str) -> int:
        name, note, user = _clean_name(name), _clean_note(note), _clean_user(user)
        with self.database.transaction() as db:
            return _put(db, name, note, scenario.to_json(), overwrite, user, "save")

    def rename(self, scenario_id: int, new_name: str, *, user: str) -> None:
        new_name, user = _clean_name(new_name), _clean_user(user)
        with self.database.transaction() as db:
            old = _live_name(db, scenario_id)
            if _live_id(db, new_name) not in (None, int(scenario_id)):
                raise LibraryError(f"a scenario named '{new_name}' already exists")
            db.execute("UPDATE scenarios SET name = ?, updated_at = ?, updated_by = ? "
                       "WHERE id = ?", (new_name, _now(), user, int(scenario_id)))
            _log(db, user, "rename", scenario_id, new_name, f"from '{old}'")

    def duplicate(self, scenario_id: int, new_name: str | None = None, *, user: str) -> int:
        """Copy a saved scenario; without a new name, the first free '<name> (copy)',
        '<name> (copy 2)', ..."""
        saved, user = self.get(scenario_id), _clean_user(user)
        with self.database.transaction() as db:
            name = _clean_name(new_name) if new_name else _free_name(db, saved.name, "copy")
            new_id = _put(db, name, saved.note, saved.scenario.to_json(), False, user,
                          "duplicate", detail=f"of '{saved.name}'")
        return new_id

    def delete(self, scenario_id: int, *, user: str) -> None:
        """Soft delete: the scenario leaves the library but can be restored."""
        user = _clean_user(user)
        with self.database.transaction() as db:
            name = _live_name(db, scenario_id)
            now = _now()
            db.execute("UPDATE scenarios SET deleted_at = ?, deleted_by = ? WHERE id = ?",
                       (now, user, int(scenario_id)))
            _log(db, user, "delete", scenario_id, name)
            _purge_deleted(db, user)

    def restore(self, scenario_id: int, *, user: str) -> str:
        """Bring a deleted scenario back; returns its name, which is '<name> (restored)' if a
        live scenario has taken the old one meanwhile."""
        user = _clean_user(user)
        with self.database.transaction() as db:
            row = db.execute("SELECT name FROM scenarios WHERE id = ? AND deleted_at IS NOT "
                             "NULL", (int(scenario_id),)).fetchone()
            if row is None:
                raise LibraryError(f"no deleted scenario with id {scenario_id}")
            _check_room(db, 1)
            name = row[0] if _live_id(db, row[0]) is None else _free_name(db, row[0],
                                                                          "restored")
            db.execute("UPDATE scenarios SET name = ?, deleted_at = NULL, deleted_by = NULL, "
                       "updated_at = ?, updated_by = ? WHERE id = ?",
                       (name, _now(), user, int(scenario_id)))
            _log(db, user, "restore", scenario_id, name,
                 "" if name == row[0] else f"as '{name}': '{row[0]}' was taken")
        return name

    # -- whole-library export and import ------------------------------------------------------
    def export_json(self) -> str:
        with self.database.snapshot() as db:
            rows = db.execute(f"SELECT {COLUMNS} FROM scenarios WHERE {LIVE} ORDER BY id"
                              ).fetchall()
        readable = [saved for saved in map(_read_row, rows) if saved is not None]
        self.hidden = len(rows) - len(readable)  # as all() shows them
        return json.dumps({
            "format": EXPORT_FORMAT, "schema": SCHEMA_VERSION, "exported_at": _now(),
            "scenarios": [{"name": s.name, "note": s.note, "scenario": s.scenario.to_dict(),
                           "created_at": s.created_at, "updated_at": s.updated_at}
                          for s in readable],
        }, indent=1)

    def import_json(self, payload: str | bytes, overwrite: bool = False, *, user: str
                    ) -> tuple[int, list[str]]:
        """Import a library export. All-or-nothing for the valid entries: returns how many
        were saved and a message per entry skipped."""
        user = _clean_user(user)
        if isinstance(payload, bytes):
            if len(payload) > MAX_IMPORT_BYTES:
                raise LibraryError(f"the file is larger than {MAX_IMPORT_BYTES // 2**20} MiB")
            try:
                payload = payload.decode("utf-8")
            except UnicodeDecodeError:
                raise LibraryError("the file is not UTF-8 text") from None
        try:
            document = json.loads(payload, parse_constant=_reject)
        except (ValueError, RecursionError) as exc:
            raise LibraryError(f"not a valid library file ({exc.__class__.__name__})") from None
        if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT or \
                not isinstance(document.get("scenarios"), list):
            raise LibraryError("not a Chokepoint library export")
        if len(document["scenarios"]) > MAX_ENTRIES:  # before reading thousands of entries
            raise LibraryError(f"the file has {len(document['scenarios']):,} scenarios; the "
                               f"library holds at most {MAX_ENTRIES}")
        entries, skipped = [], []
        for i, entry in enumerate(document["scenarios"], start=1):
            try:
                if not isinstance(entry, dict):
                    raise LibraryError("not an object")
                name = _clean_name(entry.get("name"))
                note = _clean_note(entry.get("note", ""))
                scenario = Scenario.from_dict(entry.get("scenario"))
                entries.append((name, note, scenario))
            except (LibraryError, ScenarioError) as exc:
                skipped.append(f"entry {i}: {exc}")
        saved = 0
        with self.database.transaction() as db:
            new = len({name.lower() for name, _, _ in entries if _live_id(db, name) is None})
            _check_room(db, new)
            for name, note, scenario in entries:
                if _live_id(db, name) is not None and not overwrite:
                    skipped.append(f"'{name}': a scenario with that name exists (kept)")
                    continue
                _put(db, name, note, scenario.to_json(), overwrite, user, "import")
                saved += 1
        return saved, skipped


# -- one transaction's steps (db: a connection inside a database's transaction()) -----------
def _live_id(db, name: str) -> int | None:
    row = db.execute(f"SELECT id FROM scenarios WHERE lower(name) = lower(?) AND {LIVE}",
                     (name,)).fetchone()
    return row[0] if row else None


def _live_name(db, scenario_id: int) -> str:
    row = db.execute(f"SELECT name FROM scenarios WHERE id = ? AND {LIVE}",
                     (int(scenario_id),)).fetchone()
    if row is None:
        raise LibraryError(f"no saved scenario with id {scenario_id}")
    return row[0]


def _check_room(db, new: int) -> None:
    count = db.execute(f"SELECT count(*) FROM scenarios WHERE {LIVE}").fetchone()[0]
    if count + new > MAX_ENTRIES:
        if new > 1:
            raise LibraryError(f"importing would make {count + new} saved scenarios; the "
                               f"library holds at most {MAX_ENTRIES} (it has {count})")
        raise _full(count)


def _free_name(db, name: str, tag: str) -> str:
    """The first free '<name> (tag)', '<name> (tag 2)', ... (a copy of a copy: (copy 2))."""
    stem = re.sub(rf" \({tag}(?: \d+)?\)$", "", name)
    for n in range(1, 1000):
        suffix = f" ({tag})" if n == 1 else f" ({tag} {n})"
        candidate = stem[:MAX_TEXT - len(suffix)] + suffix
        if _live_id(db, candidate) is None:
            return candidate
    raise LibraryError(f"too many scenarios named '{stem} ({tag} ...)'")


def _put(db, name: str, note: str, text: str, overwrite: bool, user: str, action: str,
         detail: str = "") -> int:
    """Insert a scenario, or replace the live one with its name if overwrite; logged."""
    now = _now()
    existing = _live_id(db, name)
    if existing is not None and not overwrite:
        raise LibraryError(f"a scenario named '{name}' already exists")
    if existing is not None:
        db.execute("UPDATE scenarios SET note = ?, scenario_json = ?, updated_at = ?, "
                   "updated_by = ? WHERE id = ?", (note, text, now, user, existing))
        scenario_id = existing
        action, detail = ("replace", detail) if action == "save" else (action, "replaced")
    else:
        _check_room(db, 1)
        scenario_id = db.execute(
            "INSERT INTO scenarios (name, note, scenario_json, created_at, updated_at, "
            "created_by, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (name, note, text, now, now, user, user)).fetchone()[0]
    _log(db, user, action, scenario_id, name, detail)
    return scenario_id


def _log(db, user: str, action: str, scenario_id: int | None, name: str,
         detail: str = "") -> None:
    db.execute("INSERT INTO events (at, actor, action, scenario_id, name, detail) "
               "VALUES (?, ?, ?, ?, ?, ?)", (_now(), user, action, scenario_id, name, detail))
    db.execute("DELETE FROM events WHERE id <= (SELECT max(id) FROM events) - ?",
               (MAX_EVENTS,))


def _purge_deleted(db, user: str) -> None:
    """Forget the oldest deleted scenarios beyond MAX_DELETED (logged)."""
    kept = db.execute("SELECT id, name FROM scenarios WHERE deleted_at IS NOT NULL "
                      "ORDER BY deleted_at DESC, id DESC").fetchall()
    for scenario_id, name in kept[MAX_DELETED:]:
        db.execute("DELETE FROM scenarios WHERE id = ?", (scenario_id,))
        _log(db, user, "purge", scenario_id, name, f"more than {MAX_DELETED} deleted")


COLUMNS = ("id, name, note, scenario_json, created_at, updated_at, created_by, updated_by, "
           "deleted_at, deleted_by")


def hidden_text(count: int) -> str:
    """What visitors are told about saved scenarios that could not be read."""
    return (f"{count} saved scenario{' could' if count == 1 else 's could'} not be read and "
            f"{'is' if count == 1 else 'are'} hidden; the operator can find "
            f"{'it' if count == 1 else 'them'} in the server log")


def _read_row(row: tuple) -> Saved | None:
    """A stored row as a Saved, or None (logged by id) if it cannot be read."""
    id_, name, note, text, created, updated, *who = row
    try:
        if not all(isinstance(v, str) for v in (name, note, text, created, updated)):
            raise TypeError("a column is not text")
        scenario, problems = _load_scenario(text)
    except (ValueError, TypeError, ScenarioError, RecursionError) as exc:
        log.error("saved scenario %s cannot be read: %s", id_, exc.__class__.__name__)
        return None
    return Saved(id_, name, note, scenario, created, updated, tuple(problems), *who)


def _reject(name: str):
    raise ValueError(f"{name} is not allowed")


def _load_scenario(text: str) -> tuple[Scenario, list[tuple[str, str]]]:
    """A stored scenario, read leniently: parameters removed from the model since it was saved
    are reported and dropped; parameters added since take their defaults. Raises ValueError
    (or ScenarioError) if the text is not a scenario at all."""
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    return Scenario.build(document.get("preset", "status_quo"), document.get("overrides") or {},
                          lenient=True)
