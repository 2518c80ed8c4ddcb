"""Backing up and restoring the saved-scenario library with SQLite's online backup API: a
consistent copy taken while the app runs (readers and writers wait at most a moment), written
page by page into the live file on restore, so no process sees a half-copied library.

For the operator's command line (`python -m lib backup|restore PATH`): messages may name paths.
A library on a PostgreSQL server is backed up with the server's own tools (pg_dump, pg_restore).
"""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from lib.store.backends import is_postgres, sqlite_path
from lib.store.database import FOREIGN, LibraryError
from lib.store.library import ScenarioLibrary

ON_SERVER = ("the library is on a PostgreSQL server (CHOKEPOINT_DB); back it up with "
             "pg_dump --format=custom and restore it with pg_restore --clean (see README)")


def _sqlite_only(library: str | Path | None) -> None:
    if is_postgres(library):
        raise LibraryError(ON_SERVER)


def _copy(source: sqlite3.Connection, target: Path) -> None:
    with closing(sqlite3.connect(target)) as db:
        source.backup(db)


def backup(target: str | Path, library: str | Path | None = None) -> int:
    """Copy the library (checked first) to `target`, a new file; returns how many saved
    scenarios it holds."""
    _sqlite_only(library)
    target = Path(target)
    if target.exists():
        raise LibraryError(f"{target} exists; choose a new file name for the backup")
    opened = ScenarioLibrary(library)  # refuses a foreign or damaged file
    count = len(opened.all()) + opened.hidden
    with opened.database.connection() as db:
        try:
            _copy(db, target)
        except (sqlite3.Error, OSError) as exc:
            target.unlink(missing_ok=True)
            raise LibraryError(f"cannot write {target}: {exc}") from None
    return count


def restore(source: str | Path, library: str | Path | None = None) -> int:
    """Replace the library's contents with the backup at `source`, which is checked (and
    brought up to date) in a scratch copy first; returns how many saved scenarios it holds.
    A file of another program at the library's path is refused, never overwritten."""
    _sqlite_only(library)
    source, live = Path(source), sqlite_path(library)
    if not source.is_file():
        raise LibraryError(f"{source} is not a file")
    if live.exists():
        try:
            ScenarioLibrary(live)
        except LibraryError as exc:
            if str(exc) == FOREIGN:  # a damaged library is what a restore is for
                raise LibraryError(f"{live} belongs to another program; not overwritten"
                                   ) from None
    live.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=live.parent, prefix=".restore-") as scratch:
        checked = Path(scratch) / "library.sqlite"
        try:
            with closing(sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True)) as db:
                _copy(db, checked)
        except sqlite3.Error as exc:
            raise LibraryError(f"{source} is not a readable SQLite file ({exc})") from None
        copy = ScenarioLibrary(checked)  # refuses a foreign or damaged backup
        count = len(copy.all()) + copy.hidden
        with copy.database.connection() as db:
            _copy(db, live)
    ScenarioLibrary(live)  # the restored file, checked as the app will open it
    return count
