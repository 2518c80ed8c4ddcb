"""The library's database file (SQLite, the embedded default; lib/store/postgres.py is the
PostgreSQL counterpart): opening it, recognising it, bringing it up to date. The schema's
migrations and the messages both share are declared here.

The file carries our application id (PRAGMA application_id) and a schema version (PRAGMA
user_version) and migrates forward on open; any other SQLite file is refused and left untouched
(no journal switch, no tables added). A file restored from `sqlite3 .dump` keeps no PRAGMAs: it
is recognised by its tables. A quick integrity check runs the first time a file is opened.

Visitors see every failure as a LibraryError whose message names no server path: the file
system's and SQLite's own messages carry the path, so they go to the log only. When the file
or its folder cannot be written the library opens read-only: reading works, writes say why not.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger("chokepoint")

# PRAGMA application_id of every library file: "CHKP" as a big-endian 32-bit integer.
APPLICATION_ID = int.from_bytes(b"CHKP", "big")
TABLES = frozenset({"scenarios", "events"})  # every table a library file may hold

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
    # 3: who saved, changed and deleted each scenario; delete is soft (a deleted scenario's
    # name is free again); an audit log of every write
    """ALTER TABLE scenarios ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
       ALTER TABLE scenarios ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
       ALTER TABLE scenarios ADD COLUMN deleted_at TEXT;
       ALTER TABLE scenarios ADD COLUMN deleted_by TEXT;
       DROP INDEX scenarios_name;
       CREATE UNIQUE INDEX scenarios_name ON scenarios(lower(name)) WHERE deleted_at IS NULL;
       CREATE TABLE events (
           id INTEGER PRIMARY KEY,
           at TEXT NOT NULL,
           actor TEXT NOT NULL,
           action TEXT NOT NULL,
           scenario_id INTEGER,
           name TEXT NOT NULL DEFAULT '',
           detail TEXT NOT NULL DEFAULT '')""",
)
SCHEMA_VERSION = len(MIGRATIONS)
# Columns each version's scenarios table has: a file without a user_version (a `sqlite3 .dump`
# restore keeps no PRAGMAs) is recognised by them.
_FIRST = frozenset({"id", "name", "note", "scenario_json", "created_at"})
VERSION_COLUMNS = (frozenset(), _FIRST, _FIRST | {"updated_at"},
                   _FIRST | {"updated_at", "created_by", "updated_by", "deleted_at", "deleted_by"})
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


class Database:
    """A library database file, checked and up to date once constructed."""

    def __init__(self, path: Path):
        self.path = path
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

    def connection(self):
        """A connection for work on the whole file (backups); failures as LibraryError."""
        return self._connect()

    def transaction(self):
        """One write transaction, serialized with every other writer of the file."""
        return self._transaction()

    @contextmanager
    def snapshot(self):
        """A read transaction: several queries see one state of the library."""
        with self._connect() as db:
            db.execute("BEGIN")
            yield db
            db.execute("COMMIT")

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
        if version < SCHEMA_VERSION:
            self._upgrade()
            return
        try:  # only the stamp or the journal is missing: the library reads fine without them
            self._upgrade()
        except LibraryError as exc:  # e.g. a full disk: stamped at a later opening
            log.warning("library not stamped or not switched to WAL yet: %s", exc)

    def _upgrade(self) -> None:
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
