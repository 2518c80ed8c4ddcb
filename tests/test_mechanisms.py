"""The mechanisms (lib/core/mechanisms.py): off, the model is the world issue's model; on,
each moves its outputs in its declared way, and the status quo's path stays as sourced."""

from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core.calendar import december, n_months_for
from lib.core.mechanisms import DEMAND_FEEDBACK, MECHANISMS, switches
from lib.core.model import DOMESTIC, simulate
from lib.core.outputs import OUTPUTS
from lib.core.registry import registry
from lib.core.runs import run, run_values
from lib.core.scenario import Scenario, presets, stack_values
from tests.conftest import random_values

WORLD = yaml.safe_load(Path(__file__).with_name("regression_world.yaml").read_text())["cases"]
ALL = tuple(MECHANISMS)
seeds = st.integers(min_value=0, max_value=2**32 - 1)
SETTINGS = settings(max_examples=15, deadline=None)


def _off(preset: str, *ids) -> Scenario:
    return Scenario.build(preset, {MECHANISMS[i].switch: False for i in (ids or ALL)})


def _on(preset: str, *ids) -> Scenario:
    return Scenario.build(preset, {MECHANISMS[i].switch: True for i in ids})


@pytest.mark.parametrize("case", WORLD, ids=lambda c: f"{c['preset']}-{c['metric']}-{c['year']}")
def test_every_mechanism_off_is_the_world_issues_model(case):
    value = run(_off(case["preset"])).value(case["metric"], case["year"])
    assert value == pytest.approx(case["value"], abs=case["tolerance"])


def test_each_mechanism_is_declared_with_real_parameters_and_outputs():
    for mechanism in MECHANISMS.values():
        assert registry()[mechanism.switch].kind == "boolean", mechanism.id
        for key in mechanism.strengths:
            assert registry()[key].kind != "boolean", key
            assert registry()[key].source.strip(), key
        assert set(mechanism.acts_on) <= set(OUTPUTS), mechanism.id
    keys = [k for m in MECHANISMS.values() for k in m.parameters]
    assert len(keys) == len(set(keys))  # each parameter belongs to one mechanism


@pytest.mark.parametrize("mechanism", ["buyers_choice", "learning_by_doing",
                                       "scarcity_efficiency"])
def test_mechanisms_measured_against_the_status_quo_leave_it_as_it_is(mechanism):
    """Learning, substitution and scarcity compare with the status quo's own path, so they
    change nothing there: its sourced history and its projection stay."""
    on, off = run(_on("status_quo", mechanism)), run(_off("status_quo", mechanism))
    for key in ("china_total", "china_working", "race_gap_months", "china_effective"):
        np.testing.assert_allclose(on.series[key], off.series[key], rtol=1e-12, err_msg=key)
    # a switch that moves nothing in the status quo says so where the analyst flips it
    assert "moves nothing" in registry()[MECHANISMS[mechanism].switch].description


def _batch(values_list):
    return run_values(values_list, detail=True)


@SETTINGS
@given(seeds)
def test_buyers_choice_only_ever_takes_sales_away(seed):
    """With no smuggling response, filling demand can only cap a channel's sales (legal
    chips by demand, domestic chips by orders): compute delivered never rises."""
    base = [v | {"smuggling_demand_elasticity": 0.0, "no_export_controls": False} for v in
            random_values(np.random.default_rng(seed), 10, plausible=True)]
    on = run_values([switches(v, ["buyers_choice"], ["learning_by_doing"]) for v in base])
    off = run_values([switches(v, [], ["buyers_choice", "learning_by_doing"]) for v in base])
    assert np.all(on["china_delivered"] <= off["china_delivered"] * (1 + 1e-9) + 1e-6)


def test_buyers_choice_caps_a_rollback_by_demand_and_starves_huawei():
    on, off = run(_on("rollback", "buyers_choice")), run(_off("rollback", "buyers_choice"))
    assert on.at("china_total", 2028) < 0.8 * off.at("china_total", 2028)
    assert on.at("domestic_sold_share", 2027) < 0.6
    assert np.all(on.series["china_demand"] > 0)


@SETTINGS
@given(seeds)
def test_learning_scales_domestic_output_by_its_factor(seed):
    """Without the demand limit, domestic arrivals with learning are those without it times
    the learning factor, month by month: more deployment than the status quo speeds Huawei,
    less slows it."""
    base = [v | {"no_export_controls": False} for v in
            random_values(np.random.default_rng(seed), 8, plausible=True)]
    on = _batch([switches(v, ["learning_by_doing"], ["buyers_choice"]) for v in base])
    off = _batch([switches(v, [], ["buyers_choice", "learning_by_doing"]) for v in base])
    expected = off["arrivals_units"][:, DOMESTIC] * on["huawei_learning"][:, None, :]
    np.testing.assert_allclose(on["arrivals_units"][:, DOMESTIC], expected, rtol=1e-9,
                               atol=1e-9)


def test_learning_is_the_backfire_channel():
    """Without controls buyers take Nvidia, Huawei sells less and learns less; with twice the
    domestic HBM (what binds) it deploys more and learns faster."""
    free = run(_on("no_controls", "learning_by_doing", "buyers_choice"))
    assert free.at("huawei_learning", 2030) < 0.95
    hbm = registry()["domestic_hbm_stacks_per_year"].default
    more = run(Scenario.build("status_quo", {"domestic_hbm_stacks_per_year": dict(
        zip(range(2022, 2036), (2 * x for x in hbm), strict=True))}))
    assert more.at("huawei_learning", 2030) > 1.05


@pytest.mark.parametrize("preset, direction", [("no_controls", -1), ("strict_enforcement", 1)])
def test_scarcity_speeds_china_when_compute_is_scarcer(preset, direction):
    on = run(_on(preset, "scarcity_efficiency"))
    off = run(_off(preset, "scarcity_efficiency"))
    change = on.at("china_algorithmic_multiplier", 2030) / off.at(
        "china_algorithmic_multiplier", 2030) - 1
    assert direction * change > 0.01


@SETTINGS
@given(seeds)
def test_distillation_only_ever_shortens_the_capability_lag(seed):
    base = random_values(np.random.default_rng(seed), 10, plausible=True)
    on = run_values([switches(v, ["distillation"]) for v in base])
    off = run_values([switches(v, [], ["distillation"]) for v in base])
    assert np.all(on["capability_lag_months"] <= off["capability_lag_months"] + 1e-9)
    assert np.all(on["capability_months_distilled"] >= 0)
    # never past the teacher: where China was behind, it stays at or behind
    behind = off["capability_lag_months"] >= 0
    assert np.all(on["capability_lag_months"][behind] >= -1e-9)


def test_deployment_feedback_widens_the_lag_when_china_serves_less():
    on = run(_on("status_quo", "deployment_feedback"))
    off = run(_off("status_quo", "deployment_feedback"))
    assert on.at("capability_lag_months", 2030) > off.at("capability_lag_months", 2030) + 1


@SETTINGS
@given(seeds)
def test_power_never_adds_compute_and_train_serve_never_adds_training(seed):
    base = random_values(np.random.default_rng(seed), 10, plausible=True)
    for mechanism, keys in (("power_limits", ("us_effective", "china_working")),
                            ("train_serve_split", ("china_training",))):
        on = run_values([switches(v, [mechanism]) for v in base])
        off = run_values([switches(v, [], [mechanism]) for v in base])
        for key in keys:
            assert np.all(on[key] <= off[key] * (1 + 1e-9) + 1e-6), (mechanism, key)


def test_a_grid_shortfall_binds_the_us_fleet():
    short = run(Scenario.build("status_quo", {"us_grid_shortfall": 0.5}))
    assert short.at("us_powered_share", 2030) < 0.9
    assert short.at("race_gap_months", 2030) < run(Scenario.build()).at("race_gap_months", 2030)


def test_demand_feedback_mechanisms_exist():
    assert set(DEMAND_FEEDBACK) <= set(MECHANISMS)


def test_mechanisms_run_in_batch_as_alone():
    """The reference path is shared: a batch of presets gives each preset's own numbers."""
    scenarios = [Scenario.build(name) for name in presets()]
    values = [s.values() for s in scenarios]
    out = simulate(stack_values(values), n_months_for(2030), detail=False)
    index = december(2030, out["china_total"].shape[1])
    for i, scenario in enumerate(scenarios):
        assert out["capability_lag_months"][i, index] == pytest.approx(
            run(scenario).at("capability_lag_months", 2030), rel=1e-12)


@SETTINGS
@given(seeds)
def test_scarcity_scales_chinas_progress_by_its_hardware_ratio_against_the_status_quo(seed):
    """China's algorithmic multiplier with scarcity on is the one with it off times
    exp(sum of monthly progress x ((ratio / status-quo ratio) ** elasticity - 1)): scarcer
    compute than the status quo speeds China up, more plentiful compute slows it."""
    base = random_values(np.random.default_rng(seed), 8, plausible=True)
    on = run_values([switches(v, ["scarcity_efficiency"]) for v in base])
    off = run_values([switches(v, [], ["scarcity_efficiency"]) for v in base])
    reference = run(Scenario()).series["ratio"]
    growth = np.log([v["algorithmic_efficiency_growth"] for v in base])[:, None] / 12
    power = np.array([v["scarcity_elasticity"] for v in base])[:, None]
    expected = np.exp(np.cumsum(growth * ((off["ratio"] / reference) ** power - 1), axis=1))
    np.testing.assert_allclose(on["china_algorithmic_multiplier"],
                               off["china_algorithmic_multiplier"] * expected, rtol=1e-9)
