"""The saved-scenario library: round trips, concurrency, migration, damage."""

import json
import sqlite3
import subprocess
import sys
import threading

import pytest

from lib.core.scenario import Scenario
from lib.store.library import SCHEMA_VERSION, LibraryError, ScenarioLibrary


@pytest.fixture
def library(tmp_path):
    return ScenarioLibrary(tmp_path / "lib.sqlite")


def test_save_list_load_rename_duplicate_delete(library):
    scenario = Scenario.build("leaky_controls", {"smic_yield_2025": 0.31,
                                                 "smic_wafers_per_month": {2028: 90000}})
    first = library.save("Leaky, high yield", scenario, note="for the Tuesday brief")
    assert library.get(first).scenario == scenario
    assert library.get(first).note == "for the Tuesday brief"
    with pytest.raises(LibraryError, match="already exists"):
        library.save("leaky,  HIGH yield", Scenario())
    library.rename(first, "Leaky v2")
    copy = library.duplicate(first)
    assert [row["name"] for row in library.list()] == ["Leaky v2", "Leaky v2 (copy)"]
    assert library.get(copy).scenario == scenario
    library.delete(first)
    assert [row["id"] for row in library.list()] == [copy]
    with pytest.raises(LibraryError, match="no saved scenario"):
        library.get(first)
    with pytest.raises(LibraryError, match="a name is required"):
        library.save("   ", Scenario())


def test_round_trip_across_a_process_restart(tmp_path):
    path = tmp_path / "lib.sqlite"
    scenario = Scenario.build("rollback", {"packaging_yield": 0.81})
    code = ("import sys; from lib.store.library import ScenarioLibrary; "
            "from lib.core.scenario import Scenario;"
            f"ScenarioLibrary(sys.argv[1]).save('r', Scenario.from_json({scenario.to_json()!r}))")
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)
    assert ScenarioLibrary(path).find("r").scenario == scenario


def test_concurrent_saves_lose_nothing(library):
    errors = []

    def worker(n):
        try:
            for i in range(15):
                library.save(f"t{n}-{i}", Scenario.build(
                    overrides={"smuggling_interdiction_share": (n * 15 + i) % 90 / 100}))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(library.list()) == 90
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
    with sqlite3.connect(library.path) as db:
        db.execute("INSERT INTO scenarios (name, note, scenario_json, created_at, updated_at) "
                   "VALUES ('old', '', ?, 'x', 'x')", (stored,))
    saved = library.find("old")
    assert saved.scenario.values()["smic_yield_2025"] == 0.3
    assert saved.problems == (("'retired_knob'", "unknown parameter"),)


def test_export_and_import_the_whole_library(library, tmp_path):
    library.save("a", Scenario.build("strict_enforcement"), note="n1")
    library.save("b", Scenario.build(overrides={"smic_yield_2025": 0.35}))
    text = library.export_json()
    other = ScenarioLibrary(tmp_path / "other.sqlite")
    assert other.import_json(text) == (2, [])
    assert other.find("a").scenario == Scenario.build("strict_enforcement")
    assert other.find("a").note == "n1"
    saved, skipped = other.import_json(text)
    assert saved == 0 and len(skipped) == 2  # existing names kept unless overwrite


@pytest.mark.parametrize("payload, message", [
    (b"\xff", "not UTF-8"), (b"{", "not a valid library file"),
    (b'{"format": "other"}', "not a Chokepoint library export"),
    (b"[" * 50000, "not a valid library file"),
])
def test_bad_library_files(library, payload, message):
    with pytest.raises(LibraryError, match=message):
        library.import_json(payload)


def test_bad_entries_are_skipped_and_named(library):
    document = {"format": "chokepoint-library", "scenarios": [
        {"name": "ok", "scenario": {"preset": "status_quo"}},
        {"name": "bad", "scenario": {"overrides": {"smic_yield_2025": 9}}},
        {"name": "", "scenario": {}}, "junk"]}
    saved, skipped = library.import_json(json.dumps(document))
    assert saved == 1 and len(skipped) == 3
    assert "outside the allowed range" in skipped[0]


def test_killed_writer_leaves_a_consistent_database(tmp_path):
    path = tmp_path / "kill.sqlite"
    ScenarioLibrary(path)
    code = ("import sys; from lib.store.library import ScenarioLibrary; "
            "from lib.core.scenario import Scenario\n"
            "lib = ScenarioLibrary(sys.argv[1])\n"
            "for i in range(100000): lib.save(f's{i}', Scenario())\n")
    process = subprocess.Popen([sys.executable, "-c", code, str(path)])
    try:
        for _ in range(200):
            if path.exists() and len(ScenarioLibrary(path).list()) >= 20:
                break
            threading.Event().wait(0.05)
    finally:
        process.kill()
        process.wait()
    library = ScenarioLibrary(path)
    rows = library.list()
    assert len(rows) >= 20
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for row in rows[:5]:
        assert library.get(row["id"]).scenario == Scenario()


def test_duplicate_picks_a_free_name_and_all_reads_every_entry(library):
    first = library.save("Base", Scenario.build("rollback"), note="n")
    library.duplicate(first)
    copy = library.find("Base (copy)")
    library.duplicate(copy.id)  # a copy of a copy
    library.duplicate(first)
    assert sorted(s.name for s in library.all()) == ["Base", "Base (copy 2)", "Base (copy 3)",
                                                     "Base (copy)"]
    assert all(s.scenario == Scenario.build("rollback") and s.note == "n"
               for s in library.all())
    long_id = library.save("x" * 200, Scenario())
    assert library.get(library.duplicate(long_id)).name == "x" * 193 + " (copy)"


def test_opening_an_up_to_date_library_takes_no_write_lock(tmp_path):
    path = tmp_path / "lib.sqlite"
    ScenarioLibrary(path).save("x", Scenario())
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process is mid-write
    try:
        reopened = ScenarioLibrary(path)  # would wait 15 s for the lock if it wrote
        assert [row["name"] for row in reopened.list()] == ["x"]
    finally:
        writer.execute("ROLLBACK")
        writer.close()
