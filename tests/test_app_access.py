"""The deployment's two modes and sign-in (AppTest through the whole app): a public
deployment's library refuses every write, whether its control is drawn or its callback is
called directly; a team deployment shows nothing of the library before sign-in, signs in
against the accounts file (wrong passwords throttled) or an OIDC provider, and names the
signed-in visitor in every write; deleted scenarios come back with Restore; the audit log
lists the writes; caps and over-long pasted text get messages and keep what was typed."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.app import access, audit_log, shell
from lib.core.scenario import Scenario
from lib.store import library as store
from lib.store.library import EXPORT_FORMAT, ScenarioLibrary
from tests import helpers
from tests.conftest import TEAM_USERS
from tests.helpers import no_exception, plain

LIBRARY, AUDIT, COMPARE = "pages/library.py", "pages/audit.py", "pages/compare.py"
WRITE_KEYS = ("lib_name", "lib_note", "lib_overwrite", "lib_duplicate", "lib_delete",
              "lib_new_name", "lib_rename", "lib_restore", "lib_import_go",
              "lib_import_overwrite", "lib_import_0")
SECRET = "Merger plan for the board"  # a saved name nobody signed out may read


@pytest.fixture(autouse=True)
def fresh_name_throttle(monkeypatch):
    """Failed sign-ins per user name are kept per process: each test starts with none."""
    monkeypatch.setattr(access, "_name_failures", {})


@pytest.fixture
def saved(tmp_path, monkeypatch) -> ScenarioLibrary:
    """A library with two scenarios and one deleted (curated by the operator)."""
    monkeypatch.setenv("CHOKEPOINT_DB", str(tmp_path / "scenarios.sqlite"))
    library = ScenarioLibrary()
    library.save(SECRET, Scenario.build("rollback"), "private note", user="operator")
    library.save("Second", Scenario.build("leaky_controls"), user="operator")
    library.delete(library.save("Gone", Scenario(), user="operator"), user="operator")
    return library


def snapshot(library: ScenarioLibrary) -> tuple:
    return ([(s.id, s.name, s.note, s.updated_at) for s in library.all()],
            [s.id for s in library.deleted()], [e.id for e in library.events()])


def text_of(at: AppTest) -> str:
    """Everything the run wrote as text (Markdown, messages, captions, tables, options)."""
    parts = [plain(e.value) for kind in ("markdown", "caption", "info", "warning", "error",
                                         "success", "title") for e in getattr(at, kind)]
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [str(o) for box in (*at.selectbox, *at.multiselect) for o in box.options]
    return "\n".join(parts)


def keys(at: AppTest) -> set[str]:
    widgets = (*at.text_input, *at.text_area, *at.checkbox, *at.button, *at.selectbox,
               *at.file_uploader)
    return {w.key for w in widgets if w.key}


def messages(at: AppTest, kind: str) -> list[str]:
    return [plain(e.value) for e in getattr(at, kind)]


# A script that calls one library action directly, as a hand-made WebSocket message could
# make its button's callback run even though the page never drew the button.
CALL = """
import streamlit as st
from lib.app import library_page as actions
from lib.core.scenario import Scenario

class Upload:  # what st.file_uploader hands the import action
    name, size = "lib.json", len(st.session_state.get("payload", b""))
    def getvalue(self):
        return st.session_state["payload"]

st.session_state.setdefault("scenario", Scenario.build("rollback"))
st.session_state["lib_import_0"] = Upload()
getattr(actions, st.session_state["call"])(*st.session_state.get("args", ()))
"""


def call(action: str, *args, user: str | None = None, **state) -> AppTest:
    at = AppTest.from_string(CALL, default_timeout=30)
    at.session_state["call"], at.session_state["args"] = action, args
    for key, value in state.items():
        at.session_state[key] = value
    if user:
        at.session_state[access.USER] = user
    at.run()
    no_exception(at)
    return at


def every_write(library: ScenarioLibrary) -> list[tuple[str, str, tuple, dict]]:
    """Each write action with what it needs: (callback, its verb, args, session state)."""
    first = library.find(SECRET).id
    [gone] = [s.id for s in library.deleted()]
    payload = json.dumps({"format": EXPORT_FORMAT, "scenarios": [
        {"name": "Imported", "scenario": Scenario().to_dict()}]}).encode()
    return [("save", "Saving", (), {"lib_name": "New one", "lib_note": "n"}),
            ("rename", "Renaming", (first,), {"lib_new_name": "Renamed"}),
            ("duplicate", "Duplicating", (first,), {}), ("delete", "Deleting", (first,), {}),
            ("restore", "Restoring", (gone,), {}),
            ("import_library", "Importing", (), {"payload": payload})]


def refusals(at: AppTest) -> list[str]:
    return [plain(text) for area in at.session_state[
        "library_flash"].values() for kind, text in area if kind == "error"]


# -- the mode --------------------------------------------------------------------------------


def test_public_is_the_default_mode_and_an_unknown_mode_stops_the_app(monkeypatch):
    assert access.mode() == access.PUBLIC
    monkeypatch.setenv("CHOKEPOINT_MODE", "Team ")
    assert access.mode() == access.TEAM
    monkeypatch.setenv("CHOKEPOINT_MODE", "private")
    at = helpers.make_app(LIBRARY, run=True)
    assert messages(at, "error") == [
        "Chokepoint cannot start: CHOKEPOINT_MODE is 'private'; it must be 'public' (the "
        "default: a read-only library) or 'team' (sign-in, a shared library)."]
    assert not at.title and not at.sidebar.button


def test_the_server_refuses_to_start_with_an_unknown_mode():
    done = subprocess.run([sys.executable, str(helpers.ROOT / "scripts/serve.py")],
                          capture_output=True, text=True, timeout=120, cwd=helpers.ROOT,
                          env=os.environ | {"CHOKEPOINT_MODE": "open"})
    assert done.returncode == 2
    assert done.stderr == ("serve.py: CHOKEPOINT_MODE is 'open'; it must be 'public' (the "
                           "default: a read-only library) or 'team' (sign-in, a shared "
                           "library)\n")


def test_the_audit_page_is_in_a_team_deployment_only():
    public, team = ([title for _, title, *_ in shell.pages_for(m)] for m in access.MODES)
    assert "Audit log" not in public and public == [title for _, title, *_ in shell.PAGES]
    assert team.index("Audit log") == team.index("Saved scenarios") + 1


# -- public ----------------------------------------------------------------------------------


def test_public_library_is_listed_opened_and_exported_but_never_written(saved):
    before = snapshot(saved)
    at = helpers.make_app(LIBRARY, run=True)
    assert access.READ_ONLY in messages(at, "info")
    assert not keys(at) & set(WRITE_KEYS)
    assert "Save" not in [b.label for b in at.button] and "Recently deleted" not in text_of(at)
    assert "Import" not in [b.label for b in at.button]
    assert SECRET in text_of(at)  # public: the curated library is for everyone to read
    assert "by operator" not in text_of(at)  # but not who on the team saved it
    assert [b.label for b in at.get("download_button")
            if b.proto.label.endswith("library (JSON)")]
    at.button(key="lib_open").click().run()
    no_exception(at)
    assert at.session_state["scenario"] == Scenario.build("rollback")
    assert snapshot(saved) == before


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_write_callback_is_refused_in_public_mode(saved, signed_in):
    """Even a session holding a user name (as a team deployment would leave it) is refused:
    public mode ignores sign-in."""
    before = snapshot(saved)
    for action, verb, args, state in every_write(saved):
        at = call(action, *args, user="ana" if signed_in else None, **state)
        assert refusals(at) == [f"{verb} refused: this is a public deployment, where the "
                                "library is read-only."], action
        assert snapshot(saved) == before, action


def test_a_scenario_uploaded_in_public_mode_stays_in_the_session(saved):
    before = snapshot(saved)
    at = helpers.make_app(LIBRARY, run=True)
    wanted = Scenario.build("strict_enforcement", {"smuggling_interdiction_share": 0.55})
    at.sidebar.file_uploader[0].upload("mine.json", wanted.to_json().encode(),
                                       "application/json")
    at.run()
    no_exception(at)
    assert at.session_state["scenario"] == wanted
    assert snapshot(saved) == before
    fresh = helpers.make_app(LIBRARY, run=True)  # another visitor: nothing of it
    assert fresh.session_state["scenario"] == Scenario()


def test_public_audit_page_says_it_is_for_team_deployments(saved):
    at = helpers.make_app(AUDIT, run=True)  # not in the navigation: the first page opens
    assert at.title[0].value == shell.PAGES[0][1]
    at = AppTest.from_file(str(helpers.ROOT / AUDIT), default_timeout=30).run()  # the script
    assert not at.dataframe and "team deployments only" in text_of(at)


# -- team, not signed in ---------------------------------------------------------------------


@pytest.mark.parametrize("page", [LIBRARY, AUDIT, COMPARE])
def test_team_pages_show_nothing_of_the_library_before_sign_in(saved, team, page):
    at = helpers.make_app(page, run=True)
    shown = text_of(at)
    assert SECRET not in shown and "private note" not in shown and "Saved: " not in shown
    assert not keys(at) & set(WRITE_KEYS)
    assert "Not signed in" in plain(at.sidebar.caption[0].value)
    if page != COMPARE:
        assert at.text_input(key="signin_name") and at.text_input(key="signin_password")


def test_every_write_callback_is_refused_before_sign_in(saved, team):
    before = snapshot(saved)
    for action, verb, args, state in every_write(saved):
        at = call(action, *args, **state)
        assert refusals(at) == [f"{verb} refused: sign in to change the team's library."]
        assert snapshot(saved) == before
    at = call("open_saved", saved.find(SECRET).id)
    assert refusals(at) == ["Opening refused: sign in to open the team's saved scenarios."]


def test_no_accounts_tells_the_operator_how_to_add_one(saved, monkeypatch, tmp_path):
    monkeypatch.setenv("CHOKEPOINT_MODE", "team")
    at = helpers.make_app(LIBRARY, run=True)
    assert any("python -m lib users add NAME" in m for m in messages(at, "warning"))
    assert not at.text_input


# -- signing in ------------------------------------------------------------------------------


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="signin_name").set_value(name)
    at.text_input(key="signin_password").set_value(password)
    [button] = [b for b in at.button if b.label == "Sign in"]
    button.click().run()
    no_exception(at)
    return at


def test_sign_in_with_a_wrong_then_the_right_password_then_sign_out(saved, team):
    at = helpers.make_app(LIBRARY, run=True)
    sign_in(at, "ana", "not the password")
    assert messages(at, "error") == ["Wrong user name or password."]
    assert SECRET not in text_of(at)
    assert at.text_input(key="signin_password").value == ""  # never kept
    sign_in(at, "nobody", TEAM_USERS["ana"])
    assert messages(at, "error") == ["Wrong user name or password."]  # same for unknown names
    sign_in(at, "ANA", TEAM_USERS["ana"])
    assert not at.error and SECRET in text_of(at)
    assert at.sidebar.markdown[0].value == "Signed in as **ana**"
    assert "lib_name" in keys(at) and "lib_restore" in keys(at)
    at.sidebar.button(key="signout").click().run()
    assert SECRET not in text_of(at) and at.text_input(key="signin_name")


def test_repeated_failures_lock_the_session_out_for_a_growing_time(saved, team, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(access.time, "time", lambda: clock[0])
    at = helpers.make_app(LIBRARY, run=True)
    for _ in range(access.FREE_FAILURES - 1):
        sign_in(at, "ana", "guess")
        assert messages(at, "error") == ["Wrong user name or password."]
    sign_in(at, "ana", "guess")
    assert messages(at, "error") == ["Wrong user name or password. Too many failed sign-ins: "
                                     "try again in 30 s."]
    sign_in(at, "ana", TEAM_USERS["ana"])  # the right password, but too soon
    assert messages(at, "error") == ["Too many failed sign-ins: try again in 30 s."]
    assert SECRET not in text_of(at)
    clock[0] += 31
    sign_in(at, "ana", "guess again")  # the next failure doubles the wait
    assert messages(at, "error")[0].endswith("try again in 60 s.")
    clock[0] += 61
    sign_in(at, "ana", TEAM_USERS["ana"])
    assert not at.error and SECRET in text_of(at)


def test_failures_on_one_user_name_across_sessions_block_it(saved, team, monkeypatch):
    """A new session per guess escapes the session's wait, not the user name's."""
    monkeypatch.setattr(access, "NAME_FAILURES", 3)
    for _ in range(3):
        at = sign_in(helpers.make_app(LIBRARY, run=True), "ben", "guess")
        assert messages(at, "error") == ["Wrong user name or password."]
    at = sign_in(helpers.make_app(LIBRARY, run=True), "BEN", TEAM_USERS["ben"])
    assert messages(at, "error") == ["Too many failed sign-ins for this user name: try again "
                                     "in 15 minutes."]
    assert SECRET not in text_of(at)
    at = sign_in(helpers.make_app(LIBRARY, run=True), "ana", TEAM_USERS["ana"])
    assert not at.error and SECRET in text_of(at)  # other names are not affected


def test_an_account_removed_by_the_operator_is_signed_out(saved, team):
    at = helpers.make_app(LIBRARY, run=True, user="ben")
    assert SECRET in text_of(at)
    team.remove("ben")
    at.run()
    assert SECRET not in text_of(at) and at.text_input(key="signin_name")
    before = snapshot(saved)
    at = call("save", user="ben", lib_name="Sneaky")
    assert refusals(at) == ["Saving refused: sign in to change the team's library."]
    assert snapshot(saved) == before


def test_oidc_provider_replaces_the_password_form(saved, team):
    at = helpers.make_app(LIBRARY)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback",
                          "cookie_secret": "x" * 32, "google": {"client_id": "id"}}
    at.run()
    assert [b.label for b in at.button if b.label.startswith("Sign in")] == [
        "Sign in with Google"]
    assert not at.text_input and SECRET not in text_of(at)
    at.user = {"is_logged_in": True, "email": "kim@example.org", "name": "Kim"}
    at.run()
    no_exception(at)
    assert plain(at.sidebar.markdown[0].value) == "Signed in as **kim@example.org**"
    at.text_input(key="lib_name").set_value("From Kim")
    [b for b in at.button if b.label == "Save"][0].click().run()
    assert saved.find("From Kim").created_by == "kim@example.org"


# -- team, signed in -------------------------------------------------------------------------


def test_every_write_of_a_signed_in_visitor_names_them(saved, team):
    """The same direct calls the modes refuse go through for a signed-in visitor (so those
    refusals are the mode's doing), and each write is logged under the visitor's name."""
    start = saved.events()[0].id
    for action, _verb, args, state in every_write(saved):
        at = call(action, *args, user="ben", **state)
        assert not refusals(at), (action, refusals(at))
    events = [(e.actor, e.action) for e in saved.events() if e.id > start]
    assert events == [("ben", "import"), ("ben", "restore"), ("ben", "delete"),
                      ("ben", "duplicate"), ("ben", "rename"), ("ben", "save")]
    assert saved.find("New one").created_by == saved.find("New one").updated_by == "ben"
    assert saved.find("Gone").updated_by == "ben"  # restored
    assert saved.deleted()[0].name == "Renamed" and saved.deleted()[0].deleted_by == "ben"


def restore_through_the_page(at: AppTest, name: str) -> AppTest:
    [picker] = [b for b in at.selectbox if b.label == "Deleted scenario"]
    assert any(label.startswith(f"{name} (deleted ") for label in picker.options)
    picker.set_value(next(s.id for s in ScenarioLibrary().deleted() if s.name == name)).run()
    at.button(key="lib_restore").click().run()
    no_exception(at)
    return at


def test_delete_then_restore_brings_a_scenario_back(saved, team):
    at = helpers.make_app(LIBRARY, run=True, user="ana")
    [box] = [b for b in at.selectbox if b.label == "Saved scenario"]
    box.set_value(saved.find(SECRET).id).run()
    at.button(key="lib_delete").click().run()
    assert any("can be restored" in m for m in messages(at, "warning"))
    at.button(key="lib_delete_yes").click().run()
    assert saved.find(SECRET) is None
    gone = pd.DataFrame([d.value for d in at.dataframe if "Deleted by" in d.value.columns][0])
    assert gone.set_index("Name").loc[SECRET, "Deleted by"] == "ana"
    restore_through_the_page(at, SECRET)
    assert messages(at, "success") == [f"Restored **{SECRET}**."]
    back = saved.find(SECRET)
    assert back.note == "private note" and back.scenario == Scenario.build("rollback")
    assert (back.created_by, back.updated_by) == ("operator", "ana")
    assert [(e.actor, e.action, e.name) for e in saved.events()[:2]] == [
        ("ana", "restore", SECRET), ("ana", "delete", SECRET)]
    # the panel says who saved and who last changed it
    assert any("by operator" in c and "by ana" in c for c in messages(at, "caption"))


def test_a_restored_scenario_whose_name_was_taken_comes_back_renamed(saved, team):
    saved.save("Gone", Scenario.build("rollback"), user="ben")  # the name, taken meanwhile
    at = helpers.make_app(LIBRARY, run=True, user="ana")
    restore_through_the_page(at, "Gone")
    assert messages(at, "success") == ["Restored **Gone (restored)**: a saved scenario is "
                                       "named **Gone** now, so it came back under a new name."]
    assert {s.name for s in saved.all()} >= {"Gone", "Gone (restored)"}


def test_the_audit_log_lists_every_write_with_filters_and_a_safe_csv(saved, team):
    formula = "=HYPERLINK(\"http://evil.example\")"
    saved.save(formula, Scenario(), user="ben")
    saved.rename(saved.find("Second").id, "Second, renamed", user="ana")
    at = helpers.make_app(AUDIT, run=True, user="ana")
    assert at.title[0].value == "Audit log"
    [frame] = [d.value for d in at.dataframe]
    assert frame["Action"].tolist() == ["renamed", "saved", "deleted", "saved", "saved",
                                        "saved"]
    assert frame["Who"].tolist()[:2] == ["ana", "ben"]
    assert frame["Scenario"].tolist()[:2] == ["Second, renamed", formula]
    assert frame["Detail"].tolist()[0] == "from 'Second'"
    at.multiselect(key="audit_people").set_value(["ben"]).run()
    assert at.dataframe[0].value["Scenario"].tolist() == [formula]
    at.multiselect(key="audit_people").set_value([]).run()
    at.multiselect(key="audit_actions").set_value(["deleted"]).run()
    assert at.dataframe[0].value["Scenario"].tolist() == ["Gone"]
    csv = audit_log.events_csv(audit_log.events_frame(saved.events()))
    assert csv.startswith(b"# Chokepoint audit log")
    read = pd.read_csv(io.BytesIO(csv), comment="#")
    assert read["Scenario"].tolist()[1] == "'" + formula  # neutralized for spreadsheets
    assert list(read.columns) == ["When (UTC)", "Who", "Action", "Scenario", "Detail"]


# -- caps and text over a limit ----------------------------------------------------------------


def save_in_page(at: AppTest, name: str, note: str = "") -> AppTest:
    at.text_input(key="lib_name").set_value(name)
    at.text_area(key="lib_note").set_value(note)
    [b for b in at.button if b.label == "Save"][0].click().run()
    no_exception(at)
    return at


def test_pasted_text_over_a_limit_is_kept_with_a_message(saved, team):
    at = helpers.make_app(LIBRARY, run=True, user="ana")
    for key in ("lib_name", "lib_new_name"):  # no max_chars: a long paste would vanish
        assert not at.text_input(key=key).proto.max_chars
    assert not at.text_area(key="lib_note").proto.max_chars
    save_in_page(at, "Long note", "x" * 2345)
    assert messages(at, "error") == [
        "Saving failed: notes are at most 2,000 characters; this one has 2,345."]
    assert at.text_area(key="lib_note").value == "x" * 2345  # kept, to shorten and retry
    save_in_page(at, "n" * 245, "short")
    assert messages(at, "error") == [
        "Saving failed: names are at most 200 characters; this one has 245."]
    assert at.text_input(key="lib_name").value == "n" * 245
    at.text_input(key="lib_new_name").set_value("r" * 201)
    at.button(key="lib_rename").click().run()
    assert messages(at, "error") == [
        "Renaming failed: names are at most 200 characters; this one has 201."]
    assert at.text_input(key="lib_new_name").value == "r" * 201
    assert saved.find("Long note") is None and len(saved.all()) == 2


def test_caps_on_entries_and_imports_say_so(saved, team, monkeypatch):
    monkeypatch.setattr(store, "MAX_ENTRIES", 3)
    at = helpers.make_app(LIBRARY, run=True, user="ana")
    save_in_page(at, "Third")
    assert not at.error
    save_in_page(at, "Fourth")
    assert messages(at, "error") == ["Saving failed: the library holds at most 3 saved "
                                     "scenarios and has 3; delete some first."]
    assert at.text_input(key="lib_name").value == "Fourth"
    payload = json.dumps({"format": EXPORT_FORMAT, "scenarios": [
        {"name": f"Bulk {i}", "scenario": Scenario().to_dict()} for i in range(4)]}).encode()
    at.file_uploader(key="lib_import_0").upload("bulk.json", payload, "application/json")
    at.run()
    at.button(key="lib_import_go").click().run()
    assert messages(at, "error") == ["Importing failed: the file has 4 scenarios; the library "
                                     "holds at most 3."]
    assert len(saved.all()) == 3


def test_an_over_long_search_is_kept_with_a_message():
    at = helpers.make_app("pages/assumptions.py", run=True)
    assert not at.text_input(key="q").proto.max_chars
    at.text_input(key="q").set_value("smuggling " * 12).run()
    assert messages(at, "warning")[-1] == ("Searches are at most 100 characters; this one has "
                                           "120, so every parameter is listed.")
    assert at.text_input(key="q").value == "smuggling " * 12
