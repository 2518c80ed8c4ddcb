"""Uncertainty: Monte Carlo fans, probability statements, tornado, Sobol indices, goal-seek.

All of it runs through the core's batch path (`model.simulate` on a leading batch axis).
Monte Carlo holds the user's policy levers fixed and draws the assumptions from the
distributions declared in data/parameters.yaml, centred on the scenario's current values,
with the declared correlations applied through a Gaussian copula.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from .model import n_months_for, simulate
from .params import FIRST_YEAR, YEARS, Parameter, Scenario, registry, stack_values
from .runs import METRICS, months_index

PERCENTILES = (5, 25, 50, 75, 95)
MAX_DRAWS = 100_000
CHUNK = 2_500  # draws simulated at once: bounds peak memory (~160 MiB per chunk)
FAN_SERIES = ("china_total", "china_effective", "ratio", "effective_ratio", "race_gap_months",
              "us_total")


def uncertain_parameters() -> list[Parameter]:
    return [p for p in registry() if p.is_uncertain and p.distribution is not None]


def _correlated_uniforms(keys: list[str], n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, len(keys)) uniforms whose normal scores carry the declared correlations."""
    corr = np.eye(len(keys))
    index = {k: i for i, k in enumerate(keys)}
    for c in registry().correlations:
        a, b = c.between
        if a in index and b in index:
            corr[index[a], index[b]] = corr[index[b], index[a]] = c.rho
    normals = rng.standard_normal((n, len(keys))) @ np.linalg.cholesky(corr).T
    return ndtr(normals)


def _quantile(p: Parameter, current, u: np.ndarray, spread: float) -> np.ndarray:
    """Inverse CDF of p's distribution at uniforms u (n,), around the current value.
    spread scales every range (0 = no uncertainty). Returns (n,) or (n, years)."""
    d = p.distribution
    current = np.asarray(current, dtype=float)
    if d.dist == "choice":
        cumulative = np.cumsum(d.weights)
        picked = np.asarray(d.values)[np.minimum(np.searchsorted(cumulative, u),
                                                 len(d.values) - 1)]
        # the sources' alternatives, shifted by however far the user moved the value
        value = current + spread * (picked - p.default)
    elif d.is_factor:
        low, high = 1 + spread * (d.low - 1), 1 + spread * (d.high - 1)
        if d.dist == "lognormal_factor":
            # low..high is the 90% interval of a lognormal factor (median at its geometric mean)
            mu = (np.log(low) + np.log(high)) / 2
            sigma = (np.log(high) - np.log(low)) / (2 * 1.6448536269514722)
            factor = np.exp(mu + sigma * ndtri(np.clip(u, 1e-12, 1 - 1e-12)))
        elif d.dist == "uniform_factor":
            factor = low + u * (high - low)
        else:
            factor = _triangular(u, low, 1.0, high)
        value = (current[None, ...] * factor.reshape((-1,) + (1,) * current.ndim)
                 if current.ndim else current * factor)
    else:
        low = current - spread * (current - min(p.low, current))
        high = current + spread * (max(p.high, current) - current)
        value = low + u * (high - low) if d.dist == "uniform" else _triangular(u, low, current,
                                                                               high)
    value = np.clip(value, p.min, p.max)
    return np.round(value) if p.kind == "integer" else value


def _triangular(u, low, mode, high):
    width = high - low
    if np.all(width == 0):
        return np.full_like(u, mode, dtype=float)
    split = (mode - low) / width
    left = low + np.sqrt(u * width * (mode - low))
    right = high - np.sqrt((1 - u) * width * (high - mode))
    return np.where(u < split, left, right)


def draw_inputs(scenario: Scenario, n: int, seed: int = 0, spread: float = 1.0
                ) -> dict[str, np.ndarray]:
    """n parameter sets: the scenario's policy levers, assumptions drawn (batch inputs)."""
    if not 1 <= n <= MAX_DRAWS:
        raise ValueError(f"draws must be between 1 and {MAX_DRAWS:,}")
    values = scenario.values()
    base = stack_values([values])
    inputs = {k: np.repeat(v, n, axis=0) for k, v in base.items()}
    params = uncertain_parameters()
    rng = np.random.default_rng(seed)
    uniforms = _correlated_uniforms([p.key for p in params], n, rng)
    for j, p in enumerate(params):
        inputs[p.key] = _quantile(p, values[p.key], uniforms[:, j], spread)
    # the smuggled mix must stay a mix
    total = inputs["smuggled_share_h200"] + inputs["smuggled_share_b200"]
    scale = np.maximum(total, 1.0)
    inputs["smuggled_share_h200"] = inputs["smuggled_share_h200"] / scale
    inputs["smuggled_share_b200"] = inputs["smuggled_share_b200"] / scale
    return inputs


@dataclass(frozen=True)
class MonteCarlo:
    scenario: Scenario
    draws: int
    seed: int
    months: pd.DatetimeIndex
    samples: dict[str, np.ndarray]  # series -> (draws, months), read-only

    def percentiles(self, series: str) -> pd.DataFrame:
        values = np.percentile(self.samples[series], PERCENTILES, axis=0)
        return pd.DataFrame(values.T, index=self.months, columns=[f"p{q}" for q in PERCENTILES])

    def at(self, series: str, year: int) -> np.ndarray:
        return self.samples[series][:, min((year - FIRST_YEAR) * 12 + 11, len(self.months) - 1)]

    def probability(self, series: str, year: int, threshold: float, above: bool = True) -> float:
        values = self.at(series, year)
        return float(np.mean(values > threshold if above else values < threshold))


@lru_cache(maxsize=4)  # an entry holds every draw's path: 100,000 draws take ~260 MB
def monte_carlo(scenario: Scenario, draws: int = 2000, seed: int = 0, spread: float = 1.0,
                series: tuple[str, ...] = FAN_SERIES) -> MonteCarlo:
    """Seeded, reproducible Monte Carlo of `draws` assumption sets (memoized)."""
    inputs = draw_inputs(scenario, draws, seed, spread)
    n_months = n_months_for(scenario.values()["horizon_year"])
    samples = {name: np.empty((draws, n_months)) for name in series}
    for start in range(0, draws, CHUNK):
        chunk = {k: v[start:start + CHUNK] for k, v in inputs.items()}
        out = simulate(chunk, n_months, detail=False)
        for name in series:
            samples[name][start:start + CHUNK] = out[name]
    for array in samples.values():
        array.setflags(write=False)
    return MonteCarlo(scenario, draws, seed, months_index(n_months), samples)


# ---------------------------------------------------------------------------------------------
# One-at-a-time sensitivity (tornado)


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
    index = min((year - FIRST_YEAR) * 12 + 11, out[series].shape[1] - 1)
    result = out[series][:, index]
    frame = pd.DataFrame(rows)
    frame["output_low"] = result[1::2]
    frame["output_high"] = result[2::2]
    frame["swing"] = (frame["output_high"] - frame["output_low"]).abs()
    frame.attrs.update(base=float(result[0]), metric=metric, year=year)
    return frame.sort_values("swing", ascending=False, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Global sensitivity (Sobol, with SALib)


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
    index = min((year - FIRST_YEAR) * 12 + 11, n_months - 1)
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


# ---------------------------------------------------------------------------------------------
# Goal-seek


@dataclass(frozen=True)
class GoalSeek:
    lever: str
    metric: str
    year: int
    target: float
    value: float | None  # lever value that reaches the target, or None
    achieved: float | None
    message: str
    reach: tuple[float, float] | None = None  # not reachable: the metric's range over the lever


def goal_seek(scenario: Scenario, lever: str, metric: str, year: int, target: float,
              from_year: int = 2026, points: int = 33, rounds: int = 4) -> GoalSeek:
    """The value of `lever` (for yearly levers: every year from `from_year`) at which `metric`
    in December of `year` reaches `target`: a bracketed search, each round one batch."""
    p = registry()[lever]
    if p.kind == "boolean" or lever == "horizon_year":
        raise ValueError(f"{lever} cannot be goal-sought")
    values = scenario.values()
    series = METRICS[metric][2] if metric in METRICS else metric
    label = METRICS[metric][0] if metric in METRICS else metric
    n_months = n_months_for(values["horizon_year"])
    index = min((year - FIRST_YEAR) * 12 + 11, n_months - 1)

    def evaluate(xs: np.ndarray) -> np.ndarray:
        batch = []
        for x in xs:
            if p.is_yearly:
                per_year = tuple(float(x) if y >= from_year else v
                                 for y, v in zip(YEARS, values[lever], strict=True))
                batch.append(values | {lever: per_year})
            else:
                batch.append(values | {lever: float(x)})
        return simulate(stack_values(batch), n_months, detail=False)[series][:, index] - target

    low, high = p.min, p.max
    for _ in range(rounds):
        xs = np.linspace(low, high, points)
        gap = evaluate(xs)
        exact = np.flatnonzero(gap == 0)
        crossing = np.flatnonzero(np.sign(gap[:-1]) * np.sign(gap[1:]) < 0)
        if exact.size:
            low = high = xs[exact[0]]
            break
        if not crossing.size:
            if _ == 0:
                reach = gap + target
                return GoalSeek(lever, metric, year, target, None, None,
                                f"not reachable in range: with {p.label} from {p.min:g} to "
                                f"{p.max:g} {p.unit}, {label} in {year} runs from "
                                f"{reach.min():.4g} to {reach.max():.4g}",
                                (float(reach.min()), float(reach.max())))
            break
        low, high = xs[crossing[0]], xs[crossing[0] + 1]
    # final linear interpolation inside the bracket
    g_low, g_high = evaluate(np.array([low, high]))
    value = low if g_high == g_low else low - g_low * (high - low) / (g_high - g_low)
    if p.kind == "integer":
        value = float(round(value))
    achieved = float(evaluate(np.array([value]))[0] + target)
    return GoalSeek(lever, metric, year, target, float(value), achieved,
                    f"{p.label} = {value:,.4g} {p.unit} gives {label} = {achieved:,.4g} in {year}")
