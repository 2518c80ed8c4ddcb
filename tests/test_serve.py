"""scripts/serve.py sets a private Streamlit flag, PagesManager.uses_pages_directory = False,
before the server starts: Streamlit 1.67 has no supported switch that keeps the first session
after a restart from treating pages/ (next to app.py) as a legacy multipage app, which answers a
deep link (/supply) with a "Page not found" dialog. These tests fail the day a Streamlit upgrade
renames or removes that flag or changes what it means; then re-check the work-around (and
tests/browser: test_deep_link_works_for_the_first_visitor) and fix or drop it."""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path

from streamlit.commands import navigation as navigation_command
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner

ROOT = Path(__file__).resolve().parents[1]
CHANGED = ("Streamlit changed PagesManager.uses_pages_directory (streamlit/runtime/"
           "pages_manager.py), which scripts/serve.py sets so that deep links work for the first "
           "visitor after a restart: check that work-around against this Streamlit version. ")


def serve_module():
    spec = importlib.util.spec_from_file_location("serve", ROOT / "scripts" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # only definitions: the server starts under __main__
    return module


def test_the_flag_is_still_a_class_attribute_of_pages_manager():
    assert "uses_pages_directory" in vars(PagesManager), CHANGED + "It is gone or renamed."


def test_a_new_session_keeps_the_flag_serve_sets(monkeypatch):
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)  # a fresh server process
    PagesManager(str(ROOT / "app.py"))
    assert PagesManager.uses_pages_directory is True, CHANGED + (
        "A session no longer switches to legacy mode because of pages/ next to app.py; the "
        "work-around may be unnecessary now.")
    serve_module().use_navigation_mode()
    PagesManager(str(ROOT / "app.py"))  # what each new browser session creates
    assert PagesManager.uses_pages_directory is False, CHANGED + (
        "A new session overrides the flag serve.py set.")


def test_the_script_runner_still_picks_legacy_pages_by_the_flag():
    source = inspect.getsource(script_runner.ScriptRunner._run_script)
    assert re.search(r"if PagesManager\.uses_pages_directory:\s+_mpa_v1\(", source), CHANGED + (
        "ScriptRunner._run_script no longer chooses the legacy pages/ run (_mpa_v1) by it.")


def test_st_navigation_still_sets_the_same_value():
    """serve.py only does early what st.navigation does (documented: once any session calls
    it, the app ignores pages/ in all sessions)."""
    source = inspect.getsource(navigation_command.navigation)
    assert "PagesManager.uses_pages_directory = False" in source, CHANGED + (
        "st.navigation no longer sets it to False.")
