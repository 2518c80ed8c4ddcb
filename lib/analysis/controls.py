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
        return table[series][min(max(year, self.years[0]), self.years[-1]) - self.years[0]]


def _controls_range(scenario: Scenario, draws: int, seed: int) -> ControlsRange:
    inputs = draw_inputs(scenario, draws, seed)
    free = dict(inputs, no_export_controls=np.ones(draws))
    batch = {k: np.concatenate([inputs[k], free[k]]) for k in inputs}
    n_months = n_months_for(scenario.values()[registry().horizon.key])
    out = simulate(batch, n_months, detail=False, keep=SERIES)
    years = tuple(range(FIRST_YEAR, FIRST_YEAR + n_months // 12))
    index = [december(year, n_months) for year in years]
    no_controls, value = {}, {}
    for series in SERIES:
        at_years = out[series][:, index]  # (2 draws, years)
        with_controls, without = at_years[:draws], at_years[draws:]
        no_controls[series] = np.percentile(without, RANGE, axis=0).T
        value[series] = np.percentile(with_controls - without, RANGE, axis=0).T
    return ControlsRange(draws, years, no_controls, value)


_cached = memo(16)(_controls_range)


def controls_range(scenario: Scenario, draws: int = DRAWS, seed: int = 0) -> ControlsRange:
    """The no-controls figures and the value of controls as 5/50/95th percentiles by year
    (memoized on the scenario)."""
    return _cached(scenario, int(draws), int(seed))
