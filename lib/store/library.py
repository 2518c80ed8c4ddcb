"""The saved-scenario library: named scenarios with notes, shared by everyone on a deployment.

Stored in SQLite (path from the CHOKEPOINT_DB environment variable, else var/scenarios.sqlite
beside the project). The schema carries a version (PRAGMA user_version) and migrates forward on
open. Every write is one transaction, so a crash or a concurrent save never leaves a
half-written scenario. A connection is opened per operation: safe from Streamlit's threads.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from lib.core.limits import MAX_IMPORT_BYTES, MAX_NOTE, MAX_TEXT
from lib.core.scenario import Scenario, ScenarioError

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "var" / "scenarios.sqlite"
EXPORT_FORMAT = "chokepoint-library"

# Each migration takes the database from version i to i + 1.
MIGRATIONS = (
    # 1: the first library
    """CREATE TABLE scenarios (
           id INTEGER PRIMARY KEY,
           name TEXT NOT NULL,
           note TEXT NOT NULL DEFAULT '',
           scenario_json TEXT NOT NULL,
           created_at TEXT NOT NULL)""",
    # 2: names unique (case-insensitive), an updated time
    """ALTER TABLE scenarios ADD COLUMN updated_at TEXT;
       UPDATE scenarios SET updated_at = created_at;
       UPDATE scenarios SET name = name || ' (' || id || ')' WHERE id NOT IN
           (SELECT MIN(id) FROM scenarios GROUP BY lower(name));
       CREATE UNIQUE INDEX scenarios_name ON scenarios(lower(name))""",
)
SCHEMA_VERSION = len(MIGRATIONS)


class LibraryError(ValueError):
    """A library request that cannot be done (duplicate name, missing scenario, bad file)."""


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


class ScenarioLibrary:
    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else library_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.migrate()

    @contextmanager
    def _connect(self):
        with closing(sqlite3.connect(self.path, timeout=15, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=15000")
            yield db

    @contextmanager
    def _transaction(self):
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def schema_version(self) -> int:
        with self._connect() as db:
            return db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        with self._connect() as db:  # the common case, up to date: no write lock taken
            if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                return
        with self._transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise LibraryError(f"{self.path} has schema {version}, newer than this app "
                                   f"({SCHEMA_VERSION}); upgrade the app")
            for step in MIGRATIONS[version:]:
                for statement in step.split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- reading -----------------------------------------------------------------------------
    def list(self) -> list[dict]:
        with self._connect() as db:
            rows = db.execute("SELECT id, name, note, scenario_json, created_at, updated_at "
                              "FROM scenarios ORDER BY lower(name)").fetchall()
        out = []
        for id_, name, note, text, created, updated in rows:
            try:
                preset = json.loads(text).get("preset", "")
            except (ValueError, AttributeError):
                preset = "?"
            out.append({"id": id_, "name": name, "note": note, "preset": preset,
                        "created_at": created, "updated_at": updated})
        return out

    def get(self, scenario_id: int) -> Saved:
        with self._connect() as db:
            row = db.execute("SELECT id, name, note, scenario_json, created_at, updated_at "
                             "FROM scenarios WHERE id = ?", (int(scenario_id),)).fetchone()
        if row is None:
            raise LibraryError(f"no saved scenario with id {scenario_id}")
        id_, name, note, text, created, updated = row
        scenario, problems = _load_scenario(text)
        return Saved(id_, name, note, scenario, created, updated, tuple(problems))

    def all(self) -> list[Saved]:
        """Every saved scenario, read leniently, in name order (one query)."""
        with self._connect() as db:
            rows = db.execute("SELECT id, name, note, scenario_json, created_at, updated_at "
                              "FROM scenarios ORDER BY lower(name)").fetchall()
        out = []
        for id_, name, note, text, created, updated in rows:
            scenario, problems = _load_scenario(text)
            out.append(Saved(id_, name, note, scenario, created, updated, tuple(problems)))
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
            rows = db.execute("SELECT name, note, scenario_json, created_at, updated_at "
                              "FROM scenarios ORDER BY id").fetchall()
            db.execute("COMMIT")
        return json.dumps({
            "format": EXPORT_FORMAT, "schema": SCHEMA_VERSION, "exported_at": _now(),
            "scenarios": [{"name": n, "note": note, "scenario": json.loads(text),
                           "created_at": c, "updated_at": u} for n, note, text, c, u in rows],
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


def _reject(name: str):
    raise ValueError(f"{name} is not allowed")


def _load_scenario(text: str) -> tuple[Scenario, list[tuple[str, str]]]:
    """A stored scenario, read leniently: parameters removed from the model since it was saved
    are reported and dropped; parameters added since take their defaults."""
    try:
        document = json.loads(text)
    except ValueError:
        return Scenario(), [("scenario", "stored scenario is unreadable; showing status quo")]
    if not isinstance(document, dict):
        return Scenario(), [("scenario", "stored scenario is unreadable; showing status quo")]
    return Scenario.build(document.get("preset", "status_quo"), document.get("overrides") or {},
                          lenient=True)
