"""The share link under Streamlit's AppTest: it carries each page's view (bound widgets,
declared once in state.VIEW_KEYS) beside the scenario, the scenario follows the link when it
changes after the first run (the browser's Back and Forward), and undo and redo step through
the session's moves."""

from __future__ import annotations

import pytest

from lib.app import shell, state
from lib.app.uncertainty_panels import metric_label
from lib.core.registry import registry
from lib.core.scenario import Scenario, presets
from lib.report import uncertainty
from tests.helpers import make_app, no_exception

INTERDICTION = "p_smuggling_interdiction_share_{}"


def _query(at) -> dict[str, str]:
    return {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}


def _bound_keys(node) -> set[str]:
    """The link parameter names of every widget bound to the link in a run's element tree."""
    keys = set()
    proto = getattr(node, "proto", None)
    key = getattr(proto, "query_param_key", "") if proto is not None else ""
    if key:
        keys.add(key)
    for child in getattr(node, "children", {}).values():
        keys |= _bound_keys(child)
    return keys


@pytest.mark.parametrize("page", [path for path, *_ in shell.PAGES])
def test_every_bound_widget_is_a_declared_view_key(page):
    at = make_app(page, run=True)
    assert _bound_keys(at._tree) <= state.VIEW_KEYS


def test_view_keys_are_not_scenario_parameters():
    assert not state.VIEW_KEYS & {*registry().parameters, "preset"}


def test_race_overview_view_is_restored_from_the_link():
    # a choice widget's link value is the option as shown
    query = {"preset": "rollback", "smuggling_interdiction_share": "0.3", "year": "2029",
             "log": "false", "effective": "true", "kind": "Training", "split": "By mechanism"}
    at = make_app("pages/race_overview.py", query, run=True)
    assert at.session_state["scenario"] == Scenario.build(
        "rollback", {"smuggling_interdiction_share": 0.3})
    assert not at.warning, [w.value for w in at.warning]  # no view key read as a parameter
    assert at.select_slider(key="year").value == 2029
    assert at.toggle(key="log").value is False and at.toggle(key="effective").value is True
    assert at.button_group(key="kind").value == "training"
    assert at.button_group(key="split").value == "mechanism"
    assert "Headline year" in at.select_slider(key="year").label
    assert "2029" in " ".join(c.value for c in at.caption)  # the cards are for 2029
    assert _query(at) == query  # the link keeps the view and the scenario


def test_compare_and_uncertainty_views_are_restored_from_the_link():
    shown = [presets()[name].label for name in ("rollback", "strict_enforcement")]
    at = make_app("pages/compare.py", {"compare": shown, "year": "2029", "fans": "true"},
                  run=True)
    assert at.multiselect(key="compare").value == ["rollback", "strict_enforcement"]
    assert at.select_slider(key="year").value == 2029 and at.toggle(key="fans").value
    assert at.session_state["scenario"] == Scenario.build("status_quo") and not at.warning
    at = make_app("pages/uncertainty.py", {
        "draws": "1,000", "seed": "7", "n_gap_above": "20", "fan": "Race gap",
        "statement": uncertainty.PROBABILITY_STATEMENTS["gap_above"][0],
        "metric": metric_label("ratio")}, run=True)
    assert at.selectbox(key="draws").value == 1000 and at.number_input(key="seed").value == 7
    assert at.number_input(key="n_gap_above").value == 20.0
    assert at.selectbox(key="metric").value == "ratio"
    assert at.session_state["fan"] == "Race gap"
    assert "(seed 7)" in " ".join(c.value for c in at.caption) and not at.warning


def test_a_move_keeps_the_view_in_the_link():
    at = make_app("pages/race_overview.py", {"year": "2029", "log": "false"}, run=True)
    at.sidebar.slider(key=INTERDICTION.format(0)).set_value(0.4).run()
    no_exception(at)
    assert _query(at) == {"preset": "status_quo", "smuggling_interdiction_share": "0.4",
                          "year": "2029", "log": "false"}
    at.sidebar.slider(key=INTERDICTION.format(0)).set_value(0.0).run()  # back at the preset
    assert _query(at) == {"preset": "status_quo", "year": "2029", "log": "false"}


def test_a_changed_link_after_the_first_run_rebuilds_the_scenario():
    """Back and Forward rerun the app with the restored link: the scenario follows it (read
    leniently, problems shown); a run whose link has no scenario (a page change) keeps it."""
    at = make_app(query={"preset": "rollback"}, run=True)
    at.sidebar.slider(key=INTERDICTION.format(0)).set_value(0.4).run()
    at.query_params.clear()
    at.query_params.update({"preset": "leaky_controls", "smuggling_interdiction_share": "0.2",
                            "year": "2030"})
    at.run()
    no_exception(at)
    assert at.session_state["scenario"] == Scenario.build(
        "leaky_controls", {"smuggling_interdiction_share": 0.2})
    gen = at.session_state["gen"]
    assert at.sidebar.slider(key=INTERDICTION.format(gen)).value == 0.2  # the controls follow
    # (the view's widgets follow a Back only in the browser, which flags the run as history
    # navigation: tests/browser)
    at.query_params.clear()
    at.query_params.update({"year": "2030"})  # a page change keeps only the view
    at.run()
    assert at.session_state["scenario"] == Scenario.build(
        "leaky_controls", {"smuggling_interdiction_share": 0.2})
    assert _query(at)["smuggling_interdiction_share"] == "0.2"  # written back
    at.query_params.update({"preset": "rollback", "smuggling_interdiction_share": "7"})
    at.run()
    assert at.session_state["scenario"] == Scenario.build("rollback")
    assert "could not be read" in at.warning[0].value


def test_undo_and_redo_step_through_the_moves():
    at = make_app(run=True)
    assert at.sidebar.button(key="undo").disabled and at.sidebar.button(key="redo").disabled
    for value in (0.3, 0.6):
        gen = at.session_state["gen"]
        at.sidebar.slider(key=INTERDICTION.format(gen)).set_value(value).run()
    moved = {"smuggling_interdiction_share": 0.6}
    assert at.session_state["scenario"] == Scenario.build("status_quo", moved)
    assert not at.sidebar.button(key="undo").disabled and at.sidebar.button(key="redo").disabled
    at.sidebar.button(key="undo").click().run()
    no_exception(at)
    assert at.session_state["scenario"] == Scenario.build(
        "status_quo", {"smuggling_interdiction_share": 0.3})
    assert _query(at)["smuggling_interdiction_share"] == "0.3"  # the link follows
    gen = at.session_state["gen"]
    assert at.sidebar.slider(key=INTERDICTION.format(gen)).value == 0.3  # so does the control
    at.sidebar.button(key="undo").click().run()
    assert at.session_state["scenario"] == Scenario.build("status_quo")
    assert at.sidebar.button(key="undo").disabled and not at.sidebar.button(key="redo").disabled
    at.sidebar.button(key="redo").click().run()
    assert at.session_state["scenario"] == Scenario.build(
        "status_quo", {"smuggling_interdiction_share": 0.3})
    # a new move after an undo drops the moves undone
    gen = at.session_state["gen"]
    at.sidebar.slider(key=INTERDICTION.format(gen)).set_value(0.9).run()
    assert at.sidebar.button(key="redo").disabled
    at.sidebar.button(key="undo").click().run()
    assert at.session_state["scenario"] == Scenario.build(
        "status_quo", {"smuggling_interdiction_share": 0.3})


def test_back_after_an_undo_is_a_step_through_the_same_moves():
    """Back or Forward to a neighbouring move moves the undo position with it."""
    at = make_app(run=True)
    for value in (0.3, 0.6):
        at.sidebar.slider(key=INTERDICTION.format(at.session_state["gen"])).set_value(value).run()
    at.query_params.update({"smuggling_interdiction_share": "0.3"})  # Back
    at.run()
    assert at.session_state["scenario"].values()["smuggling_interdiction_share"] == 0.3
    assert not at.sidebar.button(key="redo").disabled
    at.sidebar.button(key="redo").click().run()
    assert at.session_state["scenario"].values()["smuggling_interdiction_share"] == 0.6


def test_share_link_is_shown_with_scenario_and_view():
    at = make_app("pages/race_overview.py", {"preset": "rollback", "year": "2029"}, run=True)
    assert at.sidebar.code[0].value.endswith("?preset=rollback&year=2029")
