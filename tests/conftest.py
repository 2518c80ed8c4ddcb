"""Shared fixtures: random valid parameter sets for property tests; every test gets a scratch
saved-scenario library, so none touches the deployment's var/scenarios.sqlite; a copy of data/
read through CHOKEPOINT_DATA_DIR, and edits that damage one of its files; a throwaway
PostgreSQL server (tests/pg_server.py) and a library on each backend. Plain helper
functions (the app under AppTest, figure JSON) are in tests/helpers.py."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

# the project root, so that `lib` and `tests.helpers` import however pytest is started
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lib.core.calendar import YEARS
from lib.core.data import DATA_DIR, DATA_DIR_ENV
from lib.core.mechanisms import MECHANISMS, switches
from lib.core.registry import registry
from lib.store.accounts import Accounts
from tests import pg_server


def random_values(rng: np.random.Generator, n: int, *, plausible: bool = False,
                  horizon: int = 2030) -> list[dict]:
    """n random, valid resolved parameter sets (within min..max, or low..high if plausible)."""
    out = []
    for _ in range(n):
        values = {}
        for p in registry():
            lo, hi = (p.low, p.high) if plausible else (p.min, p.max)
            if p.kind == "boolean":
                values[p.key] = bool(rng.integers(0, 2))
            elif p.kind == "integer":
                values[p.key] = int(rng.integers(int(lo), int(hi) + 1))
            elif p.is_yearly:
                values[p.key] = tuple(float(v) for v in rng.uniform(lo, hi, len(YEARS)))
            else:
                values[p.key] = float(rng.uniform(lo, hi))
        for constraint in registry().constraints:  # drawn values moved onto each constraint
            values |= {k: tuple(v) for k, v in constraint.project(values).items()}
        values[registry().horizon.key] = horizon
        out.append(values)
    return out


def without_mechanisms(values_list: list[dict]) -> list[dict]:
    """The same scenarios with every mechanism off: the supply-side model the supply
    properties are stated for (lib/core/mechanisms.py)."""
    return [switches(v, off_ids=MECHANISMS) for v in values_list]


@pytest.fixture
def rng():
    return np.random.default_rng(20251123)


@pytest.fixture(autouse=True)
def scratch_library(tmp_path_factory, monkeypatch):
    """CHOKEPOINT_DB in a temporary folder (tests that need their own set it again); the
    default (public) mode and no accounts file, whatever the shell running the tests has."""
    monkeypatch.setenv("CHOKEPOINT_DB", str(tmp_path_factory.getbasetemp() / "scenarios.sqlite"))
    monkeypatch.delenv("CHOKEPOINT_MODE", raising=False)
    monkeypatch.setenv("CHOKEPOINT_USERS", str(tmp_path_factory.getbasetemp() / "no-users.json"))


TEAM_USERS = {"ana": "correct horse battery", "ben": "staple twice daily"}  # name: password


@pytest.fixture
def team(tmp_path, monkeypatch) -> Accounts:
    """A team deployment (CHOKEPOINT_MODE=team) with the accounts in TEAM_USERS."""
    monkeypatch.setenv("CHOKEPOINT_MODE", "team")
    monkeypatch.setenv("CHOKEPOINT_USERS", str(tmp_path / "users.json"))
    accounts = Accounts()
    for name, password in TEAM_USERS.items():
        accounts.add(name, password)
    return accounts


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server for the session (tests/pg_server.py). Without Debian's
    binaries the tests that need it are skipped, unless CHOKEPOINT_REQUIRE_POSTGRES=1 (CI as
    root, which installs them): then they fail."""
    problem = None
    bin_dir = pg_server.binaries()
    if bin_dir is None:
        problem = ("PostgreSQL's server binaries are missing (Debian's 'postgresql' package: "
                   "/usr/lib/postgresql/<version>/bin)")
    try:
        import psycopg  # noqa: F401 - only checked for here
    except ImportError:
        problem = "psycopg is not installed (requirements.txt)"
    if problem:
        if os.environ.get(pg_server.REQUIRE_ENV) == "1":
            pytest.fail(f"{problem}, and {pg_server.REQUIRE_ENV}=1")
        pytest.skip(problem)
    server = pg_server.PostgresServer(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the test server; its URL (Unix socket, superuser)."""
    name = postgres_server.create_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def library_locations(request, tmp_path):
    """On each backend in turn: a function that gives a fresh, empty library's location (a
    SQLite path, or the URL of a new database on the test server) each time it is called."""
    made = []
    if request.param == "sqlite":
        def location() -> str:
            made.append(str(tmp_path / f"library-{len(made) + 1}.sqlite"))
            return made[-1]
        yield location
        return
    server = request.getfixturevalue("postgres_server")

    def location() -> str:
        made.append(server.create_database())
        return server.url(made[-1])
    yield location
    for name in made:
        server.drop_database(name)


@pytest.fixture
def library_url(library_locations):
    """A fresh library's location, on each backend: a SQLite path or a PostgreSQL URL."""
    return library_locations()


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of data/ that every loader reads instead (CHOKEPOINT_DATA_DIR)."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    monkeypatch.setenv(DATA_DIR_ENV, str(target))
    return target


Damage = Callable[[str], str]  # a file's text -> the damaged text


def replace(old: str, new: str) -> Damage:
    """Replace the first occurrence of old (which must be there) by new."""
    def damage(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return damage


def repeat_row(number: int, old: str = "", new: str = "") -> Damage:
    """Insert a copy of line `number` (1 = the header) right below it, with old replaced by
    new in the copy if given: a repeated row, or a repeated key with other cells changed."""
    def damage(text: str) -> str:
        lines = text.splitlines(keepends=True)
        copy = lines[number - 1]
        assert old in copy, (old, copy)
        lines.insert(number, copy.replace(old, new, 1) if old else copy)
        return "".join(lines)
    return damage


def apply(folder, name: str, damage: Damage) -> None:
    path = folder / name
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
