"""History matching: Monte Carlo draws (montecarlo.draw_inputs: policy levers held,
assumptions drawn) weighted by how well each reproduces the published checkpoints in
data/history/checkpoints.csv (lib/analysis/backcast.py computes the model's values).

Each checkpoint is read as a log-normal around its published value whose 90% interval is the
published (low, high); the two sides get their own log-sigma, since published ranges are
skewed (smuggled H100e: 290k-1.6M around 660k). A draw's weight is the product of its
likelihoods at the weighted checkpoints. Held-out checkpoints (column `holdout`) stay out of
the weights and are reported as a test of the fit: does weighting by the others move the
draws toward them too?
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.analysis.backcast import checkpoint_matrix, checkpoints
from lib.analysis.montecarlo import CHUNK, PERCENTILES, SUMMARY_SERIES, draw_inputs
from lib.core.calendar import months_index, n_months_for
from lib.core.memo import memo
from lib.core.model import simulate
from lib.core.registry import registry
from lib.core.scenario import Scenario

Z90 = 1.6448536269514722  # standard normal quantile of 95%: a 90% interval is +-Z90 sigma

# A point estimate (low == high) is read as +-25% for a 90% interval: the ranged estimates of
# the same source (Epoch AI chip counts) span about that much around their central values
# (H20 end 2024: -23%/+30%; legal Nvidia H100e end 2025: -19%/+24%).
POINT_TOLERANCE = 0.25

MIN_ESS = 50  # below this many effective draws the calibrated percentiles are noise

MAX_CALIBRATION_DRAWS = 20_000  # detail runs: ~0.5 s per 1,000 draws


def published_bounds(checks: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of each checkpoint's 90% interval: published, or the declared tolerance
    around a point estimate."""
    value = checks["value"].to_numpy(float)
    low, high = checks["low"].to_numpy(float), checks["high"].to_numpy(float)
    point = low >= high
    return (np.where(point, value * (1 - POINT_TOLERANCE), low),
            np.where(point, value * (1 + POINT_TOLERANCE), high))


def log_sigmas(checks: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Log-sigma below and above each published value. A side with no width (the value at
    one end of its range) takes the point-estimate tolerance."""
    value = checks["value"].to_numpy(float)
    low, high = published_bounds(checks)
    below, above = np.log(value / low) / Z90, np.log(high / value) / Z90
    return (np.where(below > 0, below, np.log(1 / (1 - POINT_TOLERANCE)) / Z90),
            np.where(above > 0, above, np.log(1 + POINT_TOLERANCE) / Z90))


def log_likelihood(matrix: np.ndarray, checks: pd.DataFrame) -> np.ndarray:
    """(B, K) log-likelihood of each draw's value at each checkpoint, up to a constant per
    checkpoint: -z^2/2 with z the log-distance from the published value in the sigma of its
    side. Maximal (0) at the published value."""
    value = checks["value"].to_numpy(float)
    below, above = log_sigmas(checks)
    distance = np.log(np.maximum(matrix, value * 1e-9) / value)
    z = distance / np.where(distance < 0, below, above)
    return -0.5 * z ** 2


def draw_weights(matrix: np.ndarray, checks: pd.DataFrame) -> np.ndarray:
    """(B,) normalized weights from the checkpoints not held out."""
    used = ~checks["holdout"].to_numpy(bool)
    total = log_likelihood(matrix[:, used], checks[used]).sum(axis=1)
    weights = np.exp(total - total.max())
    return weights / weights.sum()


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size: N for equal weights, 1 when one draw has them all."""
    return float(weights.sum() ** 2 / np.sum(weights ** 2))


def weighted_percentiles(values: np.ndarray, weights: np.ndarray, q) -> np.ndarray:
    """Percentiles `q` (0-100) of `values` (N, ...) along axis 0, draws weighted by `weights`
    (N,). The sorted values are joined by straight lines through the midpoints of their
    cumulative weight, rescaled so the smallest and largest sit at 0% and 100%: with equal
    weights this is np.percentile's default (linear). Zero-weight draws are dropped."""
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    keep = weights > 0
    values, weights = values[keep], weights[keep]
    q = np.atleast_1d(np.asarray(q, float)) / 100
    if len(values) == 1:
        return np.repeat(values, len(q), axis=0)
    order = np.argsort(values, axis=0)
    ordered = np.take_along_axis(values, order, axis=0)
    w = weights[order]  # (N, ...)
    mid = np.cumsum(w, axis=0) - w / 2
    position = (mid - mid[:1]) / (mid[-1:] - mid[:1])  # 0 .. 1 along axis 0
    out = np.empty((len(q),) + values.shape[1:])
    last = len(values) - 2
    for j, level in enumerate(q):
        i = np.clip((position <= level).sum(axis=0) - 1, 0, last)[None]
        lo, hi = (np.take_along_axis(position, i + d, axis=0)[0] for d in (0, 1))
        lo_v, hi_v = (np.take_along_axis(ordered, i + d, axis=0)[0] for d in (0, 1))
        gap = hi - lo
        frac = np.clip(np.divide(level - lo, gap, out=np.zeros_like(gap), where=gap > 0), 0, 1)
        out[j] = lo_v + frac * (hi_v - lo_v)
    return out


def _fan(samples: np.ndarray, weights: np.ndarray, months: pd.DatetimeIndex) -> pd.DataFrame:
    frame = pd.DataFrame(weighted_percentiles(samples, weights, PERCENTILES).T, index=months,
                         columns=[f"p{q}" for q in PERCENTILES])
    frame.index.name = "month"
    return frame


@dataclass(frozen=True)
class Calibration:
    """Prior (every draw equal) and calibrated (weighted by the record) percentiles of the
    fan series, and how each checkpoint is met before and after weighting."""

    draws: int
    seed: int
    prior: dict[str, pd.DataFrame]  # series -> monthly p5, p25, p50, p75, p95
    calibrated: dict[str, pd.DataFrame]
    weights: np.ndarray  # (draws,) normalized, read-only
    ess: float
    fit: pd.DataFrame  # one row per checkpoint, see _fit

    @property
    def warning(self) -> str | None:
        """What the page says when too few draws carry the weight."""
        if self.ess >= MIN_ESS:
            return None
        return (f"Only {self.ess:.0f} effective draws (of {self.draws:,}) carry the weight, "
                f"below the {MIN_ESS} needed for stable percentiles: the checkpoints disagree "
                "with most draws. Use more draws, or read the calibrated fan as indicative.")


def _fit(checks: pd.DataFrame, matrix: np.ndarray, weights: np.ndarray) -> pd.DataFrame:
    low, high = published_bounds(checks)
    inside = (matrix >= low) & (matrix <= high)
    prior = np.full(len(matrix), 1 / len(matrix))
    medians = {name: weighted_percentiles(matrix, w, [50])[0]
               for name, w in (("prior", prior), ("calibrated", weights))}
    return pd.DataFrame({
        "checkpoint": checks["checkpoint_id"].to_numpy(), "unit": checks["unit"].to_numpy(),
        "as_of": [d.isoformat() for d in checks["as_of"]],
        "published": checks["value"].to_numpy(float), "low": low, "high": high,
        "point_estimate": (checks["low"] >= checks["high"]).to_numpy(),
        "holdout": checks["holdout"].to_numpy(bool),
        # shares of weight (clipped: a sum of normalized weights can pass 1 by rounding)
        "prior_coverage": np.clip(prior @ inside, 0, 1),
        "calibrated_coverage": np.clip(weights @ inside, 0, 1),
        "prior_median": medians["prior"], "calibrated_median": medians["calibrated"],
    })


def _calibrate(scenario: Scenario, draws: int, seed: int) -> Calibration:
    if not 1 <= draws <= MAX_CALIBRATION_DRAWS:
        raise ValueError(f"calibration draws must be between 1 and {MAX_CALIBRATION_DRAWS:,}")
    inputs = draw_inputs(scenario, draws, seed)
    n_months = n_months_for(scenario.values()[registry().horizon.key])
    months = months_index(n_months)
    checks = checkpoints()
    matrix = np.empty((draws, len(checks)))
    samples = {name: np.empty((draws, n_months)) for name in SUMMARY_SERIES}
    for start in range(0, draws, CHUNK):
        chunk = {k: v[start:start + CHUNK] for k, v in inputs.items()}
        out = simulate(chunk, n_months, detail=True)
        matrix[start:start + CHUNK] = checkpoint_matrix(out, months, checks)
        for name in SUMMARY_SERIES:
            samples[name][start:start + CHUNK] = out[name]
    weights = draw_weights(matrix, checks)
    weights.setflags(write=False)
    equal = np.full(draws, 1 / draws)
    return Calibration(
        draws, seed,
        prior={s: _fan(samples[s], equal, months) for s in SUMMARY_SERIES},
        calibrated={s: _fan(samples[s], weights, months) for s in SUMMARY_SERIES},
        weights=weights, ess=effective_sample_size(weights), fit=_fit(checks, matrix, weights))


_calibrate_memo = memo(8)(_calibrate)


def calibrate(scenario: Scenario, draws: int = 2000, seed: int = 0) -> Calibration:
    """History-matched Monte Carlo of the scenario, memoized (the fans and the fit table, not
    the draws' paths)."""
    return _calibrate_memo(scenario, int(draws), int(seed))
