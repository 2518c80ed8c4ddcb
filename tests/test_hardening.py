"""Deployment hardening: damaged data stops the app at start-up (naming file, row and column),
sessions are isolated and cached results are never mutated, no unsafe HTML, and the server
configuration in .streamlit/config.toml."""

from __future__ import annotations

import hashlib
import shutil
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib.app import shell
from lib.core import chips, data, registry, runs, scenario
from lib.core.scenario import Scenario
from tests.helpers import ROOT, make_app, plain, signature


def clear_all_caches() -> None:
    """Every loader and result cache, so no damaged or test data leaks into other tests."""
    st.cache_data.clear()
    st.cache_resource.clear()
    for name, module in list(sys.modules.items()):
        if not name.startswith("lib."):
            continue
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
    at = make_app(run=True)
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
    at = make_app(run=True)
    assert not at.error
    assert at.title[0].value == "Race overview"


def test_caches_hold_no_damaged_data_after_a_failed_start(damaged_data):
    damage(damaged_data / "chips.csv", ",989.4,", ",98x.4,")
    at = make_app()
    at.run()
    assert at.error
    # the failed check is not cached, and no loader cached anything from the damaged copy
    assert data.table.cache_info().currsize == 0
    assert registry.registry.cache_info().currsize == 0
    damage(damaged_data / "chips.csv", ",98x.4,", ",989.4,")  # repaired: the next run starts
    at.run()
    assert not at.error and at.title[0].value == "Race overview"


# ---------------------------------------------------------------------------------------------
# Session isolation and cached results


def sidebar_key(at: AppTest, name: str) -> str:
    return f"{name}_{at.session_state['gen']}"


def test_two_sessions_keep_their_own_scenarios():
    a, b = make_app(), make_app()
    a.run()
    b.run()
    untouched = b.session_state["scenario"]
    untouched_charts = signature(b)
    assert untouched == Scenario()

    a.sidebar.slider(key=sidebar_key(a, "p_smuggling_interdiction_share")).set_value(0.6)
    a.run()
    assert a.session_state["scenario"].values()["smuggling_interdiction_share"] == 0.6
    assert signature(a) != untouched_charts
    b.run()
    assert b.session_state["scenario"] == untouched and signature(b) == untouched_charts

    a.sidebar.selectbox(key=sidebar_key(a, "preset")).set_value("rollback")
    a.run()
    assert a.session_state["scenario"] == Scenario.build("rollback")
    b.run()
    assert b.session_state["scenario"] == untouched and signature(b) == untouched_charts

    uploaded = Scenario.build("leaky_controls", {"packaging_yield": 0.81})
    a.sidebar.file_uploader(key="upload_0").upload("mine.json", uploaded.to_json().encode(),
                                                   "application/json")
    a.run()
    assert a.session_state["scenario"] == uploaded
    b.run()
    assert b.session_state["scenario"] == untouched and signature(b) == untouched_charts
    assert "upload_problems" not in b.session_state and "pending_upload" not in b.session_state

    # equal inputs give equal (cached) output: b chooses a's scenario and draws a's charts
    b.sidebar.file_uploader(key="upload_0").upload("same.json", uploaded.to_json().encode(),
                                                   "application/json")
    b.run()
    assert b.session_state["scenario"] == uploaded and signature(b) == signature(a)


def frame_digest(frame: pd.DataFrame) -> str:
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame.astype(str), index=True)
                            .values.tobytes())
    digest.update(repr(list(frame.columns)).encode())
    return digest.hexdigest()


def result_digest(result: runs.Result) -> str:
    digest = hashlib.sha256()
    for name, array in sorted({**result.series, **result.flows,
                               "training": result.flow_h100e}.items()):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def cached_state() -> dict[str, str]:
    """Digests of what the process-wide caches hand to pages."""
    state = {name: frame_digest(data.table(name)) for name in data.SCHEMAS}
    state["chip_table"] = frame_digest(chips.chip_table())
    state["licensed_candidates"] = frame_digest(chips.licensed_candidates())
    for preset in scenario.presets():
        state[f"run:{preset}"] = result_digest(runs.run(Scenario.build(preset)))
    return state


def test_cached_results_are_read_only():
    result = runs.run(Scenario.build("leaky_controls"))
    arrays = [*result.series.values(), *result.flows.values(), result.flow_h100e]
    assert arrays and all(not array.flags.writeable for array in arrays)
    with pytest.raises(ValueError, match="read-only"):
        result.series["china_total"][0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        result.flows["stock_h100e"][0, 0] = 0.0
    assert runs.run(Scenario.build("leaky_controls")) is result  # shared, so it must be frozen


def test_pages_do_not_mutate_cached_data():
    before = cached_state()
    for page, *_ in shell.PAGES:
        make_app(page, {"preset": "leaky_controls"}, run=True)
    after = cached_state()
    assert after == before, [key for key in before if before[key] != after[key]]


# ---------------------------------------------------------------------------------------------
# No unsafe HTML


PAGE_SOURCES = [ROOT / "app.py", *sorted((ROOT / "lib" / "app").glob("*.py")),
                *sorted((ROOT / "pages").glob("*.py"))]


def html_uses(path: Path) -> list[tuple[int, str, bool]]:
    """(line, call, constant) for every st.html(...) / components html call and every call with
    unsafe_allow_html set; `constant` says whether the HTML is a plain string literal."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    uses = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else \
            getattr(node.func, "id", "")
        unsafe = [k for k in node.keywords if k.arg == "unsafe_allow_html"]
        risky = name == "html" or any(
            not (isinstance(k.value, ast.Constant) and k.value.value is False) for k in unsafe)
        if risky:
            literal = bool(node.args) and isinstance(node.args[0], ast.Constant) and \
                isinstance(node.args[0].value, str)
            uses.append((node.lineno, name, literal))
    return uses


def test_html_is_only_ever_a_constant_string():
    """User text (names, notes, file names, share links) must never reach raw HTML: any
    unsafe_allow_html=True or st.html call must take a string literal, nothing built."""
    assert len(PAGE_SOURCES) > 5
    offenders = [(path.name, line, call) for path in PAGE_SOURCES
                 for line, call, literal in html_uses(path) if not literal]
    assert not offenders


def test_html_scan_catches_built_html(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('import streamlit as st\nname = "x"\n'
                   'st.markdown(f"<b>{name}</b>", unsafe_allow_html=True)\n'
                   'st.html("<p>" + name)\nst.markdown("ok", unsafe_allow_html=False)\n'
                   'st.caption("<i>fixed</i>", unsafe_allow_html=True)\n')
    assert html_uses(bad) == [(3, "markdown", False), (4, "html", False), (6, "caption", True)]


@pytest.mark.parametrize("path", ["pages/library.py", "pages/audit.py", "lib/app/access.py",
                                  "lib/app/library_page.py", "lib/app/library_parts.py",
                                  "lib/app/audit_log.py"])
def test_library_pages_use_no_html_at_all(path):
    """Names, notes and user names: the pages that show them use no HTML anywhere."""
    assert html_uses(ROOT / path) == []
    assert "unsafe_allow_html" not in (ROOT / path).read_text()


# ---------------------------------------------------------------------------------------------
# Server configuration


def test_streamlit_config_hardening():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] == 1
    assert config["server"]["headless"] is True
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] == "none"
    from streamlit.config import ShowErrorDetailsConfigOptions

    assert config["client"]["showErrorDetails"] in {o.value for o in
                                                    ShowErrorDetailsConfigOptions}
    # XSRF tokens do not guard the WebSocket; CORS on limits cross-origin connections
    assert config["server"]["enableCORS"] is True


def test_streamlit_reads_the_config():
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", "from streamlit import config; config.get_config_options();"
         "print([config.get_option(k) for k in ('server.enableXsrfProtection', "
         "'server.maxUploadSize', 'browser.gatherUsageStats', 'client.showErrorDetails')])"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[True, 1, False, 'none']"
