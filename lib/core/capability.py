"""From compute to the race: algorithmic efficiency on each side, the compute race gap and
its hardware part, each side's frontier training run, and the capability lag. Batch arrays
(B, months); units in square brackets.

Two measures of how far China is behind, each in months (how long ago the U.S. stood where
China stands now):
  race gap        on effective compute: all usable compute times algorithmic efficiency.
  capability lag  on the frontier: the largest training run's effective FLOP (times serving
                  compute to the feedback elasticity with deployment feedback on), less what
                  distillation closes.
"""

from __future__ import annotations

import numpy as np

from lib.core import mechanisms
from lib.core.race_gap import first_reach

H100_BF16_FLOPS = 989.4e12  # [FLOP/s] dense BF16, chips.csv (Epoch AI)
SECONDS_PER_DAY = 86_400.0


def _trend(log_curve: np.ndarray) -> np.ndarray:
    """The first year's growth rate [log per month], for extending a curve back in time."""
    return np.maximum((log_curve[:, 12] - log_curve[:, 0]) / 12, 1e-3)[:, None]


def months_behind(log_us: np.ndarray, log_china: np.ndarray) -> np.ndarray:
    """For each row and month, how many months ago the U.S. curve stood at China's value(s);
    log_china may hold several series side by side (B, k*T)."""
    n_months = log_us.shape[1]
    reached = first_reach(log_us, log_china, _trend(log_us))
    return np.tile(np.arange(n_months), log_china.shape[1] // n_months)[None, :] - reached


def race(p, t: np.ndarray, compute: dict[str, np.ndarray], reference_ratio) -> dict:
    """Efficiency, race gap and capability lag from each side's compute:
    compute = us_working, us_inference, us_training, china_working, china_inference,
    china_training, china_bandwidth, ratio (hardware) [H100e]."""
    log_growth = np.log(p["algorithmic_efficiency_growth"])[:, None]
    us_multiplier = np.exp(log_growth * t[None, :] / 12)
    china_multiplier = np.exp(
        log_growth * (t[None, :] - p["china_diffusion_lag_months"][:, None]) / 12
    ) * p["china_efficiency_multiplier"][:, None] * mechanisms.scarcity_multiplier(
        p, compute["ratio"], reference_ratio, log_growth)
    us_effective = compute["us_working"] * us_multiplier
    china_effective = compute["china_working"] * china_multiplier
    # the gap, and the part hardware alone explains (China's compute at U.S. algorithms):
    # one search of the U.S. curve for both
    race_gap, hardware_gap = np.split(months_behind(np.log(us_effective), np.log(
        np.concatenate([china_effective, compute["china_working"] * us_multiplier], axis=1))),
        2, axis=1)

    run_seconds = p["training_run_days"][:, None] * SECONDS_PER_DAY
    flop_per_h100e = H100_BF16_FLOPS * p["model_flops_utilization"][:, None] * run_seconds
    run_us = compute["us_training"] * p["largest_cluster_share_us"][:, None] * flop_per_h100e
    run_china = compute["china_training"] * p["largest_cluster_share_china"][
        :, None] * flop_per_h100e
    frontier_us = run_us * us_multiplier
    frontier_china = run_china * china_multiplier * p["china_capability_per_flop"][:, None]
    feedback = np.where(mechanisms.on(p, "deployment_feedback"),
                        p["feedback_elasticity"][:, None], 0.0)
    log_capability_us = np.log(frontier_us) + feedback * np.log(compute["us_inference"])
    log_capability_china = np.log(frontier_china) + feedback * np.log(compute["china_inference"])
    raw_lag = months_behind(log_capability_us, log_capability_china)
    distilled = mechanisms.distilled_months(p, raw_lag, compute["china_bandwidth"])
    return {
        "china_effective": china_effective, "us_effective": us_effective,
        "effective_ratio": us_effective / china_effective,
        "race_gap_months": race_gap, "race_gap_hardware_months": hardware_gap,
        "race_gap_algorithmic_months": race_gap - hardware_gap,
        "us_algorithmic_multiplier": us_multiplier,
        "china_algorithmic_multiplier": china_multiplier,
        "largest_run_flop_us": run_us, "largest_run_flop_china": run_china,
        "frontier_effective_flop_us": frontier_us,
        "frontier_effective_flop_china": frontier_china,
        "capability_lag_months": raw_lag - distilled,
        "capability_months_distilled": distilled,
    }
