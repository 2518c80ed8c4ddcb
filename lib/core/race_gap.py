"""The race gap: how many months earlier the U.S. already had the effective compute China has
now. A batched search along each row's U.S. curve, extended at its trend rate beyond the
simulated span."""

from __future__ import annotations

import numpy as np


def first_reach(log_us: np.ndarray, log_target: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """Per row, the (fractional) month at which the U.S. curve reaches each target value
    (targets (B, Q): any number per row, e.g. two series side by side). The curve is made
    non-decreasing; outside the simulated span it is extended at its exponential trend rate
    `slope` [log per month]."""
    batch, n_months = log_us.shape
    curve = np.maximum.accumulate(log_us, axis=1)
    lo, hi = curve[:, :1], curve[:, -1:]
    # searchsorted on all rows at once: offset each row into its own band
    span = float(np.max(hi - lo)) + 1.0
    offsets = (np.arange(batch) * (span + 1.0))[:, None]
    flat = (curve - lo + offsets).ravel()
    query = np.clip(log_target, lo, hi) - lo + offsets
    index = np.searchsorted(flat, query.ravel(), side="left").reshape(log_target.shape)
    index -= (np.arange(batch) * n_months)[:, None]
    index = np.clip(index, 1, n_months - 1)
    left = np.take_along_axis(curve, index - 1, axis=1)
    right = np.take_along_axis(curve, index, axis=1)
    step = right - left
    clipped = np.clip(log_target, lo, hi)
    # a flat step only happens where index 0 was clipped to 1: the target is the first value
    fraction = np.divide(clipped - left, step, out=np.zeros_like(step), where=step > 0)
    inside = index - 1 + fraction
    before = (log_target - lo) / slope
    after = (n_months - 1) + (log_target - hi) / slope
    return np.where(log_target < lo, before, np.where(log_target > hi, after, inside))
