"""Sensitivity: one-at-a-time tornado and Sobol indices, over the same range per parameter as
Monte Carlo (lib/core/variation.py: range_around, salib_problem).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analysis.montecarlo import CHUNK
from lib.core.calendar import december, n_months_for
from lib.core.memo import memo
from lib.core.model import simulate
from lib.core.registry import Parameter, registry
from lib.core.scenario import Scenario, stack_values
from lib.core.variation import from_salib, range_around, salib_problem


def _as_value(p: Parameter, array) -> object:
    array = np.asarray(array, dtype=float)
    if p.is_yearly:
        return tuple(float(x) for x in array)
    return int(round(float(array))) if p.kind == "integer" else float(array)


@memo(64)
def tornado(scenario: Scenario, metric: str = "race_gap_months", year: int = 2030,
            keys: list[str] | None = None) -> pd.DataFrame:
    """Each parameter from the low to the high end of its range with the others at the
    scenario's values, one batch; the varied inputs projected onto the declared constraints."""
    values = scenario.values()
    chosen = [registry()[k] for k in keys] if keys else [p for p in registry() if p.varies]
    batch, rows = [values], []
    for p in chosen:
        low_value, high_value = (_as_value(p, end) for end in range_around(p, values[p.key]))
        batch += [values | {p.key: low_value}, values | {p.key: high_value}]
        rows.append({"key": p.key, "label": p.label, "unit": p.unit,
                     "kind": p.group.kind, "low": low_value, "high": high_value})
    inputs = registry().project(stack_values(batch))
    out = simulate(inputs, n_months_for(values[registry().horizon.key]), detail=False)
    series = metric
    index = december(year, out[series].shape[1])
    result = out[series][:, index]
    frame = pd.DataFrame(rows)
    frame["output_low"] = result[1::2]
    frame["output_high"] = result[2::2]
    frame["swing"] = (frame["output_high"] - frame["output_low"]).abs()
    frame.attrs.update(base=float(result[0]), metric=metric, year=year)
    return frame.sort_values("swing", ascending=False, ignore_index=True)


@memo(64)
def sobol_indices(scenario: Scenario, metric: str = "race_gap_months", year: int = 2030,
                  keys: list[str] | None = None, base_samples: int = 256, seed: int = 0
                  ) -> pd.DataFrame:
    """First- and total-order Sobol indices with 95% confidence intervals, each parameter
    drawn from its declared distribution around the scenario's value (SALib's `dists`)."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    values = scenario.values()
    keys = keys or list(tornado(scenario, metric, year)["key"][:8])
    params = [registry()[k] for k in keys]
    problem = salib_problem(values, keys)
    sample = sobol_sample.sample(problem, base_samples, calc_second_order=False, seed=seed)
    inputs = {k: np.repeat(v, len(sample), axis=0) for k, v in stack_values([values]).items()}
    for j, p in enumerate(params):
        inputs[p.key] = from_salib(p, values[p.key], sample[:, j])
    inputs = registry().project(inputs)
    n_months = n_months_for(values[registry().horizon.key])
    series = metric
    index = december(year, n_months)
    output = np.concatenate([
        simulate({k: v[s:s + CHUNK] for k, v in inputs.items()}, n_months,
                 detail=False)[series][:, index]
        for s in range(0, len(sample), CHUNK)])
    analysis = sobol_analyze.analyze(problem, output, calc_second_order=False, seed=seed)
    return pd.DataFrame({
        "key": keys, "label": [p.label for p in params],
        "S1": analysis["S1"], "S1_conf": analysis["S1_conf"],
        "ST": analysis["ST"], "ST_conf": analysis["ST_conf"],
    }).sort_values("ST", ascending=False, ignore_index=True)
