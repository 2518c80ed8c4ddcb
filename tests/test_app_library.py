"""The Saved scenarios page (AppTest through the whole app): save, list, open, rename,
duplicate, delete with confirmation, compare, export and import of the library, old saves with
removed settings, and user text kept out of Markdown."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from lib.app import shell
from lib.core.scenario import Scenario, presets
from lib.store import database as store
from lib.store.library import EXPORT_FORMAT, ScenarioLibrary, hidden_text
from tests import helpers
from tests.helpers import no_exception, plain

PAGE = "pages/library.py"
NASTY = "Leak *bold* [click](http://evil.example) <b>x</b> :red[y] $z$"


@pytest.fixture
def db(tmp_path, monkeypatch, team):
    """A scratch library on a team deployment (pages opened here sign in as USER)."""
    path = tmp_path / "scenarios.sqlite"
    monkeypatch.setenv("CHOKEPOINT_DB", str(path))
    return path


USER = "ana"  # an account of the `team` fixture (tests/conftest.py)


def open_page(page: str = PAGE, query: dict[str, str] | None = None) -> AppTest:
    """The app opened at the library page (or `page`), signed in as USER, and run once."""
    return helpers.make_app(page, query, run=True, user=USER)


def messages(at: AppTest, kind: str) -> list[str]:
    return [plain(e.value) for e in getattr(at, kind)]


def table(at: AppTest):
    frames = [d.value for d in at.dataframe if "Preset" in d.value.columns]  # not deleted
    assert len(frames) == 1
    return frames[0]


def save(at: AppTest, name: str, note: str = "", overwrite: bool = False) -> AppTest:
    at.text_input(key="lib_name").set_value(name)
    at.text_area(key="lib_note").set_value(note)
    at.checkbox(key="lib_overwrite").set_value(overwrite)
    submit = [b for b in at.button if b.label == "Save"]
    assert len(submit) == 1
    submit[0].click()
    at.run()
    no_exception(at)
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    at.run()
    no_exception(at)
    return at


def select(at: AppTest, name: str) -> AppTest:
    [box] = [b for b in at.selectbox if b.label == "Saved scenario"]
    assert name in box.options, box.options  # options show the names
    assert name in table(at)["Name"].tolist()
    box.set_value({row.name: row.id for row in ScenarioLibrary().all()}[name])
    at.run()
    no_exception(at)
    return at


def test_empty_library_says_so(db):
    at = open_page()
    assert at.title[0].value == "Saved scenarios"
    assert any("No saved scenarios yet" in m for m in messages(at, "info"))
    assert "Saved scenario" not in [box.label for box in at.selectbox]
    assert not at.main.dataframe


def test_save_appears_in_the_list_with_its_note(db):
    at = open_page(query={"preset": "leaky_controls", "smuggling_interdiction_share": "0.3"})
    sidebar_scenario = at.session_state["scenario"]
    assert sidebar_scenario.overrides  # a scenario that differs from its preset
    save(at, "Leaky, tighter interdiction", "for the Tuesday brief\nsecond line")
    assert messages(at, "success") == [
        "Saved the current scenario as **Leaky, tighter interdiction**."]
    frame = table(at)
    assert frame["Name"].tolist() == ["Leaky, tighter interdiction"]
    assert frame["Note"].tolist() == ["for the Tuesday brief\nsecond line"]
    assert frame["Preset"].tolist() == [presets()["leaky_controls"].label]
    assert frame["Changes"].tolist() == [len(sidebar_scenario.overrides)]
    stored = ScenarioLibrary(db).find("Leaky, tighter interdiction")
    assert stored.scenario == sidebar_scenario
    assert stored.note == "for the Tuesday brief\nsecond line"
    # the form is emptied after a successful save
    assert at.text_input(key="lib_name").value == ""


def test_save_errors_are_shown_and_nothing_is_written(db):
    at = open_page()
    save(at, "First")
    save(at, "  first ")
    assert messages(at, "error") == ["Saving failed: a scenario named 'first' already exists."]
    assert at.text_input(key="lib_name").value == "  first "  # kept, to fix and retry
    save(at, "   ")
    assert messages(at, "error") == ["Saving failed: a name is required."]
    assert [s.name for s in ScenarioLibrary(db).all()] == ["First"]
    # replacing on purpose
    at.run()
    save(at, "FIRST", "replaced", overwrite=True)
    assert not at.error
    assert [(s.name, s.note) for s in ScenarioLibrary(db).all()] == [("First", "replaced")]


def test_open_makes_it_the_sidebar_scenario(db):
    wanted = Scenario.build("strict_enforcement", {"smuggling_interdiction_share": 0.55,
                                                   "smic_wafers_per_month": {2027: 61000}})
    ScenarioLibrary(db).save("Strict plus", wanted, "a note", user="tester")
    at = open_page(query={"preset": "rollback"})
    assert at.session_state["scenario"] == Scenario.build("rollback")
    select(at, "Strict plus")
    click(at, "lib_open")
    assert at.session_state["scenario"] == wanted
    assert at.session_state["base"] == wanted
    gen = at.session_state["gen"]
    assert at.sidebar.selectbox(key=f"preset_{gen}").value == "strict_enforcement"
    assert at.sidebar.slider(key=f"p_smuggling_interdiction_share_{gen}").value == 0.55
    assert any(m.startswith("Opened **Strict plus**") for m in messages(at, "success"))
    assert not at.warning
    # the share link follows, and the scenario survives a rerun and a page change
    assert at.query_params["preset"] == "strict_enforcement"
    at.run()
    assert at.session_state["scenario"] == wanted


def test_rename_duplicate_and_delete_with_confirmation(db):
    library = ScenarioLibrary(db)
    library.save("Alpha", Scenario.build("rollback"), "n1", user="tester")
    library.save("Beta", Scenario.build("leaky_controls"), user="tester")
    at = open_page()
    select(at, "Alpha")
    at.text_input(key="lib_new_name").set_value("Gamma")
    click(at, "lib_rename")
    assert messages(at, "success") == ["Renamed **Alpha** to **Gamma**."]
    assert table(at)["Name"].tolist() == ["Beta", "Gamma"]
    # the picker still has the renamed scenario chosen, under its new name
    [box] = [b for b in at.selectbox if b.label == "Saved scenario"]
    assert box.value == library.find("Gamma").id and box.options == ["Beta", "Gamma"]
    at.text_input(key="lib_new_name").set_value("beta")
    click(at, "lib_rename")
    assert messages(at, "error") == ["Renaming failed: a scenario named 'beta' already exists."]

    select(at, "Gamma")
    click(at, "lib_duplicate")
    click(at, "lib_duplicate")
    assert sorted(table(at)["Name"]) == ["Beta", "Gamma", "Gamma (copy 2)", "Gamma (copy)"]
    assert library.find("Gamma (copy)").scenario == Scenario.build("rollback")
    assert library.find("Gamma (copy)").note == "n1"

    select(at, "Beta")
    click(at, "lib_delete")  # asks first
    [asked] = [m for m in messages(at, "warning") if "Delete **Beta** for everyone" in m]
    assert "can be restored" in asked
    assert library.find("Beta") is not None
    click(at, "lib_delete_no")
    assert not at.warning and library.find("Beta") is not None
    click(at, "lib_delete")
    click(at, "lib_delete_yes")
    assert messages(at, "success") == [
        "Deleted **Beta**. It can be restored under Recently deleted."]
    assert library.find("Beta") is None
    assert "Beta" not in table(at)["Name"].tolist()
    # every write above names the signed-in visitor
    assert {s.created_by for s in library.all()} == {"tester", USER}
    assert library.find("Gamma").updated_by == USER
    assert [(e.actor, e.action, e.name) for e in library.events()][:4] == [
        (USER, "delete", "Beta"), (USER, "duplicate", "Gamma (copy 2)"),
        (USER, "duplicate", "Gamma (copy)"), (USER, "rename", "Gamma")]


def test_deleted_by_someone_else_is_reported(db):
    library = ScenarioLibrary(db)
    gone = library.save("Gone soon", Scenario(), user="tester")
    library.save("Stays", Scenario(), user="tester")
    at = open_page()
    select(at, "Gone soon")
    library.delete(gone, user="tester")  # another analyst, between two runs
    click(at, "lib_open")
    assert messages(at, "error") == [f"Opening failed: no saved scenario with id {gone}."]
    assert table(at)["Name"].tolist() == ["Stays"]


def test_old_save_with_a_removed_setting_shows_the_problem(db):
    ScenarioLibrary(db)  # creates the schema
    old = {"format": 1, "preset": "leaky_controls",
           "overrides": {"smuggling_interdiction_share": 0.4, "retired_knob": 3}}
    with sqlite3.connect(db) as connection:
        connection.execute("INSERT INTO scenarios (name, note, scenario_json, created_at, "
                           "updated_at) VALUES ('Old one', '', ?, '2024-01-01T00:00:00+00:00',"
                           " '2024-01-01T00:00:00+00:00')", (json.dumps(old),))
    at = open_page()
    assert table(at)["Removed settings"].tolist() == [1]
    select(at, "Old one")
    shown = messages(at, "warning")
    assert len(shown) == 1 and "retired_knob" in shown[0] and "no longer has" in shown[0]
    click(at, "lib_open")
    assert at.session_state["scenario"] == Scenario.build("leaky_controls",
                                                          {"smuggling_interdiction_share": 0.4})
    assert sum("retired_knob" in m for m in messages(at, "warning")) == 2  # flash + details


@pytest.mark.parametrize("payload, expected", [
    (b"not json at all", "Importing failed: not a valid library file (JSONDecodeError)."),
    (b'{"format": "something else", "scenarios": []}',
     "Importing failed: not a Chokepoint library export."),
    (b"\xff\xfe\x00bad", "Importing failed: the file is not UTF-8 text."),
    (b"[" * 100_000, "Importing failed: not a valid library file (RecursionError)."),
    (b" " * (1024 * 1024 + 1), "Importing failed: the file is larger than 1 MB."),
])
def test_bad_import_file_gives_a_message(db, payload, expected):
    at = open_page()
    at.file_uploader(key="lib_import_0").upload("library.json", payload, "application/json")
    at.run()
    click(at, "lib_import_go")
    assert messages(at, "error") == [expected]
    assert ScenarioLibrary(db).all() == []


def test_import_lists_skipped_entries(db):
    ScenarioLibrary(db).save("Kept", Scenario(), user="tester")
    document = {"format": EXPORT_FORMAT, "schema": 2, "scenarios": [
        {"name": "Good", "note": "ok", "scenario": Scenario.build("rollback").to_dict()},
        {"name": "", "scenario": Scenario().to_dict()},
        {"name": "Bad value", "scenario": {"format": 1, "preset": "status_quo",
                                           "overrides": {"smuggling_interdiction_share": 7}}},
        {"name": "kept", "scenario": Scenario().to_dict()},
        {"name": NASTY, "scenario": Scenario().to_dict()},
    ]}
    at = open_page()
    at.file_uploader(key="lib_import_0").upload("mixed.json", json.dumps(document).encode())
    at.run()
    click(at, "lib_import_go")
    assert messages(at, "success") == ["Imported 2 scenarios from **mixed.json**."]
    warning = messages(at, "warning")
    assert len(warning) == 1
    assert "3 entries were not imported" in warning[0]
    assert "entry 2: a name is required" in warning[0]
    assert "entry 3: smuggling_interdiction_share" in warning[0]
    assert "'kept': a scenario with that name exists (kept)" in warning[0]
    assert sorted(table(at)["Name"]) == sorted(["Good", "Kept", NASTY])
    # the uploader is emptied after an import
    assert "lib_import_1" in [u.key for u in at.file_uploader]


@pytest.fixture
def captured_files(monkeypatch):
    """Bytes the app hands to the media file storage (download buttons), by file name."""
    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
        if filename and isinstance(path_or_data, (bytes, str)):
            data = path_or_data.encode() if isinstance(path_or_data, str) else path_or_data
            files[filename] = data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load_and_get_id)
    return files


def test_export_then_import_round_trip_through_the_page(tmp_path, monkeypatch, captured_files,
                                                        team):
    first = tmp_path / "first.sqlite"
    monkeypatch.setenv("CHOKEPOINT_DB", str(first))
    library = ScenarioLibrary(first)
    saved = {
        "Strict": (Scenario.build("strict_enforcement"), "from the brief"),
        "Leaky yearly": (Scenario.build("leaky_controls",
                                        {"smic_wafers_per_month": {2026: 52000}}), ""),
        NASTY: (Scenario.build("rollback", {"packaging_yield": 0.81}), "<script>x</script>"),
    }
    for name, (scenario, note) in saved.items():
        library.save(name, scenario, note, user="tester")
    at = open_page()
    export = [b for b in at.get("download_button") if b.proto.label.endswith("library (JSON)")]
    assert len(export) == 1 and not export[0].proto.disabled
    [(file_name, payload)] = [(k, v) for k, v in captured_files.items()
                              if k.startswith("chokepoint-library-")]
    assert file_name.endswith(".json")
    assert json.loads(payload)["format"] == EXPORT_FORMAT

    second = tmp_path / "second.sqlite"
    monkeypatch.setenv("CHOKEPOINT_DB", str(second))
    at = open_page()
    at.file_uploader(key="lib_import_0").upload(file_name, payload, "application/json")
    at.run()
    click(at, "lib_import_go")
    assert messages(at, "success") == [f"Imported 3 scenarios from **{file_name}**."]
    assert not at.warning
    again = {s.name: (s.scenario, s.note) for s in ScenarioLibrary(second).all()}
    assert again == saved


def test_user_text_is_never_markdown(db):
    library = ScenarioLibrary(db)
    library.save(NASTY, Scenario(), "see [here](http://evil.example) ![t](http://evil/p.png)",
                 user="tester")
    at = open_page()
    select(at, NASTY)
    # every Markdown element that carries the name or note has it escaped
    sources = [e.value for e in (*at.markdown, *at.caption, *at.success, *at.warning)]
    assert not any("[click](http" in s or "![t](http" in s or "<b>" in s for s in sources)
    assert any(plain(s).startswith("see [here](http://evil.example)") for s in sources)
    # bare URLs are broken up too: GitHub-flavoured Markdown would link them despite escapes
    assert not any("://evil" in s for s in sources)
    click(at, "lib_open")
    assert messages(at, "success")[0].startswith(f"Opened **{NASTY}**")
    assert "[click](http" not in at.success[0].value
    # tables carry the text as it is
    assert table(at)["Name"].tolist() == [NASTY]


def test_compare_page_offers_saved_scenarios(db):
    library = ScenarioLibrary(db)
    library.save("Mine A", Scenario.build("rollback", {"smuggling_interdiction_share": 0.5}),
                 user="tester")
    library.save("Mine <B>", Scenario.build("leaky_controls"), user="tester")
    at = open_page("pages/compare.py")
    options = at.multiselect(key="compare").options
    assert "Saved: Mine A" in options and "Saved: Mine ‹B›" in options
    at.multiselect(key="compare").set_value(["Saved: Mine A", "Saved: Mine ‹B›"])
    at.run()
    no_exception(at)
    assert at.get("plotly_chart")
    legend = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = {trace.get("name", "") for trace in legend["data"]}
    assert any("Saved: Mine A" in n for n in names), names
    assert not any("<B>" in n for n in names)


def test_compare_selected_switches_to_the_compare_page(db):
    library = ScenarioLibrary(db)
    for name, preset in (("One", "rollback"), ("Two", "leaky_controls"), ("Three", "status_quo")):
        library.save(name, Scenario.build(preset), user="tester")
    at = open_page()
    assert at.button(key="lib_compare_go").disabled
    ids = {s.name: s.id for s in library.all()}
    [picker] = [m for m in at.multiselect if m.label.startswith("Saved scenarios to compare")]
    picker.set_value([ids["Two"], ids["One"]])
    at.run()
    assert not at.button(key="lib_compare_go").disabled
    click(at, "lib_compare_go")
    assert at.title[0].value == "Compare scenarios"
    assert at.multiselect(key="compare").value == ["Saved: Two", "Saved: One"]
    assert at.get("plotly_chart")


def test_library_page_is_in_the_navigation():
    titles = [title for _, title, *_ in shell.PAGES]
    assert titles.index("Saved scenarios") == titles.index("Uncertainty") + 1
    assert titles.index("Saved scenarios") + 1 == titles.index("Assumptions and sources")


def test_library_file_replaced_while_running(db):
    ScenarioLibrary(db).save("Before", Scenario(), user="tester")
    at = open_page()
    assert table(at)["Name"].tolist() == ["Before"]
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)  # deleted (or restored) by an operator
    at.run()
    no_exception(at)
    assert not at.error
    assert any("No saved scenarios yet" in m for m in messages(at, "info"))
    save(at, "After")
    assert not at.error and table(at)["Name"].tolist() == ["After"]


# -- operators' situations ----------------------------------------------------------------------


@pytest.mark.parametrize("page", [PAGE, "pages/compare.py"])
def test_a_library_folder_that_cannot_be_created_leaves_the_pages_working(tmp_path,
                                                                            monkeypatch, page):
    (tmp_path / "a-file").write_text("x")
    monkeypatch.setenv("CHOKEPOINT_DB", str(tmp_path / "a-file" / "var" / "lib.sqlite"))
    at = open_page(page)  # no exception
    if page == PAGE:
        [shown] = messages(at, "error")
        assert shown.startswith("The saved-scenario library cannot be read: the library's "
                                "folder cannot be created")
        assert str(tmp_path) not in shown
    else:
        assert not at.error and at.get("plotly_chart")
        assert not any(o.startswith("Saved: ") for o in at.multiselect(key="compare").options)


def test_a_read_only_library_is_listed_and_saving_says_why_not(db, monkeypatch):
    ScenarioLibrary(db).save("Kept", Scenario.build("rollback"), user="tester")
    monkeypatch.setattr(store, "_can_write", lambda _path: False)
    at = open_page()
    assert table(at)["Name"].tolist() == ["Kept"]
    assert any("read-only on this server" in m for m in messages(at, "info"))
    save(at, "New")
    assert messages(at, "error") == [f"Saving failed: {store.READ_ONLY}."]
    click(at, "lib_open")
    assert at.session_state["scenario"] == Scenario.build("rollback")
    assert "Saved: Kept" in open_page("pages/compare.py").multiselect(key="compare").options


def test_a_foreign_file_is_refused_on_the_page_and_left_untouched(db):
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    before = db.read_bytes()
    at = open_page()
    assert messages(at, "error") == [f"The saved-scenario library cannot be read: "
                                     f"{store.FOREIGN}."]
    assert db.read_bytes() == before


def test_an_unreadable_row_is_hidden_with_a_warning(db):
    ScenarioLibrary(db).save("Good", Scenario(), user="tester")
    with sqlite3.connect(db) as connection:
        connection.execute("INSERT INTO scenarios (name, note, scenario_json, created_at, "
                           "updated_at) VALUES ('Bad', 'secret note', '{oops', 'x', 'x')")
    at = open_page()
    assert table(at)["Name"].tolist() == ["Good"]
    assert messages(at, "warning") == [hidden_text(1) + "."]
    assert not any("oops" in m or "secret" in m for m in messages(at, "warning"))


def test_formula_like_names_and_notes_are_neutralized_in_the_table(db):
    formula = '=HYPERLINK("http://evil.example","click")'
    ScenarioLibrary(db).save(formula, Scenario(), note="@SUM(1)", user="tester")
    ScenarioLibrary(db).save("Plain -5", Scenario(), note="-5", user="tester")
    at = open_page()  # the table's toolbar downloads exactly these cells as CSV
    shown = table(at)
    assert shown["Name"].tolist() == ["'" + formula, "Plain -5"]
    assert shown["Note"].tolist() == ["'@SUM(1)", "-5"]
    [box] = [b for b in at.selectbox if b.label == "Saved scenario"]
    assert formula in box.options  # the name itself is unchanged everywhere else
