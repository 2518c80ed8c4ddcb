"""Properties over random valid scenarios (hypothesis draws the seeds and perturbations)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core.calendar import december, n_months_for
from lib.core.mechanisms import DEMAND_FEEDBACK, owner, switches
from lib.core.model import simulate
from lib.core.registry import registry
from lib.core.runs import run_values
from lib.core.scenario import Scenario, presets, stack_values
from lib.core.variation import range_around
from tests.conftest import random_values, without_mechanisms

BATCH = 12
seeds = st.integers(min_value=0, max_value=2**32 - 1)
SETTINGS = settings(max_examples=25, deadline=None)
NON_NEGATIVE = ("china_training", "china_inference", "china_total", "us_training",
                "us_inference", "us_total", "china_effective", "us_effective", "ratio",
                "largest_run_flop_us", "largest_run_flop_china", "smic_good_dies",
                "ascend_packages", "smic_yield", "ascend_utilization")


def _pairs(seed, change):
    rng = np.random.default_rng(seed)
    base = without_mechanisms(random_values(rng, BATCH))
    more = [change(dict(v), rng) for v in base]
    return run_values(base), run_values(more)


def _assert_not_lower(low, high, key, rel=1e-9):
    assert np.all(high[key] >= low[key] * (1 - rel) - 1e-6), key


# More wafers or yield can make chips earlier with inputs that are carried forward (HBM), and
# chips made earlier have retired a little more by a later date: installed stock may dip by
# that much, never more; the compute delivered (china_delivered) never falls.
RETIREMENT_TIMING = 0.01


@SETTINGS
@given(seeds)
def test_more_smuggling_never_lowers_china_compute(seed):
    def change(values, rng):
        extra = rng.uniform(0, 1e6, 14)
        values["smuggling_attempted_per_year"] = tuple(
            np.minimum(np.array(values["smuggling_attempted_per_year"]) + extra, 3e6))
        return values
    low, high = _pairs(seed, change)
    for key in ("china_total", "china_training", "china_inference", "china_effective"):
        _assert_not_lower(low, high, key)


@SETTINGS
@given(seeds)
def test_more_wafers_never_lowers_china_compute(seed):
    def change(values, rng):
        wafers = np.array(values["smic_wafers_per_month"])
        cap = registry()["smic_wafers_per_month"].max
        values["smic_wafers_per_month"] = tuple(
            np.maximum(wafers, np.minimum(wafers * rng.uniform(1, 3, 14), cap)))
        return values
    low, high = _pairs(seed, change)
    _assert_not_lower(low, high, "china_delivered")
    for key in ("china_total", "china_effective"):
        _assert_not_lower(low, high, key, RETIREMENT_TIMING)


@SETTINGS
@given(seeds)
def test_higher_yield_never_lowers_china_compute(seed):
    def change(values, rng):
        values["smic_yield_2025"] = min(values["smic_yield_2025"] + rng.uniform(0, 0.5), 0.95)
        return values
    low, high = _pairs(seed, change)
    _assert_not_lower(low, high, "smic_good_dies")
    _assert_not_lower(low, high, "china_delivered")
    for key in ("china_total", "china_effective"):
        _assert_not_lower(low, high, key, RETIREMENT_TIMING)


@SETTINGS
@given(seeds)
def test_no_controls_counterfactual_never_leaves_china_with_less(seed):
    rng = np.random.default_rng(seed)
    controlled = without_mechanisms(random_values(rng, BATCH))
    for values in controlled:
        values["no_export_controls"] = False
    free = [v | {"no_export_controls": True} for v in controlled]
    low, high = run_values(controlled), run_values(free)
    for key in ("china_total", "china_training", "china_inference", "china_effective"):
        _assert_not_lower(low, high, key)


@SETTINGS
@given(seeds)
def test_every_valid_scenario_is_finite_and_non_negative(seed):
    out = run_values(random_values(np.random.default_rng(seed), BATCH))
    for key, array in out.items():
        assert np.all(np.isfinite(array)), key
    for key in NON_NEGATIVE:
        assert np.all(out[key] >= 0), key


@SETTINGS
@given(seeds)
def test_with_every_channel_shut_chinas_stock_only_declines(seed):
    values = random_values(np.random.default_rng(seed), BATCH)
    shut_from = 2026 - 2022
    for v in values:
        for key in ("smuggling_attempted_per_year", "h20_units_per_year",
                    "licensed_units_per_year", "smic_wafers_per_month",
                    "offshore_owned_h100e_per_year", "offshore_rented_h100e_per_year"):
            v[key] = tuple(x if i < shut_from else 0.0 for i, x in enumerate(v[key]))
        v["no_export_controls"] = False
        v["tsmc_die_bank_dies"] = 0.0
    out = run_values(values, detail=True)
    stock = out["stock_units"].sum(axis=1)[:, shut_from * 12:]
    assert np.all(np.diff(stock, axis=1) <= 1e-6 * np.maximum(stock[:, 1:], 1))
    everything_shut = [v | {"smuggling_attempted_per_year": (0.0,) * 14,
                            "h20_units_per_year": (0.0,) * 14, "a800_units_total": 0.0,
                            "h800_units_total": 0.0, "licensed_units_per_year": (0.0,) * 14,
                            "smic_wafers_per_month": (0.0,) * 14,
                            "china_precontrol_dc_share": 0.0,
                            "domestic_hbm_stacks_per_year": (0.0,) * 14,
                            "other_vendor_revenue_busd": (0.0,) * 14,
                            "offshore_owned_h100e_per_year": (0.0,) * 14,
                            "offshore_rented_h100e_per_year": (0.0,) * 14} for v in values]
    out = run_values(everything_shut, detail=True)
    assert np.all(out["stock_units"] == 0)


@settings(max_examples=10, deadline=None)
@given(seeds)
def test_batch_equals_single_runs(seed):
    values = random_values(np.random.default_rng(seed), 5)
    batch = run_values(values, detail=True)
    for i, v in enumerate(values):
        single = run_values([v], detail=True)
        for key in batch:
            np.testing.assert_allclose(batch[key][i], single[key][0], rtol=1e-12, atol=0,
                                       err_msg=key)


# -- declared directions (data/parameters.yaml: raises / lowers / non_monotone) -------------
DIRECTION_YEARS = (2026, 2027, 2030)
DIRECTED = [(p.key, e.output, e.direction) for p in registry() for e in p.effects
            if e.direction != "non_monotone"]


def _controlled_bases(key: str) -> list[dict]:
    """Every preset and a dozen random plausible scenarios, with export controls in force and
    demand feedback off (the directions are declared for that case: see parameters.yaml), and
    the mechanism the parameter belongs to on."""
    bases = [Scenario.build(name).values() for name in presets()]
    bases += random_values(np.random.default_rng(20260101), 12, plausible=True)
    mechanism = owner(key)
    return [switches(v | {"no_export_controls": False},
                     on_ids=[mechanism.id] if mechanism else [], off_ids=DEMAND_FEEDBACK)
            for v in bases]


def _ends(key: str, values: dict) -> tuple:
    p = registry()[key]
    if p.kind == "boolean":
        return False, True
    low, high = range_around(p, values[key])
    as_value = (lambda a: tuple(float(x) for x in a)) if p.is_yearly else float
    return as_value(low), as_value(high)


def test_every_supply_lever_declares_a_direction_on_chinas_compute():
    declared = {p.key for p in registry() if any(e.output == "china_total" for e in p.effects)}
    supply_groups = {"smuggling", "smuggling_flow", "nvidia_exports", "thresholds",
                     "nvidia_history", "tsmc_dies", "smic", "hbm"}
    levers = {p.key for p in registry() if p.group.key in supply_groups
              and (p.kind == "boolean" or p.varies)}
    assert levers <= declared, sorted(levers - declared)
    whys = [e.why for p in registry() for e in p.effects if e.direction == "non_monotone"]
    assert whys and all(len(why) > 40 for why in whys)


@pytest.mark.parametrize("key, output, direction", DIRECTED)
def test_declared_direction_holds_from_low_to_high(key, output, direction):
    """Low -> high end of the lever's range (off -> on for switches), projected onto the
    declared constraints: the output never moves against the declared direction, and moves
    with it somewhere, so no declaration is empty."""
    batch = []
    for values in _controlled_bases(key):
        low, high = _ends(key, values)
        batch += [values | {key: low}, values | {key: high}]
    out = simulate(registry().project(stack_values(batch)), n_months_for(2030), detail=False)
    sign = 1 if direction == "raises" else -1
    moved = False
    for year in DIRECTION_YEARS:
        at_year = out[output][:, december(year, out[output].shape[1])]
        low, high = at_year[0::2], at_year[1::2]
        change = sign * (high - low)
        assert np.all(change >= -1e-9 * np.abs(low)), (year, np.flatnonzero(change < 0))
        moved |= bool(np.any(change > 1e-9 * np.abs(low)))
    assert moved, f"{key} never moved {output}"


def test_a_non_monotone_declaration_is_really_non_monotone():
    """Each non_monotone lever moves china_total both ways somewhere over the same cases
    (otherwise it should declare its direction)."""
    for p in registry():
        for effect in (e for e in p.effects if e.direction == "non_monotone"):
            batch = []
            for values in _controlled_bases(p.key):
                low, high = _ends(p.key, values)
                batch += [values | {p.key: low}, values | {p.key: high}]
            out = simulate(registry().project(stack_values(batch)), n_months_for(2030),
                           detail=False)[effect.output]
            index = [december(year, out.shape[1]) for year in DIRECTION_YEARS]
            change = out[1::2][:, index] - out[0::2][:, index]
            scale = 1e-9 * np.abs(out[0::2][:, index])
            assert np.any(change > scale) and np.any(change < -scale), p.key
