"""Sensitivity: one-at-a-time tornado and Sobol indices, over one range per parameter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analysis.montecarlo import CHUNK
from lib.core.calendar import december, n_months_for
from lib.core.memo import memo
from lib.core.model import simulate
from lib.core.outputs import METRICS
from lib.core.registry import Parameter, registry
from lib.core.scenario import Scenario, stack_values


def sensitivity_range(p: Parameter, current) -> tuple:
    """The low and high values a tornado bar spans for p, around the current value."""
    d = p.distribution
    current = np.asarray(current, dtype=float)
    if d is not None and d.is_factor:
        if d.dist == "lognormal_factor":
            low, high = d.low, d.high
        else:
            low, high = d.low, d.high
        return (np.clip(current * low, p.min, p.max), np.clip(current * high, p.min, p.max))
    if d is not None and d.dist == "choice":
        return min(d.values), max(d.values)
    return min(p.low, float(current)), max(p.high, float(current))


def _as_value(p: Parameter, array) -> object:
    array = np.asarray(array, dtype=float)
    if p.is_yearly:
        return tuple(float(x) for x in array)
    return int(round(float(array))) if p.kind == "integer" else float(array)


@memo(64)
def tornado(scenario: Scenario, metric: str = "race_gap_months", year: int = 2030,
            keys: list[str] | None = None) -> pd.DataFrame:
    """Each parameter from low to high with the others at the scenario's values, one batch."""
    values = scenario.values()
    chosen = [registry()[k] for k in keys] if keys else [
        p for p in registry() if p.kind != "boolean" and p.key != "horizon_year"
        and (p.low < p.high or p.uncertainty is not None)]
    batch, rows = [values], []
    for p in chosen:
        low, high = sensitivity_range(p, values[p.key])
        low_value, high_value = _as_value(p, low), _as_value(p, high)
        batch += [values | {p.key: low_value}, values | {p.key: high_value}]
        rows.append({"key": p.key, "label": p.label, "unit": p.unit,
                     "kind": p.group.kind, "low": low_value, "high": high_value})
    for v in batch:  # the smuggled mix must stay a mix at the extremes
        mix = np.asarray(v["smuggled_share_h200"]) + np.asarray(v["smuggled_share_b200"])
        if np.any(mix > 1):
            scale = np.maximum(mix, 1)
            v["smuggled_share_h200"] = tuple(np.asarray(v["smuggled_share_h200"]) / scale)
            v["smuggled_share_b200"] = tuple(np.asarray(v["smuggled_share_b200"]) / scale)
    out = simulate(stack_values(batch), n_months_for(values["horizon_year"]), detail=False)
    series = METRICS[metric][2] if metric in METRICS else metric
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
    """First- and total-order Sobol indices with 95% confidence intervals. Scalars vary over
    their tornado range; yearly parameters by a factor on every year."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    values = scenario.values()
    keys = keys or list(tornado(scenario, metric, year)["key"][:8])
    params = [registry()[k] for k in keys]
    bounds = []
    for p in params:
        d = p.distribution
        if p.is_yearly:
            bounds.append([d.low, d.high] if d is not None and d.is_factor else [0.5, 1.5])
        else:
            low, high = sensitivity_range(p, values[p.key])
            bounds.append([float(low), float(high)] if high > low else [float(low),
                                                                         float(low) + 1e-9])
    problem = {"num_vars": len(keys), "names": keys, "bounds": bounds}
    sample = sobol_sample.sample(problem, base_samples, calc_second_order=False, seed=seed)
    inputs = {k: np.repeat(v, len(sample), axis=0) for k, v in stack_values([values]).items()}
    for j, p in enumerate(params):
        column = sample[:, j]
        if p.is_yearly:
            inputs[p.key] = np.clip(inputs[p.key] * column[:, None], p.min, p.max)
        else:
            inputs[p.key] = column
    mix = inputs["smuggled_share_h200"] + inputs["smuggled_share_b200"]
    inputs["smuggled_share_h200"] = inputs["smuggled_share_h200"] / np.maximum(mix, 1)
    inputs["smuggled_share_b200"] = inputs["smuggled_share_b200"] / np.maximum(mix, 1)
    n_months = n_months_for(values["horizon_year"])
    series = METRICS[metric][2] if metric in METRICS else metric
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
