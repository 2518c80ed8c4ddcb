"""Monte Carlo: the scenario's policy levers held, assumptions drawn from the distributions
declared in data/parameters.yaml around the scenario's values (lib/core/variation.py: the
same ranges as the tornado and Sobol), with the declared correlations applied through a
Gaussian copula and the declared constraints by projection; all draws through the core's
batch path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from lib.core.calendar import FIRST_YEAR, december, months_index, n_months_for
from lib.core.memo import memo
from lib.core.model import simulate
from lib.core.registry import Parameter, registry
from lib.core.scenario import Scenario, stack_values
from lib.core.variation import quantile, settle

PERCENTILES = (5, 25, 50, 75, 95)


MAX_DRAWS = 100_000


CHUNK = 2_500  # draws simulated at once: bounds peak memory (~160 MiB per chunk)


FAN_SERIES = ("china_total", "china_effective", "ratio", "effective_ratio", "race_gap_months",
              "capability_lag_months",
              "us_total")


def uncertain_parameters() -> list[Parameter]:
    return [p for p in registry() if p.is_uncertain]


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
        current = np.asarray(values[p.key], dtype=float)
        drawn = quantile(p, values[p.key], uniforms[:, j])
        # spread < 1 pulls every draw toward the scenario's value (0: no uncertainty)
        inputs[p.key] = settle(p, current + spread * (drawn - current))
    return registry().project(inputs)


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
        return self.samples[series][:, december(year, len(self.months))]

    def probability(self, series: str, year: int, threshold: float, above: bool = True) -> float:
        values = self.at(series, year)
        return float(np.mean(values > threshold if above else values < threshold))


def monte_carlo(scenario: Scenario, draws: int = 2000, seed: int = 0, spread: float = 1.0,
                series: tuple[str, ...] = FAN_SERIES) -> MonteCarlo:
    """Seeded, reproducible Monte Carlo of `draws` assumption sets."""
    inputs = draw_inputs(scenario, draws, seed, spread)
    n_months = n_months_for(scenario.values()[registry().horizon.key])
    samples = {name: np.empty((draws, n_months)) for name in series}
    for start in range(0, draws, CHUNK):
        chunk = {k: v[start:start + CHUNK] for k, v in inputs.items()}
        out = simulate(chunk, n_months, detail=False, keep=tuple(series))
        for name in series:
            samples[name][start:start + CHUNK] = out[name]
    for array in samples.values():
        array.setflags(write=False)
    return MonteCarlo(scenario, draws, seed, months_index(n_months), samples)


SUMMARY_SERIES = ("china_total", "ratio", "race_gap_months", "capability_lag_months")


@dataclass(frozen=True)
class Summary:
    """What the pages draw from one Monte Carlo run, small enough to cache: the monthly
    percentiles of each fan series and every draw's December value in each year."""

    draws: int
    seed: int
    fans: dict[str, pd.DataFrame]  # series -> monthly p5, p25, p50, p75, p95
    december: dict[str, np.ndarray]  # series -> (years, draws)
    years: tuple[int, ...]

    def values(self, series: str, year: int) -> np.ndarray:
        """Every draw's value in December of `year` (or the last year), as MonteCarlo.at."""
        return self.december[series][min(max(year, self.years[0]), self.years[-1])
                                      - self.years[0]]

    def probability(self, series: str, year: int, threshold: float, above: bool = True
                    ) -> float:
        values = self.values(series, year)
        return float(np.mean(values > threshold if above else values < threshold))


def _summary(scenario: Scenario, draws: int, seed: int) -> Summary:
    mc = monte_carlo(scenario, draws, seed, 1.0, SUMMARY_SERIES)
    years = tuple(range(FIRST_YEAR, int(mc.months[-1].year) + 1))
    fans = {}
    for series in SUMMARY_SERIES:
        frame = mc.percentiles(series)
        frame.index.name = "month"
        fans[series] = frame
    december = {s: np.stack([mc.at(s, year) for year in years]) for s in SUMMARY_SERIES}
    return Summary(draws, seed, fans, december, years)


_summary_small = memo(24)(_summary)
_summary_large = memo(2)(_summary)  # more than 10,000 draws: up to ~22 MB an entry


def summary(scenario: Scenario, draws: int = 2000, seed: int = 0) -> Summary:
    """Monte Carlo of the scenario (levers held, assumptions drawn), reduced to what the pages
    draw and memoized as such: every draw's monthly path is never kept."""
    cached = _summary_small if draws <= 10_000 else _summary_large
    return cached(scenario, int(draws), int(seed))
