"""The Arguments page: data/arguments.yaml read strictly, the analysis of every argument (the
policy's effect with its mechanism on and off, central and over Monte Carlo draws), the signs the
model must give, a number checked by hand, the answer text and chart, and the page itself."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from lib.analysis.arguments import FIELDS, argument_effect, arguments, load_arguments, side_values
from lib.core.data import DATA_DIR, DataError
from lib.core.mechanisms import MECHANISMS
from lib.core.outputs import OUTPUTS
from lib.core.registry import registry
from lib.core.runs import run
from lib.core.scenario import Scenario, presets
from lib.report import arguments as report
from tests.conftest import apply, replace
from tests.helpers import make_app, no_exception, plain

STATUS_QUO = Scenario()
IDS = list(arguments())
PAGE = "pages/arguments.py"


# -- the file -------------------------------------------------------------------------------

def test_the_real_file_loads_with_every_reference_resolved():
    found = arguments()
    assert IDS == ["backfire", "rollback", "scarcity", "distillation", "feedback", "power",
                   "train_serve", "beijing_choice", "software_moat"]
    for argument in found.values():
        assert argument.mechanism in MECHANISMS
        assert argument.lever in registry().parameters
        assert set(argument.outputs) <= set(OUTPUTS) and len(argument.also) <= 2
        assert argument.seed_text and argument.evidence_for and argument.evidence_against
        assert argument.with_policy != argument.without_policy
    assert found["rollback"].with_policy.overrides == presets()["rollback"].overrides
    assert found["rollback"].with_policy.preset == "rollback"
    assert dict(found["backfire"].without_policy.overrides) == {"no_export_controls": True}
    assert dict(found["beijing_choice"].with_policy.overrides) == {
        "beijing_admission_share": ((2026, 0.0),)}


DAMAGES = [  # (old text, new text, the message expected)
    ("    lever: learning_elasticity\n", "    lever: learning_elastic\n",
     "arguments.yaml, argument backfire, field lever: unknown parameter 'learning_elastic'"),
    ("    lever: learning_elasticity\n", "",
     "arguments.yaml, argument backfire, field lever: missing"),
    ("    lever: learning_elasticity\n", "    lever: learning_elasticity\n    levers: []\n",
     "arguments.yaml, argument backfire, field levers: unknown field"),
    ("    mechanism: learning_by_doing\n", "    mechanism: learning\n",
     "arguments.yaml, argument backfire, field mechanism: unknown mechanism 'learning'"),
    ("also: [capability_lag_months, china_total]", "also: [capability_lag, china_total]",
     "arguments.yaml, argument backfire, field also: unknown output 'capability_lag'"),
    ("also: [capability_lag_months, china_total]",
     "also: [capability_lag_months, china_total, ratio]",
     "arguments.yaml, argument backfire, field also: expected a list of at most 2 outputs"),
    ("    metric: race_gap_months\n", "    metric: smuggled_share\n",
     "arguments.yaml, argument backfire, field metric: unknown output 'smuggled_share'"),
    ("with_policy: {preset: rollback}", "with_policy: {preset: rolback}",
     "arguments.yaml, argument rollback, field with_policy: unknown preset 'rolback'"),
    ("without_policy: {no_export_controls: true}\n    metric: race_gap_months\n    also: "
     "[capability_lag_months, china_total]\n    lever: learning",
     "without_policy: {no_export_control: true}\n    metric: race_gap_months\n    also: "
     "[capability_lag_months, china_total]\n    lever: learning",
     "arguments.yaml, argument backfire, field without_policy: unknown parameter "
     "'no_export_control'"),
    ("with_policy: {us_grid_shortfall: 0.5}", "with_policy: {us_grid_shortfall: 5}",
     "arguments.yaml, argument power, field with_policy: us_grid_shortfall: 5"),
    ("without_policy: {us_grid_shortfall: 0.0}", "without_policy: {us_grid_shortfall: 0.5}",
     "arguments.yaml, argument power, field without_policy: the same as with_policy"),
    ('    seed: "001"\n    mechanism: learning_by_doing', '    seed: "007"\n    mechanism: '
     'learning_by_doing', "arguments.yaml, argument backfire, field seed: unknown seed"),
    ('date: "2025-05-21"', 'date: "2025-13-21"',
     "arguments.yaml, argument backfire, field evidence_for: item 1: "),
    ("  - id: rollback\n", "  - id: backfire\n",
     "arguments.yaml, argument backfire, field id: given twice"),
    ("seeds:\n", "seed:\n", "arguments.yaml: expected exactly the sections arguments, seeds"),
]


@pytest.mark.parametrize("old, new, message", DAMAGES, ids=[d[2].split(": ", 1)[-1][:40]
                                                            for d in DAMAGES])
def test_a_damaged_file_names_the_file_argument_and_field(data_copy, old, new, message):
    apply(data_copy, "arguments.yaml", replace(old, new))
    with pytest.raises(DataError) as caught:
        load_arguments(data_copy / "arguments.yaml")
    assert str(caught.value).startswith(message), str(caught.value)


def test_the_header_documents_every_field():
    header = (DATA_DIR / "arguments.yaml").read_text().split("\nseeds:")[0]
    for field in (*FIELDS, "seeds"):
        assert f"#   {field} " in header or f"# {field}:" in header, field


def test_a_damaged_arguments_file_stops_the_app(data_copy):
    apply(data_copy, "arguments.yaml", replace("    lever: learning_elasticity\n", ""))
    at = make_app(PAGE)
    at.run()
    assert at.error and "argument backfire, field lever: missing" in plain(at.error[0].value)


# -- the analysis ---------------------------------------------------------------------------

@pytest.mark.parametrize("argument_id", IDS)
def test_every_argument_runs_and_gives_finite_numbers(argument_id):
    effect = argument_effect(STATUS_QUO, argument_id)
    assert effect.draws == 200 and effect.years[0] == 2022 and effect.years[-1] == 2030
    assert not effect.same_sides
    for key in effect.argument.outputs:
        assert effect.central[key].shape == (len(effect.years), 2)
        assert effect.ranges[key].shape == (len(effect.years), 2, 3)
        assert np.all(np.isfinite(effect.central[key])) and np.all(np.isfinite(
            effect.ranges[key]))
        low, mid, high = effect.effect_range(key, 2030)
        assert low <= mid <= high
        assert 0 <= effect.opposite_share(key, 2030) <= 1
    assert set(effect.paths) == {"with_on", "with_off", "without_on", "without_off"}
    assert all(np.all(np.isfinite(p)) and len(p) == len(effect.months)
               for p in effect.paths.values())
    assert not effect.central[effect.argument.metric].flags.writeable  # shared: frozen


def test_backfire_learning_lowers_the_value_of_controls():
    effect = argument_effect(STATUS_QUO, "backfire")
    assert effect.effect("race_gap_months", 2030) < effect.effect("race_gap_months", 2030,
                                                                  on=False)


def test_rollback_buyers_choice_shrinks_what_a_rollback_adds_to_china():
    effect = argument_effect(STATUS_QUO, "rollback")
    on, off = (effect.effect("china_total", 2030, on=v) for v in (True, False))
    assert 0 < on < off


def test_power_the_grid_shortfall_does_nothing_without_power_limits():
    effect = argument_effect(STATUS_QUO, "power")
    for key in effect.argument.outputs:
        assert np.all(effect.central[key][:, 1] == 0.0), key
        assert np.all(effect.ranges[key][:, 1] == 0.0), key
    assert effect.effect("race_gap_months", 2030) < 0  # on: a weaker U.S. narrows the gap


def test_distillation_changes_what_controls_do_to_the_capability_lag():
    effect = argument_effect(STATUS_QUO, "distillation")
    on, off = (effect.effect("capability_lag_months", 2030, on=v) for v in (True, False))
    assert abs(on - off) > 1e-3


def test_backfire_central_effect_by_hand():
    """The central effect is two plain runs subtracted: the scenario, and the same with no
    export controls (learning by doing is on in both, as in the status quo)."""
    assert STATUS_QUO.values()["learning_by_doing"]
    effect = argument_effect(STATUS_QUO, "backfire")
    no_controls = Scenario.build("status_quo", {"no_export_controls": True})
    for year in (2026, 2030):
        by_hand = (run(STATUS_QUO).at("race_gap_months", year)
                   - run(no_controls).at("race_gap_months", year))
        assert effect.effect("race_gap_months", year) == pytest.approx(by_hand, rel=1e-9,
                                                                       abs=1e-9)
    off = Scenario.build("status_quo", {"learning_by_doing": False})
    by_hand_off = (run(off).at("race_gap_months", 2030)
                   - run(off.with_overrides(no_export_controls=True)).at("race_gap_months", 2030))
    assert effect.effect("race_gap_months", 2030, on=False) == pytest.approx(by_hand_off,
                                                                             rel=1e-9)


def test_sides_apply_yearly_overrides_as_dated_steps():
    beijing = arguments()["beijing_choice"]
    scenario = Scenario.build("csis_mar2025")  # Beijing admits everything from 2025
    years = list(range(2022, 2036))
    refused = side_values(scenario, beijing.with_policy)["beijing_admission_share"][0]
    assert refused[years.index(2025)] == 1.0 and np.all(refused[years.index(2026):] == 0.0)
    rollback = side_values(STATUS_QUO, arguments()["rollback"].with_policy)
    expected = Scenario.build("rollback").values()
    for key, _ in presets()["rollback"].overrides:
        np.testing.assert_allclose(rollback[key][0], np.asarray(expected[key], dtype=float))


def test_same_draws_same_answer_and_memoized():
    first = argument_effect(STATUS_QUO, "scarcity")
    assert argument_effect(STATUS_QUO, "scarcity") is first
    other_seed = argument_effect(STATUS_QUO, "scarcity", seed=1)
    assert other_seed.effect("race_gap_months", 2030) == pytest.approx(
        first.effect("race_gap_months", 2030), rel=1e-12)


def test_no_comparison_when_the_scenario_already_is_one_side():
    effect = argument_effect(Scenario.build("no_controls"), "backfire")
    assert effect.same_sides and effect.effect("race_gap_months", 2030) == 0.0
    assert report.verdict(effect, 2030).startswith("Nothing to compare")


# -- text and chart -------------------------------------------------------------------------

@pytest.mark.parametrize("value, unit, text", [
    (10.34, "months", "+10.3 months"), (-0.008, "months", "\u22120.01 months"),
    (0.001, "months", "±0.0 months"), (-1_380_185, "H100e", "\u22121.38M H100e"),
    (-0.181, "share", "\u221218 pts"), (0.0, "share", "±0 pts"), (2.5, "x", "+2.5x"),
    (math.nan, "months", "n/a")])
def test_deltas_always_carry_a_sign(value, unit, text):
    assert report.signed(value, unit) == text


@pytest.mark.parametrize("argument_id", IDS)
def test_answer_cards_and_chart(argument_id):
    effect = argument_effect(STATUS_QUO, argument_id)
    text = report.answer(effect, 2028)
    assert "2028" in text and effect.argument.policy in text and "5-95%" in text
    assert "200 draws" in text
    cards = report.cards(effect, 2028)
    assert len(cards) == 3 and all(len(c.label) <= 30 for c in cards)
    assert all(c.value[0] in "+\u2212±" or c.value.endswith("%") for c in cards)
    fig, frame = report.effect_chart(effect, 2028, "Source: test.")
    assert len(fig.data) == 4 and list(frame.columns) == [
        "with_policy_mechanism_on", "with_policy_mechanism_off",
        "without_policy_mechanism_on", "without_policy_mechanism_off"]
    assert [t.line.dash for t in fig.data] == ["solid", "dash", "solid", "dash"]
    assert len(fig.layout.title.text) <= report.MAX_TITLE
    assert fig.layout.margin.t <= 80 + 30 * 2  # the legend takes at most two rows at 1280 px
    assert fig.layout.meta["source"].count("<br>") <= 1
    np.testing.assert_allclose(frame["with_policy_mechanism_on"], effect.paths["with_on"])


def test_backfire_answer_reads_as_an_answer():
    text = report.answer(argument_effect(STATUS_QUO, "backfire"), 2030)
    assert text.startswith("On these assumptions “Learning by doing (backfire)”")
    assert re.search(r"race gap \(China behind\) in 2030: \+\d+\.\d months \(5-95%: ", text)


# -- the page -------------------------------------------------------------------------------

def test_page_renders_every_argument_and_the_answer_names_the_year():
    at = make_app(PAGE, run=True)
    assert at.title[0].value == "Arguments"
    for argument_id in IDS:
        at.session_state["argument"] = argument_id
        at.run()
        no_exception(at)
        argument = arguments()[argument_id]
        assert len(at.metric) == 3
        answer = [plain(i.value) for i in at.info if "Answer." in i.value]
        assert len(answer) == 1 and "in 2030:" in answer[0], answer
        assert argument.question in " ".join(plain(m.value) for m in at.markdown)
        assert len(at.get("plotly_chart")) == 1
        assert not at.warning
    at.select_slider(key="year").set_value(2027).run()
    no_exception(at)
    assert "in 2027:" in plain([i.value for i in at.info if "Answer." in i.value][0])


def test_picker_keeps_the_choice():
    at = make_app(PAGE, run=True)
    at.button_group(key="argument").set_value("power").run()
    no_exception(at)
    assert at.session_state["argument"] == "power"
    assert "power" in plain(at.subheader[0].value).lower()


def test_toggle_switches_the_mechanism_in_the_shared_scenario():
    at = make_app(PAGE, run=True)
    switch = MECHANISMS["learning_by_doing"].switch
    assert at.session_state["scenario"].values()[switch] is True
    at.toggle(key="argument_switch_learning_by_doing").set_value(False).run()
    no_exception(at)
    scenario = at.session_state["scenario"]
    assert scenario.values()[switch] is False and dict(scenario.overrides) == {switch: False}
    assert at.query_params[switch] == ["false"] or at.query_params[switch] == "false"
    assert at.toggle(key="argument_switch_learning_by_doing").value is False
    at.toggle(key="argument_switch_learning_by_doing").set_value(True).run()
    assert at.session_state["scenario"] == STATUS_QUO


def test_the_share_link_carries_the_chosen_argument():
    """A shared link opens on its argument; picking another writes it into the link, beside
    the scenario, and the scenario link does not read it as a parameter."""
    at = make_app("pages/arguments.py", {"argument": "Power", "preset": "rollback"}, run=True)
    assert at.session_state["argument"] == "power"
    # a link made when it carried the argument's id still opens it
    assert make_app("pages/arguments.py", {"argument": "power"}, run=True).session_state[
        "argument"] == "power"
    # "argument" is not read as a parameter: the scenario is the preset, nothing ignored
    assert at.session_state["scenario"] == Scenario.build("rollback")
    assert Scenario.from_query({"preset": "rollback", "argument": "power"})[1]  # unfiltered
    assert at.query_params["argument"] in ("Power", ["Power"])
    at.segmented_control(key="argument").set_value("distillation").run()
    no_exception(at)
    assert at.session_state["argument"] == "distillation"
    # (the browser writes a bound widget's change into the link: tests/browser)
    assert at.query_params["preset"] in ("rollback", ["rollback"])
