"""The race gap: how many months earlier the U.S. already had the effective compute China has
now. A batched search along each row's U.S. curve, extended at its trend rate beyond the
simulated span."""

from __future__ import annotations

import numba
import numpy as np


def first_reach(log_us: np.ndarray, log_target: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """Per row, the (fractional) month at which the U.S. curve reaches each target value
    (targets (B, Q): any number per row, e.g. two series side by side). The curve is made
    non-decreasing; outside the simulated span it is extended at its exponential trend rate
    `slope` (B, 1) [log per month]."""
    return _first_reach(np.ascontiguousarray(log_us, dtype=float),
                        np.ascontiguousarray(log_target, dtype=float),
                        np.ascontiguousarray(np.asarray(slope, dtype=float).reshape(-1)))


@numba.njit(cache=True)
def _first_reach(log_us: np.ndarray, log_target: np.ndarray, slope: np.ndarray) -> np.ndarray:
    batch, n_months = log_us.shape
    out = np.empty(log_target.shape)
    curve = np.empty(n_months)
    for b in range(batch):
        highest = -np.inf
        for t in range(n_months):  # the running maximum: a non-decreasing curve
            highest = max(highest, log_us[b, t])
            curve[t] = highest
        lo, hi = curve[0], curve[n_months - 1]
        for q in range(log_target.shape[1]):
            target = log_target[b, q]
            if target < lo:
                out[b, q] = (target - lo) / slope[b]
            elif target > hi:
                out[b, q] = (n_months - 1) + (target - hi) / slope[b]
            else:
                # the step [index-1, index] that reaches the target, index kept in 1..n-1;
                # a flat step only happens where the target is the first value
                index = min(max(np.searchsorted(curve, target), 1), n_months - 1)
                left = curve[index - 1]
                step = curve[index] - left
                out[b, q] = index - 1 + ((target - left) / step if step > 0 else 0.0)
    return out
