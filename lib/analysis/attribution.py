"""Attribution of a difference between two scenarios to lever groups (exact Shapley values).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from lib.core.calendar import december
from lib.core.memo import memo
from lib.core.outputs import LEVER_GROUPS
from lib.core.registry import LEVERS, registry
from lib.core.runs import run_values
from lib.core.scenario import Scenario


def lever_of(key: str) -> str:
    return registry()[key].group.lever


@memo(64)
def attribute(scenario: Scenario, baseline: Scenario, metric: str = "race_gap_months",
              year: int = 2030) -> pd.DataFrame:
    """Split metric(scenario) - metric(baseline) at `year` among lever groups (exact Shapley
    values over the groups whose parameters differ, all subsets in one batch run)."""
    scenario_values, baseline_values = scenario.values(), baseline.values()
    horizon = registry().horizon.key
    baseline_values[horizon] = scenario_values[horizon]
    differing = [k for k in scenario_values
                 if k != horizon and np.any(np.asarray(scenario_values[k])
                                                   != np.asarray(baseline_values[k]))]
    levers = [lever for lever in LEVERS if any(lever_of(k) == lever for k in differing)]
    subsets = list(itertools.product((0, 1), repeat=len(levers)))
    batch = []
    for subset in subsets:
        switched = {lever for lever, on in zip(levers, subset, strict=True) if on}
        batch.append({k: (scenario_values[k] if lever_of(k) in switched else baseline_values[k])
                      for k in scenario_values})
    out = run_values(batch)
    index = december(year, out[metric].shape[1])
    value = {subset: float(out[metric][i, index]) for i, subset in enumerate(subsets)}
    n = len(levers)
    rows = []
    for j, lever in enumerate(levers):
        contribution = 0.0
        for subset in subsets:
            if subset[j]:
                continue
            with_j = subset[:j] + (1,) + subset[j + 1:]
            size = sum(subset)
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            contribution += weight * (value[with_j] - value[subset])
        rows.append({"lever": lever, "label": LEVER_GROUPS[lever], "contribution": contribution})
    base_value = value[(0,) * n]
    frame = pd.DataFrame(rows, columns=["lever", "label", "contribution"])
    frame.attrs.update(metric=metric, year=year, baseline=base_value,
                       scenario=value[(1,) * n])
    return frame
