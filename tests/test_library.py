"""The saved-scenario library: round trips, concurrency, migration, damage."""

import json
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest

from lib.core.scenario import Scenario
from lib.store.library import SCHEMA_VERSION, LibraryError, ScenarioLibrary


@pytest.fixture
def library(library_url):
    """A fresh library on each backend (tests/conftest.py: SQLite and PostgreSQL)."""
    return ScenarioLibrary(library_url)


@pytest.fixture
def sqlite_library(tmp_path):
    """For what only a SQLite file has (PRAGMAs, pages, the file itself)."""
    return ScenarioLibrary(tmp_path / "lib.sqlite")


def test_save_list_load_rename_duplicate_delete(library):
    scenario = Scenario.build("leaky_controls", {"smic_yield_2025": 0.31,
                                                 "smic_wafers_per_month": {2028: 90000}})
    first = library.save("Leaky, high yield", scenario, note="for the Tuesday brief", user="tester")
    assert library.get(first).scenario == scenario
    assert library.get(first).note == "for the Tuesday brief"
    with pytest.raises(LibraryError, match="already exists"):
        library.save("leaky,  HIGH yield", Scenario(), user="tester")
    library.rename(first, "Leaky v2", user="tester")
    copy = library.duplicate(first, user="tester")
    assert [row["name"] for row in library.list()] == ["Leaky v2", "Leaky v2 (copy)"]
    assert library.get(copy).scenario == scenario
    library.delete(first, user="tester")
    assert [row["id"] for row in library.list()] == [copy]
    with pytest.raises(LibraryError, match="no saved scenario"):
        library.get(first)
    with pytest.raises(LibraryError, match="a name is required"):
        library.save("   ", Scenario(), user="tester")


def test_round_trip_across_a_process_restart(library_url):
    path = library_url
    scenario = Scenario.build("rollback", {"packaging_yield": 0.81})
    code = ("import sys; from lib.store.library import ScenarioLibrary; "
            "from lib.core.scenario import Scenario;"
            f"ScenarioLibrary(sys.argv[1]).save('r', Scenario.from_json({scenario.to_json()!r}), "
            "user='tester')")
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)
    assert ScenarioLibrary(path).find("r").scenario == scenario


def test_concurrent_saves_lose_nothing(library):
    errors = []

    def worker(n):
        try:
            for i in range(15):
                library.save(f"t{n}-{i}", Scenario.build(
                    overrides={"smuggling_interdiction_share": (n * 15 + i) % 90 / 100}),
                    user="tester")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(library.list()) == 90
    if library.path:  # SQLite
        with sqlite3.connect(library.path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_migration_from_the_first_schema(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # a version-1 library, with a duplicated name
        db.execute("CREATE TABLE scenarios (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                   "note TEXT NOT NULL DEFAULT '', scenario_json TEXT NOT NULL, "
                   "created_at TEXT NOT NULL)")
        for name in ("Base", "base"):
            db.execute("INSERT INTO scenarios (name, scenario_json, created_at) VALUES (?,?,?)",
                       (name, Scenario().to_json(), "2026-01-01T00:00:00+00:00"))
        db.execute("PRAGMA user_version = 1")
    library = ScenarioLibrary(path)
    assert library.schema_version() == SCHEMA_VERSION
    assert sorted(row["name"] for row in library.list()) == ["Base", "base (2)"]
    assert all(row["updated_at"] for row in library.list())


def test_scenarios_saved_before_a_parameter_was_removed_still_load(library):
    stored = json.dumps({"format": 1, "preset": "status_quo",
                         "overrides": {"retired_knob": 3, "smic_yield_2025": 0.3}})
    with library.database.connection() as db:
        db.execute("INSERT INTO scenarios (name, note, scenario_json, created_at, updated_at) "
                   "VALUES ('old', '', ?, 'x', 'x')", (stored,))
    saved = library.find("old")
    assert saved.scenario.values()["smic_yield_2025"] == 0.3
    assert saved.problems == (("'retired_knob'", "unknown parameter"),)


def test_export_and_import_the_whole_library(library, library_locations):
    library.save("a", Scenario.build("strict_enforcement"), note="n1", user="tester")
    library.save("b", Scenario.build(overrides={"smic_yield_2025": 0.35}), user="tester")
    text = library.export_json()
    other = ScenarioLibrary(library_locations())
    assert other.import_json(text, user="tester") == (2, [])
    assert other.find("a").scenario == Scenario.build("strict_enforcement")
    assert other.find("a").note == "n1"
    saved, skipped = other.import_json(text, user="tester")
    assert saved == 0 and len(skipped) == 2  # existing names kept unless overwrite


@pytest.mark.parametrize("payload, message", [
    (b"\xff", "not UTF-8"), (b"{", "not a valid library file"),
    (b'{"format": "other"}', "not a Chokepoint library export"),
    (b"[" * 50000, "not a valid library file"),
])
def test_bad_library_files(library, payload, message):
    with pytest.raises(LibraryError, match=message):
        library.import_json(payload, user="tester")


def test_bad_entries_are_skipped_and_named(library):
    document = {"format": "chokepoint-library", "scenarios": [
        {"name": "ok", "scenario": {"preset": "status_quo"}},
        {"name": "bad", "scenario": {"overrides": {"smic_yield_2025": 9}}},
        {"name": "", "scenario": {}}, "junk"]}
    saved, skipped = library.import_json(json.dumps(document), user="tester")
    assert saved == 1 and len(skipped) == 3
    assert "outside the allowed range" in skipped[0]


def test_killed_writer_leaves_a_consistent_database(library_url):
    path = library_url
    ScenarioLibrary(path)
    code = ("import sys; from lib.store.library import ScenarioLibrary; "
            "from lib.core.scenario import Scenario\n"
            "lib = ScenarioLibrary(sys.argv[1])\n"
            "for i in range(100000): lib.save(f's{i}', Scenario(), user='tester')\n")
    process = subprocess.Popen([sys.executable, "-c", code, str(path)])
    try:
        for _ in range(200):
            if len(ScenarioLibrary(path).list()) >= 20:
                break
            threading.Event().wait(0.05)
    finally:
        process.kill()
        process.wait()
    library = ScenarioLibrary(path)
    rows = library.list()
    assert len(rows) >= 20
    if library.path:  # SQLite
        with sqlite3.connect(library.path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for row in rows[:5]:
        assert library.get(row["id"]).scenario == Scenario()


def test_duplicate_picks_a_free_name_and_all_reads_every_entry(library):
    first = library.save("Base", Scenario.build("rollback"), note="n", user="tester")
    library.duplicate(first, user="tester")
    copy = library.find("Base (copy)")
    library.duplicate(copy.id, user="tester")  # a copy of a copy
    library.duplicate(first, user="tester")
    assert sorted(s.name for s in library.all()) == ["Base", "Base (copy 2)", "Base (copy 3)",
                                                     "Base (copy)"]
    assert all(s.scenario == Scenario.build("rollback") and s.note == "n"
               for s in library.all())
    long_id = library.save("x" * 200, Scenario(), user="tester")
    assert library.get(library.duplicate(long_id, user="tester")).name == "x" * 193 + " (copy)"


def test_opening_an_up_to_date_library_takes_no_write_lock(tmp_path):
    path = tmp_path / "lib.sqlite"
    ScenarioLibrary(path).save("x", Scenario(), user="tester")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process is mid-write
    try:
        reopened = ScenarioLibrary(path)  # would wait 15 s for the lock if it wrote
        assert [row["name"] for row in reopened.list()] == ["x"]
    finally:
        writer.execute("ROLLBACK")
        writer.close()


# -- operators' situations: the file system, foreign files, restores, damage ---------------------
from lib.store import database as store
from lib.store.library import hidden_text  # noqa: E402 - this section's own import


def no_path(message: str, path) -> bool:
    return str(path) not in message and str(path.parent) not in message


def test_a_folder_that_cannot_be_created_gives_a_message_without_the_path(tmp_path):
    (tmp_path / "a-file").write_text("x")
    path = tmp_path / "a-file" / "var" / "lib.sqlite"  # its "folder" is a file
    with pytest.raises(LibraryError, match="folder cannot be created") as caught:
        ScenarioLibrary(path)
    assert no_path(str(caught.value), path) and "CHOKEPOINT_DB" in str(caught.value)


@pytest.fixture
def read_only(tmp_path, monkeypatch):
    """A library whose file and folder cannot be written: chmod, and for root (who may write
    anyway) the same answer from the writability check."""
    path = tmp_path / "ro" / "lib.sqlite"
    ScenarioLibrary(path).save("Kept", Scenario.build("rollback"), note="n", user="tester")
    for suffix in ("-wal", "-shm"):  # as a clean shutdown leaves it
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.chmod(0o444)
    path.parent.chmod(0o555)
    monkeypatch.setattr(store, "_can_write", lambda _path: False)
    yield path
    path.parent.chmod(0o755)
    path.chmod(0o644)


def test_a_read_only_library_reads_and_says_why_writes_fail(read_only):
    library = ScenarioLibrary(read_only)
    assert library.read_only
    assert [(s.name, s.note) for s in library.all()] == [("Kept", "n")]
    assert library.find("kept").scenario == Scenario.build("rollback")
    assert json.loads(library.export_json())["scenarios"][0]["name"] == "Kept"
    for write in (lambda: library.save("New", Scenario(), user="tester"),
                  lambda: library.delete(library.find("Kept").id, user="tester"),
                  lambda: library.import_json(library.export_json(), overwrite=True,
                                              user="tester")):
        with pytest.raises(LibraryError, match="read-only on this server") as caught:
            write()
        assert no_path(str(caught.value), read_only)
    assert [s.name for s in ScenarioLibrary(read_only).all()] == ["Kept"]


def test_an_empty_read_only_folder_says_there_is_no_library(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "_can_write", lambda _path: False)
    with pytest.raises(LibraryError, match="cannot be written, and it holds no library"):
        ScenarioLibrary(tmp_path / "lib.sqlite")


def test_sqlite_failures_become_messages_without_the_path(sqlite_library, tmp_path):
    sqlite_library.save("x", Scenario(), user="tester")
    with closing(sqlite3.connect(f"file:{sqlite_library.path}?mode=ro", uri=True)) as db:
        with pytest.raises(sqlite3.Error) as caught:
            db.execute("DELETE FROM scenarios")
    assert str(store.explain(caught.value)) == store.READ_ONLY


def test_a_full_disk_fails_the_write_with_a_message_and_keeps_the_library(sqlite_library,
                                                                          monkeypatch):
    sqlite_library.save("Before", Scenario(), user="tester")
    connect = sqlite3.connect

    def full_disk(*args, **kwargs):  # no page beyond the ones the file has
        db = connect(*args, **kwargs)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")
        return db

    monkeypatch.setattr(store.sqlite3, "connect", full_disk)
    with pytest.raises(LibraryError, match="disk is full; nothing was changed"):
        for i in range(10):  # the first may fit in the free room of the file's last page
            sqlite_library.save(f"Big {i}", Scenario(), note="n" * 1900, user="tester")
    monkeypatch.setattr(store.sqlite3, "connect", connect)
    assert [s.name for s in sqlite_library.all()][0] == "Before"
    assert "Big 9" not in [s.name for s in sqlite_library.all()]


def test_a_new_library_is_stamped_with_the_application_id(sqlite_library):
    with closing(sqlite3.connect(sqlite_library.path)) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == store.APPLICATION_ID
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def foreign_files(tmp_path):
    other_id = tmp_path / "other-id.sqlite"
    with closing(sqlite3.connect(other_id)) as db:
        db.execute("PRAGMA application_id = 1234")
        db.execute("CREATE TABLE scenarios (id INTEGER PRIMARY KEY)")
    other_tables = tmp_path / "other-tables.sqlite"
    with closing(sqlite3.connect(other_tables)) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        db.execute("INSERT INTO invoices VALUES (1, 9.5)")
        db.commit()
    other_columns = tmp_path / "other-columns.sqlite"
    with closing(sqlite3.connect(other_columns)) as db:
        db.execute("CREATE TABLE scenarios (id INTEGER PRIMARY KEY, title TEXT)")
    not_sqlite = tmp_path / "notes.sqlite"
    not_sqlite.write_bytes(b"just some text, not a database" * 100)
    return other_id, other_tables, other_columns, not_sqlite


def test_another_programs_file_is_refused_and_left_untouched(tmp_path):
    for path in foreign_files(tmp_path):
        before = path.read_bytes()
        with pytest.raises(LibraryError, match="belongs to another program; it was left "
                                               "untouched") as caught:
            ScenarioLibrary(path)
        assert no_path(str(caught.value), path)
        assert path.read_bytes() == before, path.name
        assert not Path(f"{path}-wal").exists()


def old_library(path: Path, version: int) -> None:
    """A library file as version `version` of the app left it, holding 'Dumped'."""
    with closing(sqlite3.connect(path)) as db:
        for step in store.MIGRATIONS[:version]:
            db.executescript(step)
        db.execute("INSERT INTO scenarios (name, note, scenario_json, created_at) VALUES "
                   "('Dumped', 'kept', ?, '2025-01-01T00:00:00+00:00')",
                   (Scenario.build("rollback").to_json(),))
        if version >= 2:
            db.execute("UPDATE scenarios SET updated_at = created_at")
        db.execute(f"PRAGMA user_version = {version}")
        db.commit()


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION + 1))
def test_a_library_restored_from_a_dump_is_recognised_and_upgraded(tmp_path, version):
    source = tmp_path / "source.sqlite"
    old_library(source, version)
    restored = tmp_path / "restored.sqlite"
    with closing(sqlite3.connect(source)) as db, closing(sqlite3.connect(restored)) as new:
        new.executescript("\n".join(db.iterdump()))  # what `sqlite3 .dump | sqlite3` does
    with closing(sqlite3.connect(restored)) as db:  # a dump keeps no PRAGMAs
        assert db.execute("PRAGMA user_version").fetchone()[0] == 0
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0
    library = ScenarioLibrary(restored)
    assert library.schema_version() == SCHEMA_VERSION
    saved = library.find("Dumped")
    assert (saved.note, saved.scenario) == ("kept", Scenario.build("rollback"))
    with pytest.raises(LibraryError, match="already exists"):  # the unique index is there
        library.save("dumped", Scenario(), user="tester")
    with closing(sqlite3.connect(restored)) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == store.APPLICATION_ID


def test_a_version_0_file_with_no_tables_becomes_a_library(tmp_path):
    path = tmp_path / "empty.sqlite"
    sqlite3.connect(path).close()
    ScenarioLibrary(path).save("x", Scenario(), user="tester")
    assert [s.name for s in ScenarioLibrary(path).all()] == ["x"]


def test_a_damaged_file_fails_the_integrity_check_with_a_message(tmp_path):
    path = tmp_path / "damaged.sqlite"
    library = ScenarioLibrary(path)
    for i in range(300):
        library.save(f"scenario {i}", Scenario(), note="n" * 200, user="tester")
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    for page in range(2, len(data) // page_size, 3):  # scribble over every third page
        data[page * page_size + 8: page * page_size + 40] = b"\xff" * 32
    path.write_bytes(bytes(data))
    store._CHECKED.clear()
    with pytest.raises(LibraryError, match="damaged; the operator can restore a backup") as e:
        ScenarioLibrary(path).all()
    assert no_path(str(e.value), path)


def test_one_bad_row_is_hidden_and_counted_not_the_whole_library(sqlite_library):
    sqlite_library.save("Good", Scenario.build("rollback"), user="tester")
    secret = "=HYPERLINK(\"http://evil\") secret row content"
    with sqlite3.connect(sqlite_library.path) as db:
        for name, text in (("Broken JSON", "{" + secret), ("Bytes", secret.encode()),
                           ("A list", "[1, 2]")):
            db.execute("INSERT INTO scenarios (name, note, scenario_json, created_at, "
                       "updated_at) VALUES (?, '', ?, 'x', 'x')", (name, text))
    assert [s.name for s in sqlite_library.all()] == ["Good"]
    assert sqlite_library.hidden == 3
    assert [row["name"] for row in sqlite_library.list()] == ["Good"]
    assert [e["name"] for e in json.loads(sqlite_library.export_json())["scenarios"]] == ["Good"]
    bad = max(row[0] for row in sqlite3.connect(sqlite_library.path).execute(
        "SELECT id FROM scenarios"))
    with pytest.raises(LibraryError, match="could not be read") as caught:
        sqlite_library.get(bad)
    assert secret not in str(caught.value)
    assert hidden_text(1) == ("1 saved scenario could not be read and is hidden; the "
                                    "operator can find it in the server log")


def test_an_unstamped_current_library_still_reads_when_stamping_fails(tmp_path, monkeypatch):
    path = tmp_path / "lib.sqlite"
    ScenarioLibrary(path).save("Kept", Scenario(), user="tester")
    with closing(sqlite3.connect(path)) as db:  # as the app's earlier versions left it
        db.execute("PRAGMA application_id = 0")
        db.execute("PRAGMA journal_mode = DELETE")

    def full_disk(self):
        raise LibraryError("the server's disk is full; nothing was changed")

    monkeypatch.setattr(store.Database, "_upgrade", full_disk)
    assert [s.name for s in ScenarioLibrary(path).all()] == ["Kept"]
    monkeypatch.undo()
    ScenarioLibrary(path)  # stamped once it can be
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == store.APPLICATION_ID
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -- who and when, soft delete, the audit log, caps ---------------------------------------------
from lib.store import library as library_module  # noqa: E402 - this section's own import


def test_every_write_names_who_made_it_and_is_logged(library_url):
    library = ScenarioLibrary(library_url)
    first = library.save("Alpha", Scenario.build("rollback"), note="n", user="ana")
    library.save("Alpha", Scenario(), note="n2", overwrite=True, user="ben")
    library.rename(first, "Alpha v2", user="cy")
    copy = library.duplicate(first, user="dee")
    library.delete(copy, user="ana")
    assert library.restore(copy, user="ben") == "Alpha v2 (copy)"
    library.import_json(library.export_json().replace("Alpha v2", "Imported"), user="eve")
    saved = library.find("Alpha v2")
    assert (saved.created_by, saved.updated_by) == ("ana", "cy")
    assert library.find("Alpha v2 (copy)").updated_by == "ben"
    log = [(e.actor, e.action, e.name) for e in reversed(library.events())]
    assert log == [("ana", "save", "Alpha"), ("ben", "replace", "Alpha"),
                   ("cy", "rename", "Alpha v2"), ("dee", "duplicate", "Alpha v2 (copy)"),
                   ("ana", "delete", "Alpha v2 (copy)"), ("ben", "restore", "Alpha v2 (copy)"),
                   ("eve", "import", "Imported"), ("eve", "import", "Imported (copy)")]
    assert library.events()[-3].detail == "from 'Alpha'"  # the rename says what it was
    assert all(e.at.endswith("+00:00") for e in library.events())


@pytest.mark.parametrize("user", ["", "   ", None, 7])
def test_no_write_without_a_user(library_url, user):
    library = ScenarioLibrary(library_url)
    kept = library.save("Kept", Scenario(), user="ana")
    for write in (lambda: library.save("New", Scenario(), user=user),
                  lambda: library.rename(kept, "Other", user=user),
                  lambda: library.duplicate(kept, user=user),
                  lambda: library.delete(kept, user=user),
                  lambda: library.restore(kept, user=user),
                  lambda: library.import_json(library.export_json(), user=user)):
        with pytest.raises(LibraryError, match="only a signed-in user"):
            write()
    assert [s.name for s in library.all()] == ["Kept"] and len(library.events()) == 1


def test_delete_is_soft_and_restore_brings_it_back(library_url):
    library = ScenarioLibrary(library_url)
    gone = library.save("Strict", Scenario.build("strict_enforcement"), note="why", user="ana")
    library.delete(gone, user="ben")
    assert library.all() == [] and library.find("Strict") is None
    assert "Strict" not in library.export_json()
    with pytest.raises(LibraryError, match="no saved scenario"):
        library.get(gone)
    deleted = library.deleted()
    assert [(s.name, s.deleted_by) for s in deleted] == [("Strict", "ben")]
    assert deleted[0].deleted_at is not None
    with pytest.raises(LibraryError, match="no saved scenario"):
        library.delete(gone, user="ben")  # twice
    library.save("strict", Scenario(), user="cy")  # the name is free once deleted
    assert library.restore(gone, user="dee") == "Strict (restored)"
    back = library.find("Strict (restored)")
    assert (back.note, back.scenario, back.created_by) == ("why", Scenario.build(
        "strict_enforcement"), "ana")
    assert library.deleted() == []
    with pytest.raises(LibraryError, match="no deleted scenario"):
        library.restore(gone, user="dee")


def test_the_oldest_deleted_scenarios_are_purged_beyond_the_cap(library_url, monkeypatch):
    monkeypatch.setattr(library_module, "MAX_DELETED", 2)
    library = ScenarioLibrary(library_url)
    ids = [library.save(f"s{i}", Scenario(), user="ana") for i in range(4)]
    for scenario_id in ids:
        library.delete(scenario_id, user="ana")
    assert [s.name for s in library.deleted()] == ["s3", "s2"]
    purged = [e.name for e in library.events() if e.action == "purge"]
    assert sorted(purged) == ["s0", "s1"]


def test_the_audit_log_keeps_its_newest_rows(library_url, monkeypatch):
    monkeypatch.setattr(library_module, "MAX_EVENTS", 3)
    library = ScenarioLibrary(library_url)
    for i in range(5):
        library.save(f"s{i}", Scenario(), user="ana")
    assert [e.name for e in library.events()] == ["s4", "s3", "s2"]


def test_caps_on_entries_with_messages(library_locations, monkeypatch):
    monkeypatch.setattr(library_module, "MAX_ENTRIES", 3)
    library = ScenarioLibrary(library_locations())
    ids = [library.save(f"s{i}", Scenario(), user="ana") for i in range(3)]
    for write in (lambda: library.save("s3", Scenario(), user="ana"),
                  lambda: library.duplicate(ids[0], user="ana")):
        with pytest.raises(LibraryError, match="at most 3 saved scenarios and has 3"):
            write()
    library.save("s0", Scenario.build("rollback"), overwrite=True, user="ana")  # no new entry
    export = library.export_json()
    library.delete(ids[0], user="ana")
    library.save("s9", Scenario(), user="ana")
    with pytest.raises(LibraryError, match="at most 3 saved scenarios"):
        library.restore(ids[0], user="ana")
    other = ScenarioLibrary(library_locations())
    other.save("mine", Scenario(), user="ana")
    with pytest.raises(LibraryError, match="importing would make 4 saved scenarios"):
        other.import_json(export, user="ana")
    assert [s.name for s in other.all()] == ["mine"]  # all or nothing
    document = json.loads(export)
    document["scenarios"] *= 2
    with pytest.raises(LibraryError, match="the file has 6 scenarios; the library holds at "
                                           "most 3"):
        other.import_json(json.dumps(document), user="ana")


def test_long_names_and_notes_say_how_long_they_are(library_url):
    library = ScenarioLibrary(library_url)
    with pytest.raises(LibraryError, match="notes are at most 2,000 characters; this one has "
                                           "2,345"):
        library.save("x", Scenario(), note="n" * 2345, user="ana")
    with pytest.raises(LibraryError, match="names are at most 200 characters; this one has 201"):
        library.save("x" * 201, Scenario(), user="ana")


def test_an_upgraded_library_keeps_its_scenarios_with_no_author(tmp_path):
    path = tmp_path / "old.sqlite"
    old_library(path, 2)
    library = ScenarioLibrary(path)
    saved = library.find("Dumped")
    assert (saved.created_by, saved.updated_by, saved.deleted_at) == ("", "", None)
    library.delete(saved.id, user="ana")
    assert library.restore(saved.id, user="ana") == "Dumped"
