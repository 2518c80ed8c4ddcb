"""The race gap worked by hand: lib/core/race_gap.py (the month at which the U.S.
curve first reaches a value of China's) and the race_gap_months output, on curves whose answer
is log2 arithmetic. The U.S. curve of most cases grows exactly 2x a year from 100 at month 0, so
it reaches 100 * 2**k at month 12k: 200 at 12, 400 at 24, 50 at -12 (before the span, at the
trend), 800 at 36 (after it)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lib.core import race_gap
from lib.core.runs import run
from lib.core.scenario import Scenario

MONTHS = 25  # months 0..24: the doubling curve runs from 100 to 400
DOUBLING = math.log(2) / 12  # 2x a year [log per month]
T = np.arange(MONTHS)


def doubling(start: float = 100.0) -> np.ndarray:
    """A U.S. curve growing 2x a year from `start` at month 0, as values."""
    return start * 2.0 ** (T / 12)


def first_reach(us: np.ndarray, china: np.ndarray, slope: float | np.ndarray = DOUBLING):
    """first_reach on values (not logs): us and china of shape (batch, months), or one row."""
    us, china = np.atleast_2d(us), np.atleast_2d(china)
    slope = np.broadcast_to(np.asarray(slope, dtype=float).reshape(-1, 1), (len(us), 1))
    return race_gap.first_reach(np.log(us), np.log(china), slope)


def constant(value: float) -> np.ndarray:
    return np.full(MONTHS, value)


@pytest.mark.parametrize("china, month", [
    # inside the simulated span
    (100, 0), (200, 12), (400, 24), (100 * 2**0.5, 6), (100 * 2 ** (7.5 / 12), 7.5),
    (300, 12 * math.log2(3)),  # 19.02: log-linear between the monthly points is exact here
    # before it: extrapolated backwards from 100 at 2x a year
    (50, -12), (25, -24), (100 * 2 ** (-1 / 12), -1), (1, -12 * math.log2(100)),
    # after it: forwards from 400 at month 24
    (800, 36), (1600, 48), (400 * 2**0.25, 27),
], ids=lambda v: f"{v:g}")
def testfirst_reach_of_a_constant_china(china, month):
    reach = first_reach(doubling(), constant(china))
    np.testing.assert_allclose(reach, np.full((1, MONTHS), month), atol=1e-9)
    # months behind at each month t: t - month (negative while China is ahead)
    np.testing.assert_allclose(T - reach[0], T - month, atol=1e-9)


def test_extrapolation_uses_the_slope_given():
    """Outside the span the curve is extended at `slope`, not at its own last step: with a
    4x-a-year slope, 800 (3 doublings above 100) is 18 months before month 0."""
    us = doubling()
    quadrupling = 2 * DOUBLING
    assert first_reach(us, constant(12.5), quadrupling)[0, 0] == pytest.approx(-18)
    assert first_reach(us, constant(3200), quadrupling)[0, 0] == pytest.approx(24 + 18)


def test_a_flat_stretch_and_a_dip_count_from_thefirst_reach():
    """The curve is made non-decreasing first (running maximum): a value is reached when the
    U.S. first had it, and a later dip does not make it reached again."""
    us = np.array([100, 200, 150, 200, 400, 400, 800], dtype=float)  # a dip, then a plateau
    cases = {150: math.log2(1.5),  # between months 0 and 1, not month 2 (the dip)
             200: 1.0,  # first month at 200
             300: 3 + math.log2(1.5),  # after the dip and the flat month 3: months 3 to 4
             400: 4.0,  # the plateau's first month
             600: 5 + math.log2(1.5),  # leaves the plateau at month 5
             800: 6.0,  # the end
             1600: 18.0}  # after the end: 6 + 12 at 2x a year
    for china, month in cases.items():
        reach = first_reach(us, np.full(len(us), float(china)))
        np.testing.assert_allclose(reach[0], month, atol=1e-9, err_msg=str(china))


def test_a_flat_start_is_reached_at_month_zero():
    us = np.array([100, 100, 100, 200], dtype=float)
    assert first_reach(us, np.full(4, 100.0))[0, 0] == pytest.approx(0)


def test_a_batch_of_rows_with_different_answers_in_one_call():
    """Rows of different levels, spans and slopes, with China curves that move across the
    span, in one call: each row must get its own answer (the search runs on all rows at once,
    each offset into its own band)."""
    ten_a_year = math.log(10) / 12
    rows = [  # (U.S. curve, China curve, slope, months behind at each month t)
        # China half the U.S. and growing as fast: 12 months behind throughout, though it is
        # below the U.S. start (before the span) until month 12
        (doubling(), doubling(50), DOUBLING, np.full(MONTHS, 12.0)),
        # a U.S. growing 4x a year from 1,000, China flat at 1,000: behind by t months
        (1000 * 4.0 ** (T / 12), constant(1000), 2 * DOUBLING, T.astype(float)),
        # a wide range (1e6 to 1e8), China 30 months behind, all of it before the span
        (1e6 * 10.0 ** (T / 12), 1e6 * 10.0 ** ((T - 30) / 12), ten_a_year, np.full(MONTHS, 30.0)),
        # China flat at 800, above the U.S. end: reached at month 36, so t - 36 (ahead)
        (doubling(), constant(800), DOUBLING, T - 36.0),
        # China catching up at 4x a year: reach 2t - 24 runs from before the span (t < 12)
        # through it to its end, so 24 - t months behind
        (doubling(), 100 * 2.0 ** ((2 * T - 24) / 12), DOUBLING, 24.0 - T),
    ]
    us = np.array([r[0] for r in rows])
    china = np.array([r[1] for r in rows])
    slope = np.array([r[2] for r in rows])
    behind = T[None, :] - first_reach(us, china, slope)
    np.testing.assert_allclose(behind, np.array([r[3] for r in rows]), atol=1e-9)
    # the same rows one at a time give the same answers
    for i, (u, c, s, _) in enumerate(rows):
        np.testing.assert_allclose(first_reach(u, c, s)[0], T - behind[i], atol=1e-9)


@pytest.mark.parametrize("algorithmic_growth", [1.0, 3.0])
def test_race_gap_output_reads_the_us_curve_back(algorithmic_growth):
    """Where the U.S. curve was simulated, the race gap is exactly how many months ago U.S.
    effective compute stood at China's current value (log-interpolated between months);
    before the span it extends at the U.S. curve's first-year trend."""
    scenario = Scenario.build(overrides={"algorithmic_efficiency_growth": algorithmic_growth})
    series = run(scenario).series
    log_us, log_china = np.log(series["us_effective"]), np.log(series["china_effective"])
    reach = np.arange(len(log_us)) - series["race_gap_months"]
    inside = reach >= 0
    assert inside.any() and (~inside).any()
    np.testing.assert_allclose(np.interp(reach[inside], np.arange(len(log_us)), log_us),
                               log_china[inside], rtol=1e-9, atol=1e-9)
    slope = (log_us[12] - log_us[0]) / 12
    np.testing.assert_allclose(log_us[0] + reach[~inside] * slope, log_china[~inside],
                               rtol=1e-9, atol=1e-9)


def test_race_gap_splits_into_hardware_and_algorithms():
    """With China's algorithms equal to the U.S.'s (no lag, no multiplier), the whole gap is
    hardware; the hardware part does not move with the algorithmic growth rate alone."""
    same = run(Scenario.build(overrides={"china_diffusion_lag_months": 0,
                                         "china_efficiency_multiplier": 1.0})).series
    np.testing.assert_allclose(same["race_gap_algorithmic_months"], 0.0, atol=1e-9)
    base = run(Scenario()).series
    assert (base["race_gap_algorithmic_months"][36:] > 0).all()  # a 6-month lag: China behind
