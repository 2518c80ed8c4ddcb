"""Back-cast: a scenario's 2024-2026 values beside the published estimates in
data/history/checkpoints.csv, each marked inside or outside its published range.
Nothing is tuned here: the table reports what the model gives."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.core.data import table
from lib.core.model import FLOWS
from lib.core.runs import run
from lib.core.scenario import Scenario

# chips sold from 2022 on (the installed base of Jan 2022 is not part of these estimates)
LEGAL_NVIDIA = [i for i, (channel, chip) in enumerate(FLOWS)
                if channel == "legal" and chip != "installed_2021"]
SMUGGLED = [i for i, (channel, _) in enumerate(FLOWS) if channel == "smuggled"]
H20 = [FLOWS.index(("legal", "h20"))]


def model_value(result, metric: str, as_of, period: str) -> float:
    months = result.months
    end = int(np.searchsorted(months.values, np.datetime64(pd.Timestamp(as_of)), side="right"))
    start = end - 12 if period == "year" else 0
    window = slice(max(start, 0), end)
    units = result.flows["arrivals_units"]
    training = result.flow_h100e
    if metric == "smuggled_units":
        return float(units[SMUGGLED, window].sum())
    if metric == "smuggled_h100e":
        return float((units[SMUGGLED, window] * training[SMUGGLED, None]).sum())
    if metric == "h20_units":
        return float(units[H20, window].sum())
    if metric == "legal_nvidia_units":
        return float(units[LEGAL_NVIDIA, window].sum())
    if metric == "legal_nvidia_h100e":
        return float((units[LEGAL_NVIDIA, window] * training[LEGAL_NVIDIA, None]).sum())
    if metric == "ascend_packages":
        return float(result.series["ascend_packages"][window].sum())
    if metric == "ascend_dies":
        # 2024: single-die 910Bs, one die per package
        return float(result.series["ascend_packages"][window].sum())
    raise KeyError(metric)


def backcast_table(scenario: Scenario | None = None) -> pd.DataFrame:
    result = run(scenario or Scenario())
    rows = []
    for _, check in table("history/checkpoints.csv").iterrows():
        value = model_value(result, check["metric"], check["as_of"], check["period"])
        point = check["low"] == check["high"]
        inside = bool(check["low"] <= value <= check["high"]) if not point else None
        deviation = value / check["value"] - 1 if check["value"] else float("nan")
        status = ("inside" if inside else "outside") if not point else "point estimate"
        rows.append({
            "checkpoint": check["checkpoint_id"], "as_of": check["as_of"].isoformat(),
            "unit": check["unit"], "published": check["value"], "low": check["low"],
            "high": check["high"], "model": value, "deviation": deviation, "status": status,
            "source": check["source"], "note": check["note"] or "",
        })
    return pd.DataFrame(rows)
