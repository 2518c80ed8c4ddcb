"""What export controls are worth, as a range: the scenario and its no-controls counterfactual
run on the same Monte Carlo draws (policy levers held, assumptions drawn, China's no-controls
share of Nvidia output among them), so every "with no controls" figure and the value of
controls come with a 5-95% range rather than resting on one number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.analysis.montecarlo import draw_inputs
from lib.core.calendar import FIRST_YEAR, december, n_months_for
from lib.core.memo import memo
from lib.core.model import simulate
from lib.core.registry import registry
from lib.core.scenario import Scenario

SERIES = ("china_total", "us_total", "ratio", "race_gap_months", "capability_lag_months")
RANGE = (5, 50, 95)  # percentiles reported
DRAWS = 300  # ~65 ms a new scenario; the 5% and 95% ends move ~10% between seeds, as at 500


@dataclass(frozen=True)
class ControlsRange:
    draws: int
    years: tuple[int, ...]
    no_controls: dict[str, np.ndarray]  # series -> (years, 3): p5, p50, p95 without controls
    value: dict[str, np.ndarray]  # series -> (years, 3): scenario minus no controls, per draw

    def at(self, table: dict[str, np.ndarray], series: str, year: int) -> np.ndarray:
        return table[series][year_index(self.years, year)]


def year_index(years: tuple[int, ...], year: int) -> int:
    """The row of `year` in a per-year table over `years` (clamped to its first and last)."""
    return min(max(year, years[0]), years[-1]) - years[0]


def paired_decembers(first: dict[str, np.ndarray], second: dict[str, np.ndarray],
                     n_months: int) -> tuple[tuple[int, ...], dict[str, tuple]]:
    """Two batches of equal size (the same draws, some parameters set otherwise) run as one:
    (years, series -> (first's, second's) values at every December, each (draws, years))."""
    batch = {k: np.concatenate([first[k], second[k]]) for k in first}
    out = simulate(batch, n_months, detail=False, keep=SERIES)
    years = tuple(range(FIRST_YEAR, FIRST_YEAR + n_months // 12))
    index = [december(year, n_months) for year in years]
    draws = len(next(iter(first.values())))
    return years, {series: (out[series][:draws, index], out[series][draws:, index])
                   for series in SERIES}


def _controls_range(scenario: Scenario, draws: int, seed: int) -> ControlsRange:
    inputs = draw_inputs(scenario, draws, seed)
    free = dict(inputs, no_export_controls=np.ones(draws))
    n_months = n_months_for(scenario.values()[registry().horizon.key])
    years, paired = paired_decembers(inputs, free, n_months)
    no_controls, value = {}, {}
    for series, (with_controls, without) in paired.items():
        no_controls[series] = np.percentile(without, RANGE, axis=0).T
        value[series] = np.percentile(with_controls - without, RANGE, axis=0).T
    return ControlsRange(draws, years, no_controls, value)


_cached = memo(16)(_controls_range)


def controls_range(scenario: Scenario, draws: int = DRAWS, seed: int = 0) -> ControlsRange:
    """The no-controls figures and the value of controls as 5/50/95th percentiles by year
    (memoized on the scenario)."""
    return _cached(scenario, int(draws), int(seed))
