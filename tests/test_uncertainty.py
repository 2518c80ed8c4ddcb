"""Monte Carlo, tornado, Sobol and goal-seek."""

import numpy as np
import pytest

from lib.analysis.goalseek import goal_seek
from lib.analysis.montecarlo import (
    PERCENTILES,
    MonteCarlo,
    draw_inputs,
    monte_carlo,
    uncertain_parameters,
)
from lib.analysis.sensitivity import sobol_indices, tornado
from lib.core.calendar import months_index, n_months_for
from lib.core.registry import registry
from lib.core.runs import run
from lib.core.scenario import Scenario
from lib.core.variation import from_salib, range_around, salib_problem


def test_same_seed_same_numbers_other_seed_other_numbers():
    a = monte_carlo(Scenario(), 300, 7)
    b = monte_carlo(Scenario(), 300, 7)
    c = monte_carlo(Scenario(), 300, 8)
    np.testing.assert_array_equal(a.samples["china_total"], b.samples["china_total"])
    assert not np.array_equal(a.samples["china_total"], c.samples["china_total"])


def test_percentiles_are_ordered_and_bracket_the_line():
    mc = monte_carlo(Scenario(), 1000, 1)
    for series in ("china_total", "ratio", "race_gap_months"):
        fan = mc.percentiles(series).to_numpy()
        assert np.all(np.diff(fan, axis=1) >= 0), series
    line = run(Scenario()).series["china_total"]
    fan = mc.percentiles("china_total")
    inside = (fan["p5"].to_numpy() <= line) & (line <= fan["p95"].to_numpy())
    assert inside[36:].mean() > 0.9  # the deterministic line sits inside the 90% band


def test_fan_collapses_to_the_line_when_every_range_is_zero():
    mc = monte_carlo(Scenario(), 200, 3, spread=0.0)
    line = run(Scenario()).series["china_total"]
    for q in PERCENTILES:
        np.testing.assert_allclose(mc.percentiles("china_total")[f"p{q}"], line, rtol=1e-12)


def test_policy_levers_are_held_and_draws_stay_valid():
    scenario = Scenario.build("strict_enforcement", {"smuggling_interdiction_share": 0.8})
    inputs = draw_inputs(scenario, 500, 2)
    assert np.all(inputs["smuggling_interdiction_share"] == 0.8)
    assert np.all(inputs["export_tpp_threshold"] == 4800)
    for p in registry():
        assert np.all(inputs[p.key] >= p.min) and np.all(inputs[p.key] <= p.max), p.key
    assert np.all(inputs["smuggled_share_h200"] + inputs["smuggled_share_b200"] <= 1 + 1e-12)
    assert {p.key for p in uncertain_parameters()} >= {"smic_yield_2025",
                                                       "smuggling_attempted_per_year"}


def test_declared_correlation_shows_in_the_draws():
    inputs = draw_inputs(Scenario(), 4000, 5)
    wafers = inputs["smic_wafers_per_month"][:, 5]
    yield_ = inputs["smic_yield_2025"]
    assert np.corrcoef(wafers, yield_)[0, 1] > 0.25  # declared rho 0.5 on normal scores


def test_probability_statement_counts_the_draws_past_the_threshold():
    """Ten draws whose ratio in December 2027 is 1, 2, ..., 10: four are below 5, five above."""
    months = months_index(n_months_for(2030))
    samples = {"ratio": np.tile(np.arange(1.0, 11.0)[:, None], (1, len(months)))}
    mc = MonteCarlo(Scenario(), 10, 0, months, samples)
    assert mc.probability("ratio", 2027, 5, above=False) == pytest.approx(0.4)
    assert mc.probability("ratio", 2027, 5, above=True) == pytest.approx(0.5)


def test_tornado_bars_match_one_at_a_time_runs():
    frame = tornado(Scenario(), "china_total", 2028).set_index("key")
    for key in ("smic_yield_2025", "smuggling_attempted_per_year", "chip_mean_life_years"):
        row = frame.loc[key]
        p = registry()[key]
        for end in ("low", "high"):
            value = row[end]
            override = {y: v for y, v in zip(range(2022, 2036), value, strict=True)} \
                if p.is_yearly else value
            single = run(Scenario.build(overrides={key: override})).at("china_total", 2028)
            assert row[f"output_{end}"] == pytest.approx(single, rel=1e-12)
    assert frame.attrs["base"] == pytest.approx(run(Scenario()).at("china_total", 2028))
    assert frame.loc["largest_cluster_share_us", "swing"] == 0  # no effect on China's compute


def test_sobol_gives_no_effect_to_an_unused_parameter():
    frame = sobol_indices(Scenario(), "china_total", 2028,
                          keys=["smuggling_attempted_per_year", "smic_yield_2025",
                                "largest_cluster_share_us"], base_samples=128).set_index("key")
    assert abs(frame.loc["largest_cluster_share_us", "ST"]) < 1e-9
    assert abs(frame.loc["largest_cluster_share_us", "S1"]) < 1e-9
    assert frame.loc["smuggling_attempted_per_year", "ST"] > 0.3
    assert (frame["ST_conf"] >= 0).all()


def test_sobol_on_an_additive_case_matches_analytic_shares():
    # us_total in Dec 2026 is linear in TPU arrivals and does not depend on China's yield:
    # all variance belongs to the TPU record (S1 = ST = 1).
    frame = sobol_indices(Scenario(), "us_total", 2026,
                          keys=["us_tpu_h100e", "smic_yield_2025"],
                          base_samples=256).set_index("key")
    assert frame.loc["us_tpu_h100e", "S1"] == pytest.approx(1.0, abs=0.05)
    assert frame.loc["us_tpu_h100e", "ST"] == pytest.approx(1.0, abs=0.05)
    assert abs(frame.loc["smic_yield_2025", "ST"]) < 1e-9


def test_goal_seek_finds_a_known_root():
    # us_total(Dec 2026) is Nvidia's part, linear in the U.S. share of Nvidia output (no
    # reallocation in the status quo), plus the TPU and Trainium parts
    base = run(Scenario())
    nvidia = base.at("us_nvidia", 2026) / registry()["us_nvidia_share"].default
    rest = base.at("us_total", 2026) - base.at("us_nvidia", 2026)
    target = rest + 0.75 * nvidia
    found = goal_seek(Scenario(), "us_nvidia_share", "us_total", 2026, target)
    assert found.value == pytest.approx(0.75, rel=1e-6)
    assert found.achieved == pytest.approx(target, rel=1e-6)


def test_goal_seek_on_a_yearly_lever_and_unreachable_target():
    # (buyers' choice caps what more smuggling adds by Chinese demand: 20 months is out of
    # reach from 2028, 22 is not)
    found = goal_seek(Scenario(), "smuggling_attempted_per_year", "race_gap_months", 2028, 22)
    assert found.value is not None and found.achieved == pytest.approx(22, abs=1e-3)
    missing = goal_seek(Scenario(), "smuggling_interdiction_share", "race_gap_months", 2028,
                        240)
    assert missing.value is None and missing.message.startswith("not reachable in range")
    low, high = missing.reach
    assert low < high < 240  # the range the lever can reach, and the target outside it
    assert found.reach is None


@pytest.mark.parametrize("preset", ["status_quo", "ft_yield_40", "cnas_high_smuggling"])
def test_monte_carlo_tornado_and_sobol_share_one_range(preset):
    """Draws stay inside range_around the scenario's value (lognormal: its 90% interval
    holds ~90% of draws), and the tornado spans exactly that range."""
    scenario = Scenario.build(preset)
    values = scenario.values()
    inputs = draw_inputs(scenario, 2000, 11)
    bars = tornado(scenario, "china_total", 2028).set_index("key")
    problem = salib_problem(values, [p.key for p in uncertain_parameters()])
    for j, p in enumerate(uncertain_parameters()):
        low, high = range_around(p, values[p.key])
        np.testing.assert_allclose(bars.loc[p.key, "low"], low)
        np.testing.assert_allclose(bars.loc[p.key, "high"], high)
        if p.key in ("smuggled_share_h200", "smuggled_share_b200"):
            continue  # projected onto the mix constraint after the draw
        drawn = inputs[p.key]
        inside = np.all((drawn >= low - 1e-9) & (drawn <= high + 1e-9), axis=-1)
        if p.distribution.dist == "lognormal_factor":
            assert 0.85 < inside.mean() < 0.95, p.key
        else:
            assert inside.all(), p.key
        sampled = from_salib(p, values[p.key], _salib_column(problem, j))
        ok = np.all((sampled >= low - 1e-9) & (sampled <= high + 1e-9), axis=-1)
        assert ok.mean() > (0.85 if p.distribution.dist == "lognormal_factor" else 1 - 1e-12)


def _salib_column(problem, j):
    from SALib.sample import sobol as sobol_sample
    return sobol_sample.sample(problem, 64, calc_second_order=False, seed=1)[:, j]


def test_a_chosen_source_value_keeps_the_other_source_as_the_alternative():
    """ft_yield_40 sets the FT's 40%: Monte Carlo draws 40% with the weight the default has
    (60%) and CSIS's 20% with the rest, never above the declared 0.40."""
    drawn = draw_inputs(Scenario.build("ft_yield_40"), 4000, 3)["smic_yield_2025"]
    assert set(np.unique(drawn)) == {0.2, 0.4}
    assert np.mean(drawn == 0.4) == pytest.approx(0.6, abs=0.03)
    default = draw_inputs(Scenario(), 4000, 3)["smic_yield_2025"]
    assert np.mean(default == 0.2) == pytest.approx(0.6, abs=0.03)


def test_salib_problem_carries_the_declared_distributions():
    values = Scenario.build(overrides={"packaging_yield": 0.8}).values()
    problem = salib_problem(values, ["smuggling_attempted_per_year", "packaging_yield",
                                     "smic_yield_2025", "h20_units_per_year"])
    assert problem["dists"] == ["lognorm", "triang", "unif", "triang"]
    mu, sigma = problem["bounds"][0]
    assert np.exp(mu - 1.6448536 * sigma) == pytest.approx(0.2)  # 90% interval 0.2..2.5
    assert np.exp(mu + 1.6448536 * sigma) == pytest.approx(2.5)
    assert problem["bounds"][1] == pytest.approx([0.6, 0.9, 2 / 3])  # peak at 0.8
    assert problem["bounds"][3] == pytest.approx([0.7, 1.3, 0.5])  # factor, mode x1
    with pytest.raises(ValueError, match="does not vary"):
        salib_problem(values, ["h20_reversal"])


def test_sobol_samples_through_the_generated_problem(monkeypatch):
    import lib.analysis.sensitivity as sensitivity

    seen = []
    monkeypatch.setattr(sensitivity, "salib_problem",
                        lambda values, keys: seen.append(keys) or salib_problem(values, keys))
    sensitivity.sobol_indices.__wrapped__(Scenario(), "china_total", 2028,
                                          keys=["packaging_yield", "smic_yield_2025"],
                                          base_samples=32)
    assert seen == [["packaging_yield", "smic_yield_2025"]]


def test_spread_pulls_draws_toward_the_scenario_value():
    full = draw_inputs(Scenario(), 500, 9)["packaging_yield"]
    half = draw_inputs(Scenario(), 500, 9, spread=0.5)["packaging_yield"]
    np.testing.assert_allclose(half - 0.75, 0.5 * (full - 0.75))
