"""The saved-scenario library: named scenarios with notes, shared by everyone on a deployment.

Stored in SQLite (path from the CHOKEPOINT_DB environment variable, else var/scenarios.sqlite
beside the project); lib/store/database.py opens, recognises and migrates the file, and turns
its failures into messages. Every write is one transaction, so a crash or a concurrent save
never leaves a half-written scenario. A connection is opened per operation: safe from
Streamlit's threads.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from lib.core.limits import MAX_IMPORT_BYTES, MAX_NOTE, MAX_TEXT
from lib.core.scenario import Scenario, ScenarioError
from lib.store.database import SCHEMA_VERSION, Database, LibraryError, log

__all__ = ["SCHEMA_VERSION", "LibraryError", "Saved", "ScenarioLibrary", "hidden_text"]

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "var" / "scenarios.sqlite"
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


def library_path() -> Path:
    return Path(os.environ.get("CHOKEPOINT_DB") or DEFAULT_PATH)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _clean_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise LibraryError("a name is required")
    name = " ".join(name.split())
    if len(name) > MAX_TEXT:
        raise LibraryError(f"names are at most {MAX_TEXT} characters")
    return name


def _clean_note(note: object) -> str:
    if not isinstance(note, str):
        raise LibraryError("the note must be text")
    if len(note) > MAX_NOTE:
        raise LibraryError(f"notes are at most {MAX_NOTE:,} characters")
    return note


class ScenarioLibrary(Database):
    def __init__(self, path: str | Path | None = None):
        self.hidden = 0  # saved scenarios the last all() or export_json() could not read
        super().__init__(Path(path) if path else library_path())

    # -- reading -----------------------------------------------------------------------------
    def list(self) -> list[dict]:
        return [{"id": saved.id, "name": saved.name, "note": saved.note,
                 "preset": saved.scenario.preset, "created_at": saved.created_at,
                 "updated_at": saved.updated_at} for saved in self.all()]

    def get(self, scenario_id: int) -> Saved:
        with self._connect() as db:
            row = db.execute(f"SELECT {COLUMNS} FROM scenarios WHERE id = ?",
                             (int(scenario_id),)).fetchone()
        if row is None:
            raise LibraryError(f"no saved scenario with id {scenario_id}")
        saved = _read_row(row)
        if saved is None:
            raise LibraryError(f"saved scenario {int(scenario_id)} could not be read")
        return saved

    def all(self) -> list[Saved]:
        """Every saved scenario, read leniently, in name order (one query). A row that cannot
        be read is left out and counted in self.hidden (logged, never shown: its content may
        be anything)."""
        with self._connect() as db:
            rows = db.execute(f"SELECT {COLUMNS} FROM scenarios ORDER BY lower(name)").fetchall()
        out = [saved for saved in map(_read_row, rows) if saved is not None]
        self.hidden = len(rows) - len(out)
        return out

    def find(self, name: str) -> Saved | None:
        with self._connect() as db:
            row = db.execute("SELECT id FROM scenarios WHERE lower(name) = lower(?)",
                             (_clean_name(name),)).fetchone()
        return self.get(row[0]) if row else None

    # -- writing (each one transaction) --------------------------------------------------------
    def save(self, name: str, scenario: Scenario, note: str = "", overwrite: bool = False) -> int:
        name, note = _clean_name(name), _clean_note(note)
        text = scenario.to_json()
        now = _now()
        with self._transaction() as db:
            existing = db.execute("SELECT id FROM scenarios WHERE lower(name) = lower(?)",
                                  (name,)).fetchone()
            if existing and not overwrite:
                raise LibraryError(f"a scenario named '{name}' already exists")
            if existing:
                db.execute("UPDATE scenarios SET note = ?, scenario_json = ?, updated_at = ? "
                           "WHERE id = ?", (note, text, now, existing[0]))
                return existing[0]
            cursor = db.execute(
                "INSERT INTO scenarios (name, note, scenario_json, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)", (name, note, text, now, now))
            return cursor.lastrowid

    def rename(self, scenario_id: int, new_name: str) -> None:
        new_name = _clean_name(new_name)
        with self._transaction() as db:
            clash = db.execute("SELECT id FROM scenarios WHERE lower(name) = lower(?) AND id != ?",
                               (new_name, int(scenario_id))).fetchone()
            if clash:
                raise LibraryError(f"a scenario named '{new_name}' already exists")
            changed = db.execute("UPDATE scenarios SET name = ?, updated_at = ? WHERE id = ?",
                                 (new_name, _now(), int(scenario_id))).rowcount
            if not changed:
                raise LibraryError(f"no saved scenario with id {scenario_id}")

    def duplicate(self, scenario_id: int, new_name: str | None = None) -> int:
        """Copy a saved scenario; without a new name, the first free '<name> (copy)',
        '<name> (copy 2)', ..."""
        saved = self.get(scenario_id)
        if new_name:
            return self.save(new_name, saved.scenario, saved.note)
        stem = re.sub(r" \(copy(?: \d+)?\)$", "", saved.name)  # a copy of a copy: (copy 2)
        for n in range(1, 1000):
            suffix = " (copy)" if n == 1 else f" (copy {n})"
            name = stem[:MAX_TEXT - len(suffix)] + suffix
            if self.find(name) is None:
                return self.save(name, saved.scenario, saved.note)
        raise LibraryError(f"too many copies of '{saved.name}'")

    def delete(self, scenario_id: int) -> None:
        with self._transaction() as db:
            if not db.execute("DELETE FROM scenarios WHERE id = ?", (int(scenario_id),)).rowcount:
                raise LibraryError(f"no saved scenario with id {scenario_id}")

    # -- whole-library export and import ------------------------------------------------------
    def export_json(self) -> str:
        with self._connect() as db:  # one read transaction: a consistent snapshot
            db.execute("BEGIN")
            rows = db.execute(f"SELECT {COLUMNS} FROM scenarios ORDER BY id").fetchall()
            db.execute("COMMIT")
        readable = [row for row in rows if _read_row(row) is not None]  # as all() shows them
        self.hidden = len(rows) - len(readable)
        return json.dumps({
            "format": EXPORT_FORMAT, "schema": SCHEMA_VERSION, "exported_at": _now(),
            "scenarios": [{"name": n, "note": note, "scenario": json.loads(text),
                           "created_at": c, "updated_at": u}
                          for _, n, note, text, c, u in readable],
        }, indent=1)

    def import_json(self, payload: str | bytes, overwrite: bool = False
                    ) -> tuple[int, list[str]]:
        """Import a library export. All-or-nothing for the valid entries: returns how many
        were saved and a message per entry skipped."""
        if isinstance(payload, bytes):
            if len(payload) > MAX_IMPORT_BYTES:
                raise LibraryError("the file is larger than 5 MiB")
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
        now = _now()
        saved = 0
        with self._transaction() as db:
            for name, note, scenario in entries:
                existing = db.execute("SELECT id FROM scenarios WHERE lower(name) = lower(?)",
                                      (name,)).fetchone()
                if existing and not overwrite:
                    skipped.append(f"'{name}': a scenario with that name exists (kept)")
                    continue
                if existing:
                    db.execute("UPDATE scenarios SET note=?, scenario_json=?, updated_at=? "
                               "WHERE id=?", (note, scenario.to_json(), now, existing[0]))
                else:
                    db.execute("INSERT INTO scenarios (name, note, scenario_json, created_at, "
                               "updated_at) VALUES (?, ?, ?, ?, ?)",
                               (name, note, scenario.to_json(), now, now))
                saved += 1
        return saved, skipped


COLUMNS = "id, name, note, scenario_json, created_at, updated_at"


def hidden_text(count: int) -> str:
    """What visitors are told about saved scenarios that could not be read."""
    return (f"{count} saved scenario{' could' if count == 1 else 's could'} not be read and "
            f"{'is' if count == 1 else 'are'} hidden; the operator can find "
            f"{'it' if count == 1 else 'them'} in the server log")


def _read_row(row: tuple) -> Saved | None:
    """A stored row as a Saved, or None (logged by id) if it cannot be read."""
    id_, name, note, text, created, updated = row
    try:
        if not all(isinstance(v, str) for v in (name, note, text, created, updated)):
            raise TypeError("a column is not text")
        scenario, problems = _load_scenario(text)
    except (ValueError, TypeError, ScenarioError, RecursionError) as exc:
        log.error("saved scenario %s cannot be read: %s", id_, exc.__class__.__name__)
        return None
    return Saved(id_, name, note, scenario, created, updated, tuple(problems))


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
