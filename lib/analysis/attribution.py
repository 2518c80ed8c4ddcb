"""Attribution of a difference between two scenarios to lever groups (exact Shapley values).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from lib.core.calendar import december
from lib.core.mechanisms import MECHANISMS, switches
from lib.core.memo import memo
from lib.core.outputs import LEVER_GROUPS
from lib.core.registry import LEVERS, registry
from lib.core.runs import run_values
from lib.core.scenario import Scenario


def lever_of(key: str) -> str:
    return registry()[key].group.lever


def _shapley(players: list[str], value: dict[tuple[int, ...], float]) -> list[float]:
    """Exact Shapley values of each player, given the value of every subset (0/1 tuples)."""
    n = len(players)
    out = []
    for j in range(n):
        contribution = 0.0
        for subset in value:
            if subset[j]:
                continue
            with_j = subset[:j] + (1,) + subset[j + 1:]
            size = sum(subset)
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            contribution += weight * (value[with_j] - value[subset])
        out.append(contribution)
    return out


def _aligned(scenario: Scenario, baseline: Scenario) -> tuple[dict, dict]:
    scenario_values, baseline_values = scenario.values(), baseline.values()
    horizon = registry().horizon.key
    baseline_values[horizon] = scenario_values[horizon]
    return scenario_values, baseline_values


@memo(64)
def attribute(scenario: Scenario, baseline: Scenario, metric: str = "race_gap_months",
              year: int = 2030) -> pd.DataFrame:
    """Split metric(scenario) - metric(baseline) at `year` among lever groups (exact Shapley
    values over the groups whose parameters differ, all subsets in one batch run)."""
    scenario_values, baseline_values = _aligned(scenario, baseline)
    horizon = registry().horizon.key
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
    contributions = _shapley(levers, value)
    frame = pd.DataFrame({"lever": levers, "label": [LEVER_GROUPS[g] for g in levers],
                          "contribution": contributions},
                         columns=["lever", "label", "contribution"])
    frame.attrs.update(metric=metric, year=year, baseline=value[(0,) * len(levers)],
                       scenario=value[(1,) * len(levers)])
    return frame


DIRECT = "Levers alone (no mechanisms)"


@memo(64)
def attribute_mechanisms(scenario: Scenario, baseline: Scenario,
                         metric: str = "race_gap_months", year: int = 2030) -> pd.DataFrame:
    """Split metric(scenario) - metric(baseline) at `year` into the change with every
    mechanism off (the levers alone) and each mechanism's exact Shapley share of the rest:
    the value of a set S of mechanisms is the change with only S left as each side has them."""
    scenario_values, baseline_values = _aligned(scenario, baseline)
    players = [m.id for m in MECHANISMS.values()
               if scenario_values[m.switch] or baseline_values[m.switch]]
    subsets = list(itertools.product((0, 1), repeat=len(players)))
    batch = []
    for subset in subsets:
        off = [m for m, on in zip(players, subset, strict=True) if not on]
        batch += [switches(scenario_values, off_ids=off), switches(baseline_values, off_ids=off)]
    out = run_values(batch)
    at_year = out[metric][:, december(year, out[metric].shape[1])]
    value = {subset: float(at_year[2 * i] - at_year[2 * i + 1])
             for i, subset in enumerate(subsets)}
    contributions = _shapley(players, value)
    none = (0,) * len(players)
    frame = pd.DataFrame({"mechanism": ["direct", *players],
                          "label": [DIRECT] + [MECHANISMS[m].label for m in players],
                          "contribution": [value[none], *contributions]})
    everything = (1,) * len(players)
    frame.attrs.update(metric=metric, year=year, baseline=float(at_year[2 * len(subsets) - 1]),
                       scenario=float(at_year[2 * len(subsets) - 2]),
                       total=value[everything])
    return frame
