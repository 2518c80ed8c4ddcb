"""A scenario against a baseline, with its policy apart from its assumptions.

The total change from the baseline splits exactly in two:
- assumptions: the baseline re-run under the scenario's assumptions (its "twin": the baseline's
  policy levers, the scenario's assumption values) minus the baseline;
- policy: the scenario minus that twin, i.e. what the scenario's policy levers do in the world
  it assumes.
The policy effect also gets a 5-95% range: the scenario and its twin run on the same Monte
Carlo draws of the assumptions, so the range is what the levers do across plausible worlds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lib.analysis.attribution import attribute
from lib.analysis.controls import DRAWS, RANGE, SERIES, paired_decembers, year_index
from lib.analysis.montecarlo import draw_inputs
from lib.core.calendar import FIRST_YEAR, n_months_for
from lib.core.memo import memo
from lib.core.registry import registry
from lib.core.runs import run
from lib.core.scenario import Scenario, stack_values

DEFAULT_BASELINE = "status_quo"  # the preset changes are measured against unless one is chosen
KINDS = ("policy", "assumption")
KIND_LABELS = {"policy": "Policy", "assumption": "Assumptions"}


def kind_of(key: str) -> str:
    """'policy' or 'assumption': the declared kind of the parameter's group."""
    return registry()[key].group.kind


def _same(a: Any, b: Any) -> bool:
    return tuple(np.atleast_1d(a)) == tuple(np.atleast_1d(b))


def changes(scenario: Scenario, baseline: Scenario) -> dict[str, list[str]]:
    """The parameters whose values differ from the baseline's, by kind (declaration order)."""
    mine, theirs = scenario.values(), baseline.values()
    out: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for parameter in registry():
        if not _same(mine[parameter.key], theirs[parameter.key]):
            out[parameter.group.kind].append(parameter.key)
    return out


def from_values(values: dict[str, Any], preset: str) -> Scenario:
    """A scenario on `preset` whose resolved values are `values` (only differences kept)."""
    base = Scenario.build(preset).values()
    overrides = {k: (dict(enumerate(v, FIRST_YEAR)) if registry()[k].is_yearly else v)
                 for k, v in values.items() if not _same(v, base[k])}
    return Scenario.build(preset, overrides)


def twin(scenario: Scenario, baseline: Scenario) -> Scenario:
    """The baseline under the scenario's assumptions: the baseline's policy levers, the
    scenario's assumption values."""
    mine, theirs = scenario.values(), baseline.values()
    values = {k: (theirs[k] if kind_of(k) == "policy" else mine[k]) for k in mine}
    return from_values(values, baseline.preset)


@dataclass(frozen=True)
class Split:
    """One metric at one year: baseline, scenario, and the change split by kind."""
    metric: str
    year: int
    baseline: float
    scenario: float
    policy: float
    assumptions: float
    policy_range: tuple[float, float, float] | None  # p5, p50, p95 of the policy effect

    @property
    def total(self) -> float:
        return self.scenario - self.baseline


def split(scenario: Scenario, baseline: Scenario, metric: str, year: int,
          with_range: bool = True) -> Split:
    """The change in `metric` at December of `year` from `baseline` to `scenario`, split into
    its policy and assumption parts (they sum to the total exactly)."""
    scenario_value = run(scenario).value(metric, year)
    baseline_value = run(baseline).value(metric, year)
    twin_value = run(twin(scenario, baseline)).value(metric, year)
    policy_range = None
    if with_range and metric in SERIES:
        policy_range = tuple(float(v) for v in policy_ranges(scenario, baseline).at(metric, year))
    return Split(metric, year, baseline_value, scenario_value, scenario_value - twin_value,
                 twin_value - baseline_value, policy_range)


@dataclass(frozen=True)
class PolicyRange:
    draws: int
    years: tuple[int, ...]
    effect: dict[str, np.ndarray]  # series -> (years, 3): scenario minus twin, per draw

    def at(self, series: str, year: int) -> np.ndarray:
        return self.effect[series][year_index(self.years, year)]


@memo(16)
def _policy_ranges(scenario: Scenario, baseline: Scenario, draws: int, seed: int
                   ) -> PolicyRange:
    inputs = draw_inputs(scenario, draws, seed)
    held = stack_values([twin(scenario, baseline).values()])
    # the twin shares every drawn assumption; only the policy levers go back to the baseline's
    twin_inputs = dict(inputs)
    for key in changes(scenario, baseline)["policy"]:
        twin_inputs[key] = np.repeat(held[key], draws, axis=0)
    n_months = n_months_for(scenario.values()[registry().horizon.key])
    years, paired = paired_decembers(inputs, registry().project(twin_inputs), n_months)
    effect = {series: np.percentile(mine - theirs, RANGE, axis=0).T
              for series, (mine, theirs) in paired.items()}
    return PolicyRange(draws, years, effect)


def policy_ranges(scenario: Scenario, baseline: Scenario, draws: int = DRAWS,
                  seed: int = 0) -> PolicyRange:
    """The policy effect (scenario minus its twin) as 5/50/95th percentiles by year, over
    shared draws of the assumptions (memoized on the pair)."""
    return _policy_ranges(scenario, baseline, int(draws), int(seed))


def attribute_by_kind(scenario: Scenario, baseline: Scenario, metric: str = "race_gap_months",
                      year: int = 2030) -> pd.DataFrame:
    """The change from baseline to scenario in two exact stages, each split among lever groups
    (Shapley): the changed assumptions (baseline -> twin), then the policy levers (twin ->
    scenario). Rows carry their kind; the stages sum to the total."""
    middle = twin(scenario, baseline)
    stages = []
    for kind, start, end in (("assumption", baseline, middle), ("policy", middle, scenario)):
        frame = attribute(end, start, metric, year).copy()
        frame.insert(0, "kind", kind)
        frame["label"] = [f"{KIND_LABELS[kind]}: {label}" for label in frame["label"]]
        stages.append(frame)
    out = pd.concat([s for s in stages if len(s)] or stages[:1], ignore_index=True)
    out.attrs.update(metric=metric, year=year, baseline=stages[0].attrs["baseline"],
                     scenario=stages[1].attrs["scenario"])
    return out
