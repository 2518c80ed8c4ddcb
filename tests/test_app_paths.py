"""The path editor of a yearly parameter, driven in AppTest: the sidebar's "Edit path" opens it;
a year typed in, "from year X set Y", "from year X grow Z %/yr" and "Reset to preset" change
the scenario and the share link; out-of-range input gets a message and changes nothing; the
dialog and the sidebar group stay open after every edit."""

from __future__ import annotations

import pytest

from lib.app import path_editor, sidebar
from lib.core.calendar import YEARS
from lib.core.scenario import Scenario
from tests.helpers import make_app, no_exception

KEY = "smic_wafers_per_month"  # assumptions group "smic", closed unless opened
GROUP = "group_smic"
PRESET = Scenario().values()[KEY]  # status quo: 10k, 20k x4, 50k, 100k from 2028 [wafers/month]


def open_editor(key: str = KEY, group: str = GROUP):
    at = make_app()
    at.session_state[group] = True  # as the expander's change callback records it
    at.run()
    no_exception(at)
    at.sidebar.button(key=f"edit_{key}").click().run()
    no_exception(at)
    return at


def from_year(at, action: str, year: int, value: float, key: str = KEY):
    """Submit the editor's "from year X set Y" (action "set") or "grow Z %/yr" ("grow") form."""
    gen = at.session_state["gen"]
    at.selectbox(key=f"path_{action}_year_{key}_{gen}").set_value(year)
    at.number_input(key=f"path_{action}_value_{key}_{gen}").set_value(value)
    at.button(key=f"FormSubmitter:path_{action}_{key}_{gen}-{action.title()}").click().run()
    no_exception(at)
    return at


def year_input(at, year: int, key: str = KEY):
    return at.number_input(key=path_editor.year_key(key, year, at.session_state["gen"]))


def path(at, key: str = KEY) -> tuple:
    return at.session_state["scenario"].values()[key]


def still_open(at, key: str = KEY, group: str = GROUP) -> bool:
    """The editor is drawn, and so is the expanded group holding the parameter's control."""
    editor = path_editor.year_key(key, YEARS[0], at.session_state["gen"])
    editor_drawn = any(n.key == editor for n in at.number_input)
    group_drawn = any(e.proto.expanded and any(b.key == f"edit_{key}" for b in e.button)
                      for e in at.sidebar.expander)
    return editor_drawn and group_drawn and at.session_state[group]


def test_edit_path_opens_the_editor_with_every_year():
    at = open_editor()
    assert [year_input(at, year).value for year in YEARS] == list(PRESET)
    assert [year_input(at, year).label for year in YEARS] == [str(y) for y in YEARS]
    assert any("wafers/month" in c.value and "Source:" in c.value for c in at.caption)


def test_a_year_typed_in_changes_the_scenario_and_the_link():
    at = open_editor()
    year_input(at, 2027).set_value(65000).run()
    no_exception(at)
    assert path(at)[2027 - YEARS[0]] == 65000
    assert path(at)[:5] + path(at)[6:] == PRESET[:5] + PRESET[6:]  # no other year moved
    assert at.query_params[KEY] == "2027:65000"
    marked = [e.label for e in at.sidebar.expander if e.label.startswith(sidebar.MARK)]
    assert marked == [f"{sidebar.MARK}SMIC 7 nm production (1 changed)"]
    assert still_open(at)
    assert year_input(at, 2027).value == 65000


def test_from_year_set_changes_every_year_from_there():
    at = open_editor()
    from_year(at, "set", 2030, 200000)
    assert path(at) == PRESET[:8] + (200000.0,) * 6
    assert at.query_params[KEY] == ",".join(f"{y}:200000" for y in range(2030, 2036))
    assert [year_input(at, y).value for y in YEARS] == list(path(at))  # inputs follow
    assert any("From 2030 on" in s.value for s in at.success)
    assert still_open(at)


def test_from_year_grow_compounds_from_the_year_before():
    at = open_editor()
    from_year(at, "grow", 2032, 10.0)
    # 2031 holds the preset's 100,000; then +10%/yr: 110,000, 121,000, 133,100, 146,410
    assert path(at) == PRESET[:10] + (110000.0, 121000.0, 133100.0, 146410.0)
    assert at.query_params[KEY] == "2032:110000,2033:121000,2034:133100,2035:146410"
    assert still_open(at)


def test_growth_past_the_maximum_is_clipped_and_said():
    at = open_editor()
    from_year(at, "grow", 2029, 200.0)
    # x3 a year from 100,000: 300,000 in 2029, then 900,000 and beyond, clipped at 600,000
    assert path(at)[6:] == (100000.0, 300000.0) + (600000.0,) * 6  # 2028..2035
    assert any("maximum, 600,000 wafers/month, in 2030-2035" in w.value for w in at.warning)


@pytest.mark.parametrize(("typed", "shown"), [(-5.0, "-5"), (9e9, "9,000,000,000")])
def test_out_of_range_input_gets_a_message_and_changes_nothing(typed, shown):
    at = open_editor()
    year_input(at, 2028).set_value(typed).run()
    no_exception(at)
    assert [e.value for e in at.error] == [
        f"2028: {shown} is outside the allowed range 0 to 600,000 wafers/month. Nothing "
        "changed."]
    assert path(at) == PRESET and at.session_state["scenario"] == Scenario()
    assert KEY not in at.query_params
    assert year_input(at, 2028).value == PRESET[2028 - YEARS[0]]  # the input went back
    assert still_open(at)


def test_reset_to_preset_and_done():
    at = open_editor()
    year_input(at, 2024).set_value(30000).run()
    assert KEY in at.query_params
    at.button(key=f"path_reset_{KEY}_{at.session_state['gen']}").click().run()
    no_exception(at)
    assert path(at) == PRESET and KEY not in at.query_params
    assert still_open(at)
    at.button(key=f"path_done_{KEY}").click().run()
    no_exception(at)
    assert not any(n.key.startswith("path_") for n in at.number_input)  # closed
    assert at.session_state[GROUP]  # the group it was opened from stays open


def test_a_policy_path_edit_keeps_its_group_open():
    """Beijing's rules is open by default; its label changes with the edit (marker and
    count), which makes Streamlit draw a new expander: it must still be open."""
    at = open_editor("beijing_admission_share", "group_beijing")
    year_input(at, 2030, "beijing_admission_share").set_value(0.5).run()
    no_exception(at)
    assert at.query_params["beijing_admission_share"] == "2030:0.5"
    assert still_open(at, "beijing_admission_share", "group_beijing")


def test_a_path_breaking_a_declared_constraint_is_said_in_the_editor():
    """H200 and B200 shares of smuggled chips add up to at most 1: a path that breaks it is
    kept in the editor with a warning, and the scenario keeps the preset's values."""
    key = "smuggled_share_h200"
    at = open_editor(key, "group_smuggling_flow")
    from_year(at, "set", 2027, 0.8, key)
    assert any("add up to more than 1 in 2027 (1.30)" in w.value
               and "keeps the preset's values" in w.value for w in at.warning)
    assert at.session_state["scenario"] == Scenario() and key not in at.query_params
    assert year_input(at, 2027, key).value == 0.8
