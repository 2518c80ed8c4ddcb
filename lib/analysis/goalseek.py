"""Goal-seek: the lever value at which an output reaches a target (bracketed batch search).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.core.calendar import YEARS, december, n_months_for
from lib.core.memo import memo
from lib.core.model import simulate
from lib.core.outputs import OUTPUTS
from lib.core.registry import registry
from lib.core.scenario import Scenario, stack_values


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


@memo(64)
def goal_seek(scenario: Scenario, lever: str, metric: str, year: int, target: float,
              from_year: int = 2026, points: int = 33, rounds: int = 4) -> GoalSeek:
    """The value of `lever` (for yearly levers: every year from `from_year`) at which `metric`
    in December of `year` reaches `target`: a bracketed search, each round one batch."""
    p = registry()[lever]
    if p.kind == "boolean" or p.role is not None:
        raise ValueError(f"{lever} cannot be goal-sought (a switch or a setting)")
    values = scenario.values()
    label = OUTPUTS[metric].label if metric in OUTPUTS else metric
    n_months = n_months_for(values[registry().horizon.key])
    index = december(year, n_months)

    def evaluate(xs: np.ndarray) -> np.ndarray:
        batch = []
        for x in xs:
            if p.is_yearly:
                per_year = tuple(float(x) if y >= from_year else v
                                 for y, v in zip(YEARS, values[lever], strict=True))
                batch.append(values | {lever: per_year})
            else:
                batch.append(values | {lever: float(x)})
        return simulate(stack_values(batch), n_months, detail=False)[metric][:, index] - target

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
