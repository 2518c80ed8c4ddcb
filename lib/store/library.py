"""The saved-scenario library: named scenarios with notes, shared by everyone on a deployment.

Stored in SQLite (path from the CHOKEPOINT_DB environment variable, else var/scenarios.sqlite
beside the project). The file carries our application id (PRAGMA application_id) and a schema
version (PRAGMA user_version) and migrates forward on open; any other SQLite file is refused and
left untouched. Every write is one transaction, so a crash or a concurrent save never leaves a
half-written scenario. A connection is opened per operation: safe from Streamlit's threads.

Visitors see every failure as a LibraryError whose message names no server path: the file
system's and SQLite's own messages carry the path, so they go to the log only. When the file
or its folder cannot be written the library opens read-only: reading works, writes say why not.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from lib.core.limits import MAX_IMPORT_BYTES, MAX_NOTE, MAX_TEXT
from lib.core.scenario import Scenario, ScenarioError

log = logging.getLogger("chokepoint")

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "var" / "scenarios.sqlite"
EXPORT_FORMAT = "chokepoint-library"
# PRAGMA application_id of every library file: "CHKP" as a big-endian 32-bit integer.
APPLICATION_ID = int.from_bytes(b"CHKP", "big")
TABLES = frozenset({"scenarios"})  # every table a library file may hold

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
# Columns each version's scenarios table has: a file without a user_version (a `sqlite3 .dump`
# restore keeps no PRAGMAs) is recognised by them.
VERSION_COLUMNS = (frozenset(), frozenset({"id", "name", "note", "scenario_json", "created_at"}),
                   frozenset({"id", "name", "note", "scenario_json", "created_at", "updated_at"}))
assert len(VERSION_COLUMNS) == SCHEMA_VERSION + 1

READ_ONLY = ("the library is read-only on this server (its file or folder cannot be written): "
             "saved scenarios can be opened but not changed")
FOREIGN = ("the library's database file belongs to another program; it was left untouched "
           "(the operator can point CHOKEPOINT_DB at a new file)")
DAMAGED = ("the library's database file is damaged; the operator can restore a backup "
           "(python -m lib restore)")


class LibraryError(ValueError):
    """A library request that cannot be done (duplicate name, missing scenario, bad file)."""


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or exc.__class__.__name__).lower()


def explain(exc: sqlite3.Error | OSError) -> LibraryError:
    """A database or file-system failure as a message for visitors (no path, no row content);
    the original, with its path, goes to the log."""
    log.error("library database: %s: %s", exc.__class__.__name__, exc)
    if isinstance(exc, OSError):
        return LibraryError(f"the library's file could not be used ({_os_reason(exc)})")
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith("SQLITE_FULL"):
        return LibraryError("the server's disk is full; nothing was changed")
    if name.startswith("SQLITE_READONLY") or name.startswith("SQLITE_PERM"):
        return LibraryError(READ_ONLY)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return LibraryError("the library is busy; try again in a moment")
    if name.startswith("SQLITE_NOTADB"):
        return LibraryError(FOREIGN)
    if name.startswith("SQLITE_CORRUPT"):
        return LibraryError(DAMAGED)
    if name.startswith("SQLITE_CANTOPEN"):
        return LibraryError("the library's database file cannot be opened")
    if name.startswith("SQLITE_IOERR"):
        return LibraryError("the library's database file could not be read or written "
                            "(a disk error)")
    return LibraryError(f"the library database could not be used ({exc.__class__.__name__})")


def _can_write(path: Path) -> bool:
    """Whether the file (if it exists) and its folder (for the journal) can be written."""
    return os.access(path.parent, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


_CHECKED: set[tuple] = set()  # files (path, device, inode) whose integrity was checked


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
        self.hidden = 0  # saved scenarios the last all() or list() could not read
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.error("library folder cannot be created: %s", exc)
            raise LibraryError(f"the library's folder cannot be created ({_os_reason(exc)}); "
                               "the operator can set CHOKEPOINT_DB to a writable place"
                               ) from None
        self.read_only = not _can_write(self.path)
        if self.read_only and not self.path.is_file():
            raise LibraryError("the library's folder cannot be written, and it holds no "
                               "library yet")
        self.migrate()

    def _open(self) -> sqlite3.Connection:
        if not self.read_only:
            return sqlite3.connect(self.path, timeout=15, isolation_level=None)
        target = f"file:{quote(str(self.path.resolve()))}"
        db = sqlite3.connect(f"{target}?mode=ro", timeout=15, isolation_level=None, uri=True)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError as exc:
            db.close()
            if not getattr(exc, "sqlite_errorname", "").startswith("SQLITE_CANTOPEN"):
                raise
        # A WAL file in a folder that refuses its shared-memory index: read the file as it
        # is, which is all anyone can do with it.
        return sqlite3.connect(f"{target}?immutable=1", isolation_level=None, uri=True)

    @contextmanager
    def _connect(self):
        """A connection; SQLite and file-system failures become visitor messages."""
        try:
            with closing(self._open()) as db:
                db.execute("PRAGMA busy_timeout=15000")
                if not self.read_only:
                    db.execute("PRAGMA synchronous=FULL")
                yield db
        except (sqlite3.Error, OSError) as exc:
            raise explain(exc) from None

    @contextmanager
    def _transaction(self):
        if self.read_only:
            raise LibraryError(READ_ONLY)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:  # SQLite may have rolled back already (a full disk)
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def schema_version(self) -> int:
        with self._connect() as db:
            return db.execute("PRAGMA user_version").fetchone()[0]

    def _inspect(self, db) -> int:
        """The file's schema version; refuses a file that is not a library (or is damaged)."""
        application = db.execute("PRAGMA application_id").fetchone()[0]
        tables = {name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
        if application not in (0, APPLICATION_ID) or not tables <= TABLES:
            raise LibraryError(FOREIGN)
        key = (str(self.path.resolve()), *(lambda st: (st.st_dev, st.st_ino))(self.path.stat()))
        if key not in _CHECKED:
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise LibraryError(DAMAGED)
            _CHECKED.add(key)
        version = db.execute("PRAGMA user_version").fetchone()[0]
        columns = {row[1] for row in db.execute("PRAGMA table_info(scenarios)")}
        if version == 0 and columns:  # restored from a dump: the PRAGMAs were not kept
            if columns not in VERSION_COLUMNS:
                raise LibraryError(FOREIGN)
            version = VERSION_COLUMNS.index(columns)
        elif version <= SCHEMA_VERSION and columns != VERSION_COLUMNS[version]:
            raise LibraryError(FOREIGN)
        if version > SCHEMA_VERSION:
            raise LibraryError(f"the library's database has schema {version}, newer than this "
                               f"app ({SCHEMA_VERSION}); upgrade the app")
        return version

    def migrate(self) -> None:
        """Check the file is a library, then bring it up to date (stamped, current schema,
        WAL journal). A read-only library is only checked."""
        with self._connect() as db:  # the common case, up to date: no write lock taken
            version = self._inspect(db)
            stamped = db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
            wal = db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        if version == SCHEMA_VERSION and stamped and wal:
            return
        if self.read_only:
            if version != SCHEMA_VERSION:
                raise LibraryError(f"the library needs an upgrade but is read-only; "
                                   f"{READ_ONLY}")
            return
        with self._transaction() as db:
            version = self._inspect(db)  # another process may have migrated meanwhile
            for step in MIGRATIONS[version:]:
                for statement in step.split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        with self._connect() as db:  # not inside a transaction: SQLite refuses it there
            db.execute("PRAGMA journal_mode=WAL")

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
