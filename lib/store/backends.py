"""Where the library lives, from CHOKEPOINT_DB: a PostgreSQL URL (postgresql://... or
postgres://...) selects the server (lib/store/postgres.py, which needs psycopg); anything
else is a SQLite file's path (lib/store/database.py), `sqlite:///abs/path` included. Unset, the
library is the embedded SQLite file var/scenarios.sqlite beside the project."""

from __future__ import annotations

import os
from pathlib import Path

from lib.store.database import Database, LibraryError, log

ENV = "CHOKEPOINT_DB"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "var" / "scenarios.sqlite"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
SQLITE_SCHEME = "sqlite://"


def configured() -> str:
    return os.environ.get(ENV) or str(DEFAULT_PATH)


def is_postgres(location: str | Path | None) -> bool:
    location = configured() if location is None or location == "" else location
    return isinstance(location, str) and location.lower().startswith(POSTGRES_SCHEMES)


def sqlite_path(location: str | Path | None = None) -> Path:
    """The SQLite file a location names (`sqlite:///abs/path` or a plain path)."""
    location = configured() if location is None or location == "" else location
    if isinstance(location, str) and location.lower().startswith(SQLITE_SCHEME):
        location = location[len(SQLITE_SCHEME):]  # sqlite:///abs/path -> /abs/path
    return Path(location)


def open_database(location: str | Path | None = None):
    """The library's database at `location` (default: CHOKEPOINT_DB), checked and migrated:
    a Database (SQLite) or a PostgresDatabase."""
    if not is_postgres(location):
        return Database(sqlite_path(location))
    try:
        from lib.store.postgres import PostgresDatabase
    except ImportError as exc:  # psycopg is only needed for a PostgreSQL library
        log.error("CHOKEPOINT_DB names a PostgreSQL server but psycopg cannot be imported: %s",
                  exc)
        raise LibraryError("the library's database is on PostgreSQL, but this server lacks "
                           "its driver (psycopg, in requirements.txt)") from None
    return PostgresDatabase(str(location or configured()))
