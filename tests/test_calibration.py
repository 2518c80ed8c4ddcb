"""History matching (lib/analysis/calibration.py): weighted percentiles, the checkpoint
likelihood, the weights and what held-out checkpoints do, and the Uncertainty page's
"Calibrated to the record" section under AppTest."""

from __future__ import annotations

import numpy as np
import pytest

from lib.analysis import backcast, calibration
from lib.analysis.backcast import checkpoint_matrix, checkpoints
from lib.analysis.calibration import (
    MIN_ESS,
    POINT_TOLERANCE,
    Z90,
    calibrate,
    draw_weights,
    effective_sample_size,
    log_likelihood,
    weighted_percentiles,
)
from lib.analysis.montecarlo import draw_inputs, summary
from lib.core.calendar import months_index, n_months_for
from lib.core.model import simulate
from lib.core.registry import registry
from lib.core.scenario import Scenario
from lib.report import calibration as report
from lib.report.style import after_history
from tests.helpers import figure, make_app, no_exception, values

QS = (0, 5, 25, 50, 75, 95, 100)


# ------------------------------------------------------------------ weighted percentiles

def test_equal_weights_are_numpys_percentiles(rng):
    samples = rng.lognormal(size=(501, 7))
    got = weighted_percentiles(samples, np.full(501, 3.0), QS)
    np.testing.assert_allclose(got, np.percentile(samples, QS, axis=0), rtol=1e-12)
    odd = rng.normal(size=6)  # 1-D, an even count
    np.testing.assert_allclose(weighted_percentiles(odd, np.ones(6), QS),
                               np.percentile(odd, QS), rtol=1e-12, atol=1e-15)


def test_weighted_median_by_hand():
    # weights 1,1,1,5: midpoints of cumulative weight 0.5, 1.5, 2.5, 5.5, rescaled from
    # 0.5..5.5 to 0..1 -> 0, 0.2, 0.4, 1. The median lies 0.1/0.6 of the way from 3 to 4.
    x, w = np.array([4.0, 1.0, 3.0, 2.0]), np.array([5.0, 1.0, 1.0, 1.0])
    assert weighted_percentiles(x, w, [50])[0] == pytest.approx(3 + 1 / 6)
    assert weighted_percentiles(x, w, [20])[0] == pytest.approx(2.0)
    assert list(weighted_percentiles(x, w, [0, 100])) == [1.0, 4.0]
    assert np.percentile(x, 50) == 2.5  # unweighted, for contrast
    # weight moved to the smallest value pulls the median down; zero weight drops a draw
    assert weighted_percentiles(x, w[::-1], [50])[0] < 2.5
    assert weighted_percentiles(x, np.array([1.0, 1, 0, 1]), [50])[0] == pytest.approx(2.0)


def test_weighted_percentiles_are_ordered_per_column(rng):
    samples = rng.normal(size=(300, 4))
    got = weighted_percentiles(samples, rng.uniform(size=300), QS)
    assert np.all(np.diff(got, axis=0) >= 0)
    assert np.all(got[0] == samples.min(axis=0)) and np.all(got[-1] == samples.max(axis=0))


# ------------------------------------------------------------------ likelihood and weights

def _checks():
    return checkpoints()


def test_likelihood_is_highest_at_the_published_value_and_lower_outside():
    checks = _checks()
    value = checks["value"].to_numpy(float)
    low, high = calibration.published_bounds(checks)
    at_value = log_likelihood(value[None], checks)[0]
    np.testing.assert_array_equal(at_value, 0.0)
    # the ends of the 90% interval: -Z90^2/2 on both sides (separate sigmas below and above)
    for bound in (low, high):
        np.testing.assert_allclose(log_likelihood(bound[None], checks)[0], -Z90 ** 2 / 2)
    for outside in (low * 0.8, high * 1.25):
        assert np.all(log_likelihood(outside[None], checks)[0] < -Z90 ** 2 / 2)
    inside = np.sqrt(value * high)  # between the value and the upper end
    assert np.all(log_likelihood(inside[None], checks)[0] > -Z90 ** 2 / 2)


def test_point_estimates_get_the_declared_tolerance():
    checks = _checks()
    point = (checks["low"] == checks["high"]).to_numpy()
    assert point.any()
    low, high = calibration.published_bounds(checks)
    value = checks["value"].to_numpy(float)
    np.testing.assert_allclose(low[point], value[point] * (1 - POINT_TOLERANCE))
    np.testing.assert_allclose(high[point], value[point] * (1 + POINT_TOLERANCE))


@pytest.fixture(scope="module")
def batch():
    """200 status-quo draws and their checkpoint values."""
    scenario = Scenario()
    n_months = n_months_for(scenario.values()[registry().horizon.key])
    out = simulate(draw_inputs(scenario, 200, 3), n_months, detail=True)
    return checkpoint_matrix(out, months_index(n_months), _checks())


def test_held_out_checkpoints_do_not_move_the_weights(batch):
    checks = _checks()
    held = checks["holdout"].to_numpy()
    assert held.sum() >= 2
    weights = draw_weights(batch, checks)
    assert weights.sum() == pytest.approx(1.0)
    moved = checks.copy()
    moved.loc[held, "low"] *= 0.1
    moved.loc[held, "high"] *= 5
    moved.loc[held, "value"] *= 2
    np.testing.assert_array_equal(draw_weights(batch, moved), weights)
    # ... while a weighted checkpoint's range does move them
    weighted = checks.copy()
    weighted.loc[~held, "value"] *= 1.5
    assert not np.allclose(draw_weights(batch, weighted), weights)


def test_effective_sample_size():
    assert effective_sample_size(np.full(40, 1 / 40)) == pytest.approx(40)
    assert effective_sample_size(np.array([1.0, 0, 0])) == pytest.approx(1)


# ------------------------------------------------------------------ the whole calibration

@pytest.fixture(scope="module")
def status_quo():
    return calibrate(Scenario(), 2000, 0)


def test_calibration_improves_coverage_of_the_weighted_checkpoints(status_quo):
    fit = status_quo.fit
    weighted = fit[~fit["holdout"]]
    assert list(fit["checkpoint"]) == list(_checks()["checkpoint_id"])
    # weighting trades checkpoints off against each other: none may lose more than a point
    assert np.all(weighted["calibrated_coverage"] >= weighted["prior_coverage"] - 0.01)
    assert weighted["calibrated_coverage"].sum() > weighted["prior_coverage"].sum()
    assert fit[["prior_coverage", "calibrated_coverage"]].stack().between(0, 1).all()


def test_prior_fans_are_the_monte_carlo_fans(status_quo):
    plain = summary(Scenario(), 2000, 0)
    for series, frame in status_quo.prior.items():
        # the batch size moves the last digits (chunks), so not bit for bit
        np.testing.assert_allclose(frame.to_numpy(), plain.fans[series].to_numpy(), rtol=1e-9,
                                   atol=1e-9)
        calibrated = status_quo.calibrated[series].to_numpy()
        assert np.all(np.diff(calibrated, axis=1) >= -1e-9)  # p5 <= ... <= p95


def test_few_effective_draws_are_reported(status_quo):
    assert 1 <= status_quo.ess <= 2000
    assert (status_quo.warning is None) == (status_quo.ess >= MIN_ESS)
    tiny = calibrate(Scenario(), 5, 0)
    assert tiny.ess < MIN_ESS and "effective draws" in tiny.warning
    with pytest.raises(ValueError):
        calibrate(Scenario(), calibration.MAX_CALIBRATION_DRAWS + 1, 0)


def test_report_table_and_holdout_lines(status_quo):
    table = report.fit_table(status_quo)
    assert len(table) == len(status_quo.fit)
    held = status_quo.fit.loc[status_quo.fit["holdout"], "checkpoint"]
    assert (table["role"] == "held out (test)").sum() == len(held)
    lines = report.holdout_lines(status_quo)
    assert len(lines) == len(held) and all(f"**{c}**" in " ".join(lines) for c in held)


def test_metrics_pick_flows_by_name(monkeypatch):
    """The rewritten core's flows (installed base "installed_2021", domestic_other, offshore)
    are picked by channel and chip name."""
    flows = (("legal", "installed_2021"), ("legal", "h20"), ("smuggled", "h100"),
             ("tsmc_dies", "ascend_910c"), ("smic", "ascend_910c"), ("domestic_other", "mx"),
             ("offshore", "b300"), ("no_controls", "nvidia_h100e"))
    monkeypatch.setattr(backcast, "FLOWS", flows)
    pick = {m: backcast.flow_indices(p) for m, (_, p) in backcast.METRICS.items() if p}
    assert pick["legal_nvidia_units"] == [1]
    assert pick["ascend_h100e"] == [3, 4] and pick["domestic_h100e"] == [3, 4, 5]
    assert pick["china_h100e"] == [1, 2, 3, 4, 5]


# ------------------------------------------------------------------ the page section

def test_uncertainty_page_shows_the_calibration():
    at = make_app("pages/uncertainty.py", run=True, timeout=90)
    fig = figure(at, report.calibrated_title("china_total"))
    traces = {t["meta"]: t for t in fig["data"]}
    cal = calibrate(Scenario(), 2000, 0)
    np.testing.assert_allclose(values(traces["calibrated:p50"]["y"]),  # from the data date
                               after_history(cal.calibrated["china_total"])["p50"], rtol=1e-12)
    np.testing.assert_allclose(values(traces["prior:p95"]["y"]),
                               after_history(cal.prior["china_total"])["p95"], rtol=1e-12)
    assert fig["layout"]["yaxis2"]["matches"] == "y"
    text = " ".join(m.value for m in at.markdown)
    assert f"effective sample size **{cal.ess:,.0f}**" in text and "Held-out test" in text
    fit = next(d.value for d in at.main.dataframe if "calibrated coverage" in d.value.columns)
    assert len(fit) == len(cal.fit)
    at.selectbox(key="series").set_value("race_gap_months").run()
    no_exception(at)
    figure(at, report.calibrated_title("race_gap_months"))


def test_assumptions_page_draws_the_backcast_chart():
    at = make_app("pages/assumptions.py", run=True)
    fig = figure(at, "The model against published estimates")
    table = backcast.backcast_table(Scenario())
    models = [t for t in fig["data"] if t["meta"] in ("inside", "outside", "point estimate")]
    assert sum(len(values(t["x"])) for t in models) == len(table)
    assert fig["layout"]["xaxis"]["type"] == "log"
    labels = {f"{r.checkpoint} [{r.unit}]" for r in table.itertuples()}
    assert set(fig["layout"]["yaxis"]["categoryarray"]) == labels
