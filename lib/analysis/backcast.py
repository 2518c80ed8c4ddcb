"""Back-cast: a scenario's 2022-2026 values beside the published estimates in
data/history/checkpoints.csv, each marked inside or outside its published range.
Nothing is tuned here: the table reports what the model gives (lib/analysis/calibration.py
weights Monte Carlo draws by the same checkpoints).

Flows are picked by channel and chip name through lib/core/model.py FLOWS, never by
position. Counts are of chips that arrived from January 2022 on: the installed base of
January 2022 (chip ids starting "installed_" or "a100_pre") is in none of them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from lib.core.data import table
from lib.core.model import FLOWS
from lib.core.runs import run
from lib.core.scenario import Scenario

PRE_2022 = ("installed_", "a100_pre")  # chip ids of the January 2022 installed base
NOT_CHINA = ("offshore", "no_controls")  # channels outside China's own 2022+ arrivals
ASCEND = ("tsmc_dies", "smic")
DOMESTIC = ("tsmc_dies", "smic", "domestic_other")

Pick = Callable[[str, str], bool]  # (channel, chip id) -> counted

# metric -> (what is summed over the window, which flows): "units" and "h100e" sum
# arrivals_units / arrivals_h100e of the picked flows; a series name sums that (B, T) series.
METRICS: dict[str, tuple[str, Pick | None]] = {
    "smuggled_units": ("units", lambda ch, _: ch == "smuggled"),
    "smuggled_h100e": ("h100e", lambda ch, _: ch == "smuggled"),
    "h20_units": ("units", lambda ch, chip: ch == "legal" and chip == "h20"),
    "a800_units": ("units", lambda ch, chip: ch == "legal" and chip == "a800"),
    "h800_units": ("units", lambda ch, chip: ch == "legal" and chip == "h800"),
    "legal_nvidia_units": ("units", lambda ch, _: ch == "legal"),
    "legal_nvidia_h100e": ("h100e", lambda ch, _: ch == "legal"),
    "ascend_packages": ("ascend_packages", None),
    "ascend_h100e": ("h100e", lambda ch, _: ch in ASCEND),
    "domestic_h100e": ("h100e", lambda ch, _: ch in DOMESTIC),
    # cumulative arrivals from 2022, with no retirements (none by 2025 at a 4+ year life)
    "china_h100e": ("h100e", lambda ch, _: ch not in NOT_CHINA),
    "capability_lag_months": ("capability_lag_months", None),  # read "at" a month
}

PERIOD_MONTHS = {"year": 12, "quarter": 3, "at": 1}  # "cumulative": from January 2022;
# "at": the value in the month of as_of (for levels such as a lag in months)


def flow_indices(pick: Pick) -> list[int]:
    """The positions in FLOWS of the picked flows, less the January 2022 installed base."""
    return [i for i, (channel, chip) in enumerate(FLOWS)
            if pick(channel, chip) and not chip.startswith(PRE_2022)]


def checkpoints() -> pd.DataFrame:
    """The published checkpoints, `holdout` as a bool (a copy: the cached table is shared)."""
    frame = table("history/checkpoints.csv").copy()
    frame["holdout"] = frame["holdout"] == "true"
    return frame


def _monthly(out: dict[str, np.ndarray], metric: str) -> np.ndarray:
    """(B, T) monthly amount of one metric from a simulate(detail=True) dict."""
    kind, pick = METRICS[metric]
    if pick is None:
        return np.asarray(out[kind])
    arrivals = out["arrivals_units" if kind == "units" else "arrivals_h100e"]
    return arrivals[:, flow_indices(pick)].sum(axis=1)


def window(months: pd.DatetimeIndex, as_of, period: str) -> tuple[int, int]:
    """Months [start, end) a checkpoint covers: those up to `as_of`, the last 12 (year), 3
    (quarter) or all of them (cumulative)."""
    end = int(np.searchsorted(months.values, np.datetime64(pd.Timestamp(as_of)), side="right"))
    return max(end - PERIOD_MONTHS.get(period, end), 0), end


def checkpoint_matrix(out: dict[str, np.ndarray], months: pd.DatetimeIndex,
                      checks: pd.DataFrame) -> np.ndarray:
    """(B, K): every run's value at every checkpoint (rows of `checks`: metric, as_of,
    period), from one simulate(detail=True) batch. Each metric is summed over its flows once
    and read at each window from its running total."""
    batch = next(iter(out.values())).shape[0]
    matrix = np.empty((batch, len(checks)))
    totals: dict[str, np.ndarray] = {}
    for k, check in enumerate(checks.itertuples(index=False)):
        if check.metric not in totals:
            monthly = _monthly(out, check.metric)
            totals[check.metric] = np.concatenate(
                [np.zeros((batch, 1)), np.cumsum(monthly, axis=1)], axis=1)
        start, end = window(months, check.as_of, check.period)
        running = totals[check.metric]
        matrix[:, k] = running[:, end] - running[:, start]
    return matrix


def _result_batch(result) -> dict[str, np.ndarray]:
    """One run's flows and series with a leading batch axis of 1, as simulate returns them."""
    return {**{k: v[None] for k, v in result.flows.items()},
            **{k: v[None] for k, v in result.series.items()}}


def backcast_table(scenario: Scenario | None = None) -> pd.DataFrame:
    result = run(scenario or Scenario())
    checks = checkpoints()
    values = checkpoint_matrix(_result_batch(result), result.months, checks)[0]
    rows = []
    for check, value in zip(checks.to_dict("records"), values, strict=True):
        point = check["low"] == check["high"]
        inside = bool(check["low"] <= value <= check["high"])
        deviation = value / check["value"] - 1 if check["value"] else float("nan")
        status = "point estimate" if point else ("inside" if inside else "outside")
        rows.append({
            "checkpoint": check["checkpoint_id"], "as_of": check["as_of"].isoformat(),
            "unit": check["unit"], "published": check["value"], "low": check["low"],
            "high": check["high"], "model": float(value), "deviation": deviation,
            "status": status, "holdout": bool(check["holdout"]),
            "source": check["source"], "note": check["note"] or "",
        })
    return pd.DataFrame(rows)
