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
    # searchsorted on all rows at once: each row shifted into its own band of one flat array
    offsets = (np.arange(batch) * (float(np.max(hi - lo)) + 2.0))[:, None] - lo
    flat = (curve + offsets).ravel()
    clipped = np.minimum(np.maximum(log_target, lo), hi)
    found = np.searchsorted(flat, (clipped + offsets).ravel(), side="left")
    row_start = np.repeat(np.arange(batch) * n_months, log_target.shape[1])
    # index within the row, kept in 1..n-1 so a step [index-1, index] exists
    index = np.clip(found - row_start, 1, n_months - 1)
    at = row_start + index
    flat_curve = curve.ravel()
    left = flat_curve[at - 1].reshape(log_target.shape)
    step = flat_curve[at].reshape(log_target.shape) - left
    # a flat step only happens where index 0 was clipped to 1: the target is the first value
    fraction = np.divide(clipped - left, step, out=np.zeros_like(step), where=step > 0)
    inside = index.reshape(log_target.shape) - 1 + fraction
    outside = np.where(log_target < lo, (log_target - lo) / slope,
                       (n_months - 1) + (log_target - hi) / slope)
    return np.where((log_target < lo) | (log_target > hi), outside, inside)
