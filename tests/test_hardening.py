"""Deployment hardening: damaged data stops the app at start-up (naming file, row and column),
sessions are isolated and cached results are never mutated, no unsafe HTML, and the server
configuration in .streamlit/config.toml."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

import app_ui  # noqa: E402
from lib import backcast, chips, data, model, params, runs, uncertainty  # noqa: E402
from lib import dashboard_data as dd  # noqa: E402

LIB_MODULES = (data, params, chips, model, dd, runs, uncertainty, backcast)


def make_app(page: str = app_ui.PAGES[0][0]) -> AppTest:
    return AppTest.from_string(f"import app_ui\napp_ui.main({page!r})", default_timeout=60)


def plain(text: str) -> str:
    """Markdown source with its backslash escapes removed (what the visitor reads)."""
    return re.sub(r"\\(.)", r"\1", text)


def clear_all_caches() -> None:
    """Every loader and result cache, so no damaged or test data leaks into other tests."""
    st.cache_data.clear()
    st.cache_resource.clear()
    for module in LIB_MODULES:
        for value in vars(module).values():
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", "").startswith("lib."):
                clear()


# ---------------------------------------------------------------------------------------------
# Start-up data validation


@pytest.fixture
def damaged_data(tmp_path, monkeypatch):
    """A copy of data/ that the app reads instead (CHOKEPOINT_DATA_DIR); caches cleared
    before and after so neither the damage nor the good data leaks between tests."""
    target = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, target)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(target))
    clear_all_caches()
    yield target
    monkeypatch.delenv(data.DATA_DIR_ENV)
    clear_all_caches()


def damage(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


DAMAGE = [  # file, old text, new text, what the message must say
    pytest.param("chips.csv", "die_area_mm2,", "die_area,",
                 ["chips.csv", "row 1 (header)", "missing column(s) die_area_mm2"],
                 id="missing-column"),
    pytest.param("chips.csv", ",989.4,", ",98x.4,",
                 ["chips.csv", "row 4", "column 'bf16_dense_tflops'", "98x.4"],
                 id="bad-number"),
    pytest.param("rules.csv", "2023-10-17", "2023-13-17",
                 ["rules.csv", "row ", "column 'effective_date'"], id="bad-date"),
    pytest.param("events.csv", "2022-10-07,Oct 2022 chip rule,rule", "2022-10-07,,rule",
                 ["events.csv", "row ", "column 'label': empty"], id="empty-cell"),
    pytest.param("parameters.yaml", "  kind: yearly\n", "  kind: monthly\n",
                 ["parameters.yaml", "kind must be one of"], id="bad-parameter"),
]


@pytest.mark.parametrize("name, old, new, expected", DAMAGE)
def test_damaged_data_stops_the_app_naming_file_row_and_column(damaged_data, name, old, new,
                                                                expected):
    damage(damaged_data / name, old, new)
    at = make_app()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1, [e.value for e in at.error]
    message = plain(at.error[0].value)
    assert "a data file is damaged" in message
    for part in expected:
        assert part in message, (part, message)
    # nothing else drawn: no navigation, no sidebar, no page title or chart
    assert not at.sidebar.selectbox and not at.sidebar.slider
    assert not at.title and not at.get("plotly_chart") and not at.slider
    assert "scenario" not in at.session_state


def test_data_folder_override_reads_the_copy(damaged_data):
    """Sanity check of the fixture: an undamaged copy starts normally, from the copy."""
    assert data.data_folder() == damaged_data
    at = make_app()
    at.run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Race overview"


def test_caches_hold_no_damaged_data_after_a_failed_start(damaged_data):
    damage(damaged_data / "chips.csv", ",989.4,", ",98x.4,")
    at = make_app()
    at.run()
    assert at.error
    # the failed check is not cached, and no loader cached anything from the damaged copy
    assert data.table.cache_info().currsize == 0
    assert params.registry.cache_info().currsize == 0
    damage(damaged_data / "chips.csv", ",98x.4,", ",989.4,")  # repaired: the next run starts
    at.run()
    assert not at.error and at.title[0].value == "Race overview"
