"""The library on PostgreSQL: what only a server has (other programs' tables in the database,
logins, roles without write rights, an unreachable or silent server, writers in several
processes), migrations from older schemas there, the backup commands' refusal, and the app's
Library page against the test server (tests/pg_server.py). The library's behaviour itself is
tested on both backends in tests/test_library.py."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from lib.cli import main
from lib.core.scenario import Scenario
from lib.store import backends, backup
from lib.store import database as store
from lib.store import library as library_module
from lib.store.library import SCHEMA_VERSION, LibraryError, ScenarioLibrary
from tests import helpers
from tests.pg_server import PASSWORD, PASSWORD_USER, REQUIRE_ENV, SUPERUSER, free_port

try:
    from lib.store import postgres as pg
except ImportError:  # psycopg missing: as the server fixture, skip unless required
    if os.environ.get(REQUIRE_ENV) == "1":
        raise
    pytest.skip("psycopg is not installed (requirements.txt)", allow_module_level=True)


@pytest.fixture
def database(postgres_server):
    """A fresh database's name on the test server; dropped afterwards."""
    name = postgres_server.create_database()
    yield name
    postgres_server.drop_database(name)


def tables(server, name: str) -> set[str]:
    return {row[0] for row in server.sql(name, "SELECT tablename FROM pg_tables WHERE "
                                               "schemaname = 'public'")}


FOREIGN_SETUPS = {
    "other tables": ["CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)",
                     "INSERT INTO invoices VALUES (1, 9.5)"],
    "our table names, no stamp": ["CREATE TABLE scenarios (id INTEGER PRIMARY KEY)"],
    "another application's stamp": [
        f"CREATE TABLE {pg.META} (application INTEGER NOT NULL, schema_version INTEGER NOT "
        "NULL)", f"INSERT INTO {pg.META} VALUES (1234, 3)",
        "CREATE TABLE scenarios (id INTEGER PRIMARY KEY)"],
    "our stamp, other columns": [
        f"CREATE TABLE {pg.META} (application INTEGER NOT NULL, schema_version INTEGER NOT "
        "NULL)", f"INSERT INTO {pg.META} VALUES ({store.APPLICATION_ID}, {SCHEMA_VERSION})",
        "CREATE TABLE scenarios (id INTEGER PRIMARY KEY, title TEXT)"],
}


@pytest.mark.parametrize("setup", FOREIGN_SETUPS.values(), ids=FOREIGN_SETUPS.keys())
def test_another_programs_database_is_refused_and_left_untouched(postgres_server, database,
                                                                 setup):
    postgres_server.sql(database, *setup)
    before = tables(postgres_server, database)
    url = postgres_server.url(database)
    with pytest.raises(LibraryError, match="belongs to another program; it was left "
                                           "untouched") as caught:
        ScenarioLibrary(url)
    assert database not in str(caught.value) and SUPERUSER not in str(caught.value)
    assert tables(postgres_server, database) == before
    if "invoices" in before:
        assert postgres_server.sql(database, "SELECT total FROM invoices") == [(9.5,)]


def test_a_new_library_is_stamped_in_its_own_table(postgres_server, database):
    library = ScenarioLibrary(postgres_server.url(database))
    assert tables(postgres_server, database) == {"scenarios", "events", pg.META}
    assert postgres_server.sql(database, f"SELECT application, schema_version FROM {pg.META}"
                               ) == [(store.APPLICATION_ID, SCHEMA_VERSION)]
    assert library.schema_version() == SCHEMA_VERSION and library.path is None
    postgres_server.sql(database, f"UPDATE {pg.META} SET schema_version = 99")
    with pytest.raises(LibraryError, match="schema 99, newer than this app"):
        ScenarioLibrary(postgres_server.url(database))


def old_library(server, name: str, version: int) -> None:
    """A database as version `version` of the app would have left it (the migrations up to
    it, the stamp), holding 'Base' and 'base' (a clash version 2 resolves) at version 1."""
    statements = [f"CREATE TABLE {pg.META} (application INTEGER NOT NULL, schema_version "
                  f"INTEGER NOT NULL)",
                  f"INSERT INTO {pg.META} VALUES ({store.APPLICATION_ID}, {version})"]
    for step in store.MIGRATIONS[:version]:
        statements += [pg.dialect(s) for s in step.split(";") if s.strip()]
    names = ("Base", "base") if version == 1 else ("Base",)
    for n in names:
        statements.append("INSERT INTO scenarios (name, note, scenario_json, created_at) VALUES "
                          f"('{n}', 'kept', '{Scenario.build('rollback').to_json()}', "
                          "'2025-01-01T00:00:00+00:00')")
    if version >= 2:
        statements.append("UPDATE scenarios SET updated_at = created_at")
    server.sql(name, *statements)


@pytest.mark.parametrize("version", [1, 2])
def test_migration_from_older_schemas(postgres_server, database, version):
    old_library(postgres_server, database, version)
    library = ScenarioLibrary(postgres_server.url(database))
    assert library.schema_version() == SCHEMA_VERSION
    expected = ["Base", "base (2)"] if version == 1 else ["Base"]
    assert [s.name for s in library.all()] == expected
    saved = library.find("Base")
    assert (saved.note, saved.scenario, saved.created_by) == ("kept", Scenario.build(
        "rollback"), "")
    assert saved.updated_at == "2025-01-01T00:00:00+00:00"
    with pytest.raises(LibraryError, match="already exists"):  # the unique index is there
        library.save("BASE", Scenario(), user="ana")
    library.delete(saved.id, user="ana")
    new = library.save("base", Scenario(), user="ana")  # the index ignores deleted ones
    assert new > saved.id  # the migrated identity column numbers new rows
    assert library.restore(saved.id, user="ana") == "Base (restored)"


# -- logins, rights and reachability ------------------------------------------------------------
def quiet(message: str, *secrets: object) -> bool:
    return not any(str(secret) in message for secret in secrets)


def test_an_unreachable_server_is_named_nowhere_in_the_message(caplog):
    port = free_port()  # nothing listens there
    url = f"postgresql://{PASSWORD_USER}:{PASSWORD}@127.0.0.1:{port}/somedb"
    with caplog.at_level(logging.ERROR, logger="chokepoint"), \
            pytest.raises(LibraryError, match="database server cannot be reached") as caught:
        ScenarioLibrary(url)
    assert quiet(str(caught.value), "127.0.0.1", port, PASSWORD_USER, PASSWORD, "somedb")
    assert caplog.text and "127.0.0.1" in caplog.text  # the operator's log says where
    assert PASSWORD not in caplog.text


def test_a_refused_login_says_so_without_the_password(postgres_server, database, caplog):
    url = postgres_server.tcp_url(database, password="wrong-" + PASSWORD)
    with caplog.at_level(logging.ERROR, logger="chokepoint"), \
            pytest.raises(LibraryError, match="refused the connection") as caught:
        ScenarioLibrary(url)
    assert quiet(str(caught.value), "127.0.0.1", PASSWORD_USER, PASSWORD, database)
    assert "password authentication failed" in caplog.text and PASSWORD not in caplog.text
    assert ScenarioLibrary(postgres_server.tcp_url(database)).all() == []  # the right one


def test_a_silent_server_times_out_quickly(monkeypatch):
    """A server that accepts the connection but never answers (a hung host, a firewall that
    swallows packets): the request fails after the connect timeout, not after minutes."""
    monkeypatch.setattr(pg, "CONNECT_TIMEOUT", 2)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        start = time.monotonic()
        with pytest.raises(LibraryError, match="cannot be reached"):
            ScenarioLibrary(f"postgresql://u:p@127.0.0.1:{listener.getsockname()[1]}/db")
        assert time.monotonic() - start < 10
    finally:
        listener.close()


def test_a_role_without_write_rights_reads_and_says_why_writes_fail(postgres_server, database):
    writer = ScenarioLibrary(postgres_server.url(database))
    kept = writer.save("Kept", Scenario.build("rollback"), note="n", user="ana")
    postgres_server.sql(database, "CREATE ROLE reader LOGIN", "GRANT USAGE ON SCHEMA public "
                        "TO reader", "GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader")
    try:
        library = ScenarioLibrary(postgres_server.url(database, user="reader"))
        assert library.read_only
        assert [(s.name, s.note) for s in library.all()] == [("Kept", "n")]
        assert library.export_json() and library.events()[0].actor == "ana"
        for write in (lambda: library.save("New", Scenario(), user="ben"),
                      lambda: library.delete(kept, user="ben"),
                      lambda: library.import_json(library.export_json(), user="ben")):
            with pytest.raises(LibraryError, match="read-only on this server"):
                write()
        # rights taken away while the app runs: the server's refusal gives the same message
        postgres_server.sql(database, "CREATE ROLE clerk LOGIN",
                            "GRANT USAGE ON SCHEMA public TO clerk",
                            "GRANT ALL ON ALL TABLES IN SCHEMA public TO clerk")
        clerk = ScenarioLibrary(postgres_server.url(database, user="clerk"))
        assert not clerk.read_only
        postgres_server.sql(database, "REVOKE INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
                                      "public FROM clerk")
        with pytest.raises(LibraryError, match="read-only on this server"):
            clerk.save("Other", Scenario(), user="cy")
        assert [s.name for s in writer.all()] == ["Kept"]
    finally:
        postgres_server.sql(database, "DROP OWNED BY reader, clerk")
        postgres_server.sql("postgres", "DROP ROLE reader", "DROP ROLE clerk")


def test_a_login_without_rights_is_told_what_it_lacks(postgres_server, database):
    postgres_server.sql(database, "CREATE ROLE visitor LOGIN")
    try:
        with pytest.raises(LibraryError, match="cannot be written, and it holds no library"):
            ScenarioLibrary(postgres_server.url(database, user="visitor"))
        assert tables(postgres_server, database) == set()
        ScenarioLibrary(postgres_server.url(database)).save("Kept", Scenario(), user="ana")
        postgres_server.sql(database, "GRANT USAGE ON SCHEMA public TO visitor")
        with pytest.raises(LibraryError, match="login may not read the library") as caught:
            ScenarioLibrary(postgres_server.url(database, user="visitor"))
        assert quiet(str(caught.value), "visitor", database)
    finally:
        postgres_server.sql(database, "DROP OWNED BY visitor")
        postgres_server.sql("postgres", "DROP ROLE visitor")


def test_a_malformed_url_says_so(caplog):
    for url in ("postgresql://ana:secret@[::1/db", "postgresql://ana:secret@/db?host=x&oops"):
        with caplog.at_level(logging.ERROR, logger="chokepoint"), \
                pytest.raises(LibraryError, match="not a valid PostgreSQL URL") as caught:
            ScenarioLibrary(url)
        assert quiet(str(caught.value), "ana", "secret")
    assert "secret" not in caplog.text


# -- writers in several processes ---------------------------------------------------------------
WRITER = """
import sys
from lib.core.scenario import Scenario
from lib.store.library import LibraryError, ScenarioLibrary
library, taken = ScenarioLibrary(sys.argv[1]), 0
for i in range(40):
    try:
        library.save(f"shared {i % 20}", Scenario(), user=sys.argv[2])
    except LibraryError as exc:
        assert "already exists" in str(exc), exc
        taken += 1
print(taken)
"""


def test_writers_in_two_processes_keep_names_unique(postgres_server, database):
    url = postgres_server.url(database)
    ScenarioLibrary(url)
    runs = [subprocess.Popen([sys.executable, "-c", WRITER, url, who], stdout=subprocess.PIPE,
                             text=True, cwd=helpers.ROOT) for who in ("ana", "ben")]
    taken = [int(run.communicate(timeout=120)[0]) for run in runs]
    assert all(run.returncode == 0 for run in runs)
    library = ScenarioLibrary(url)
    names = sorted(s.name for s in library.all())
    assert names == sorted(f"shared {i}" for i in range(20))
    assert sum(taken) == 80 - 20  # each name saved once; every other attempt told why
    assert len([e for e in library.events() if e.action == "save"]) == 20


def test_the_cap_holds_against_concurrent_writers(postgres_server, database, monkeypatch):
    monkeypatch.setattr(library_module, "MAX_ENTRIES", 5)
    library = ScenarioLibrary(postgres_server.url(database))
    refused, errors = [], []

    def worker(n: int) -> None:
        for i in range(5):
            try:
                library.save(f"w{n}-{i}", Scenario(), user=f"user{n}")
            except LibraryError as exc:
                (refused if "at most 5 saved scenarios" in str(exc) else errors).append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(refused) == 15
    assert len(library.all()) == 5


def test_a_writer_waits_for_another_then_says_the_library_is_busy(postgres_server, database,
                                                                   monkeypatch):
    monkeypatch.setattr(pg, "LOCK_TIMEOUT", "1s")
    url = postgres_server.url(database)
    library = ScenarioLibrary(url)
    import psycopg

    with psycopg.connect(url) as other:  # another process is mid-write
        other.execute("SELECT pg_advisory_xact_lock(%s)", (store.APPLICATION_ID,))
        start = time.monotonic()
        with pytest.raises(LibraryError, match="busy; try again"):
            library.save("Waiting", Scenario(), user="ana")
        assert 0.9 < time.monotonic() - start < 10
        assert library.all() == []  # readers are not held up
    library.save("Waiting", Scenario(), user="ana")  # the lock is gone with its transaction


def test_a_library_in_its_own_schema_beside_other_tables(postgres_server, database):
    postgres_server.sql(database, "CREATE TABLE invoices (id INTEGER PRIMARY KEY)",
                        "CREATE SCHEMA chokepoint")
    url = postgres_server.url(database) + "&options=-csearch_path%3Dchokepoint"
    ScenarioLibrary(url).save("Kept apart", Scenario(), user="ana")
    assert tables(postgres_server, database) == {"invoices"}
    assert postgres_server.sql(database, "SELECT name FROM chokepoint.scenarios") == [
        ("Kept apart",)]


# -- where the library is, and what needs a SQLite file ------------------------------------------
def test_the_url_chooses_the_backend(postgres_server, database, tmp_path, monkeypatch):
    url = postgres_server.url(database)
    monkeypatch.setenv("CHOKEPOINT_DB", "postgres://" + url.removeprefix("postgresql://"))
    ScenarioLibrary().save("On the server", Scenario(), user="ana")
    assert [s.name for s in ScenarioLibrary(url).all()] == ["On the server"]
    monkeypatch.setenv("CHOKEPOINT_DB", f"sqlite://{tmp_path / 'lib.sqlite'}")
    assert ScenarioLibrary().path == tmp_path / "lib.sqlite" and ScenarioLibrary().all() == []
    assert (tmp_path / "lib.sqlite").is_file()


def test_psycopg_is_imported_only_for_a_postgresql_library(tmp_path):
    code = ("import sys; from lib.store.library import ScenarioLibrary; "
            "ScenarioLibrary(sys.argv[1]).all(); print('psycopg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "lib.sqlite")],
                         capture_output=True, text=True, cwd=helpers.ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_passwords_are_redacted_for_the_log():
    assert pg.redact("postgresql://ana:pa%40ss@db.example:5432/lib?sslmode=require") == \
        "postgresql://ana:***@db.example:5432/lib?sslmode=require"
    assert pg.redact("postgresql:///lib?user=ana&password=secret&host=/run") == \
        "postgresql:///lib?user=ana&password=***&host=/run"
    assert pg.placeholders("SELECT '?%' || ? WHERE x LIKE 'a''?' AND y = ?") == \
        "SELECT '?%%' || %s WHERE x LIKE 'a''?' AND y = %s"


def test_backup_and_restore_point_to_the_servers_tools(postgres_server, database, tmp_path,
                                                       monkeypatch, capsys):
    url = postgres_server.url(database)
    for command in (lambda: backup.backup(tmp_path / "b.sqlite", url),
                    lambda: backup.restore(tmp_path / "b.sqlite", url)):
        with pytest.raises(LibraryError, match="pg_dump .* pg_restore"):
            command()
    monkeypatch.setenv("CHOKEPOINT_DB", url)
    assert backends.is_postgres(None)
    assert main(["backup", str(tmp_path / "b.sqlite")]) == 2
    assert "pg_dump" in capsys.readouterr().err
    assert not (tmp_path / "b.sqlite").exists()


def test_pg_dump_and_pg_restore_as_the_readme_says(postgres_server, database, tmp_path):
    url = postgres_server.url(database)
    library = ScenarioLibrary(url)
    kept = library.save("Kept", Scenario.build("rollback"), note="n", user="ana")
    dump = tmp_path / "scenarios.dump"
    subprocess.run([str(postgres_server.bin / "pg_dump"), "--format=custom", f"--file={dump}",
                    url], check=True, timeout=60)
    library.delete(kept, user="ben")
    library.save("Later", Scenario(), user="ben")
    subprocess.run([str(postgres_server.bin / "pg_restore"), "--clean", "--if-exists",
                    "--single-transaction", f"--dbname={url}", str(dump)], check=True,
                   timeout=60)
    restored = ScenarioLibrary(url)
    assert [(s.name, s.note, s.scenario) for s in restored.all()] == [
        ("Kept", "n", Scenario.build("rollback"))]
    assert restored.save("New", Scenario(), user="cy") > kept  # identity restored too
    assert [e.action for e in restored.events()] == ["save", "save"]


def test_the_library_page_runs_against_postgresql(postgres_server, database, monkeypatch,
                                                  team):
    url = postgres_server.url(database)
    monkeypatch.setenv("CHOKEPOINT_DB", url)
    ScenarioLibrary(url).save("Strict plus", Scenario.build("strict_enforcement"), "a note",
                              user="ana")
    at = helpers.make_app("pages/library.py", run=True, user="ben")  # a team member
    helpers.no_exception(at)
    assert not at.error, [e.value for e in at.error]
    frames = [d.value for d in at.dataframe if "Name" in d.value.columns]
    assert [f["Name"].tolist() for f in frames] == [["Strict plus"]]
    at.text_input(key="lib_name").set_value("From the page")
    [submit] = [b for b in at.button if b.label == "Save"]
    submit.click()
    at.run()
    helpers.no_exception(at)
    assert not at.error, [e.value for e in at.error]
    assert sorted(s.name for s in ScenarioLibrary(url).all()) == ["From the page",
                                                                  "Strict plus"]
    assert ScenarioLibrary(url).find("From the page").created_by == "ben"


def test_the_library_page_says_an_unreachable_server_cannot_be_reached(monkeypatch):
    port = free_port()
    monkeypatch.setenv("CHOKEPOINT_DB", f"postgresql://{PASSWORD_USER}:{PASSWORD}@127.0.0.1:"
                                        f"{port}/somedb")
    at = helpers.make_app("pages/library.py", run=True)
    helpers.no_exception(at)
    [error] = [helpers.plain(e.value) for e in at.error]
    assert "library cannot be read: the library's database server cannot be reached" in error
    assert quiet(error, "127.0.0.1", port, PASSWORD_USER, PASSWORD, "somedb")
