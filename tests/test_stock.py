"""The closed forms in lib/core/stock.py against the recursions they replace, by brute force."""

import numpy as np
import pytest

from lib.core.stock import carried_use, surviving


@pytest.mark.parametrize("n_months", [12, 108, 168])  # one, two and three 60-month blocks
def test_surviving_is_the_erlang_2_convolution(n_months):
    rng = np.random.default_rng(n_months)
    arrivals = rng.uniform(0, 1e6, (4, 3, n_months))
    life = np.array([24.0, 48.0, 72.0, 144.0])  # mean life [months], per batch row
    k = 2 / life
    age = np.arange(n_months)
    expected = np.zeros_like(arrivals)
    for b in range(4):
        share = np.exp(-k[b] * age) * (1 + k[b] * age)  # still in service at each age
        for c in range(3):
            expected[b, c] = np.convolve(arrivals[b, c], share)[:n_months]
    np.testing.assert_allclose(surviving(arrivals, life), expected, rtol=1e-9, atol=1e-3)


def test_surviving_keeps_the_mean_life():
    # one arrival: the area under the survival curve is the mean life (in months)
    arrivals = np.zeros((1, 2000))
    arrivals[0, 0] = 1.0
    assert surviving(arrivals, np.array([60.0])).sum() == pytest.approx(60.5, rel=1e-3)


def test_carried_use_is_the_month_by_month_recursion():
    rng = np.random.default_rng(1)
    demand = rng.uniform(0, 10, (5, 60))
    supply = rng.uniform(0, 10, (5, 60)) * (rng.uniform(size=(5, 60)) < 0.3)
    expected = np.zeros_like(demand)
    for b in range(5):
        stock = 0.0
        for t in range(60):
            stock += supply[b, t]
            expected[b, t] = min(demand[b, t], stock)
            stock -= expected[b, t]
    np.testing.assert_allclose(carried_use(demand, supply), expected, atol=1e-9)
