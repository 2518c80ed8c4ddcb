"""Stocks from flows, over batch arrays: chips that retire gradually, and inventories that
carry unused inputs forward. Both are time recursions written in closed form (cumulative
sums and running minima), so they vectorize over the batch and never loop over months.
"""

from __future__ import annotations

import numpy as np


def surviving(arrivals: np.ndarray, mean_life_months: np.ndarray) -> np.ndarray:
    """Installed stock of arrivals (B, ..., T) under a two-stage (Erlang-2) life distribution
    with the given mean life (B,): the share still in service n months after arrival is
    exp(-k n)(1 + k n), k = 2 / mean life. No cliff: ~94% survive the first year of a 5-year
    mean life, ~41% reach the mean, ~17% reach 1.6 times it."""
    n_months = arrivals.shape[-1]
    t = np.arange(n_months, dtype=float)
    k = (2.0 / mean_life_months).reshape((-1,) + (1,) * (arrivals.ndim - 1))
    # sum_s a_s e^{-k(t-s)} (1 + k(t-s)) = e^{-kt} [(1 + kt) S1_t - k S2_t],
    # S1 = cumsum(a_s e^{ks}), S2 = cumsum(s a_s e^{ks}). Rescaled per 60-month block so
    # e^{ks} stays small even for short lives and long horizons.
    out = np.empty_like(arrivals, dtype=float)
    carry1 = np.zeros(arrivals.shape[:-1])
    carry2 = np.zeros(arrivals.shape[:-1])
    block = 60
    for start in range(0, n_months, block):  # at most 3 blocks: over time, not samples
        stop = min(start + block, n_months)
        local = t[start:stop] - start
        grow = np.exp(k * local)
        decay = 1.0 / grow
        x = arrivals[..., start:stop] * grow
        s1 = np.cumsum(x, axis=-1)
        s1 += carry1[..., None]
        np.multiply(x, local, out=x)
        s2 = np.cumsum(x, axis=-1, out=x)
        s2 += carry2[..., None]
        # move the running sums to the next block's origin (shift by `span` months)
        span = float(stop - start)
        shrink = np.exp(-k[..., 0] * span)
        carry1 = s1[..., -1] * shrink
        carry2 = (s2[..., -1] - span * s1[..., -1]) * shrink
        np.multiply(s1, (1 + k * local) * decay, out=out[..., start:stop])
        out[..., start:stop] -= s2 * (k * decay)
    return out


def carried_use(demand: np.ndarray, supply: np.ndarray) -> np.ndarray:
    """Monthly use of an input kept in inventory: each month uses what it needs if stock
    allows, and what is not used is kept for later. demand, supply (B, T) per month.
    Cumulative use U_t = min(U_{t-1} + d_t, S_t) has the closed form
    U_t = D_t + min(0, min_{k<=t}(S_k - D_k)) (D, S cumulative)."""
    cum_demand = np.cumsum(demand, axis=-1)
    cum_supply = np.cumsum(supply, axis=-1)
    slack = np.minimum.accumulate(cum_supply - cum_demand, axis=-1)
    used = cum_demand + np.minimum(slack, 0.0)
    return np.maximum(np.diff(used, axis=-1, prepend=0.0), 0.0)  # no rounding below zero
