"""The arguments about export controls (data/arguments.yaml), read strictly, and what the model
says about each: the effect of the argument's policy comparison on its outputs with the
argument's mechanism on and off, as the central run and as a 5-95% range over Monte Carlo draws.

All four runs (with and without the policy, mechanism on and off) share the same draws and go
through one `simulate` call, like lib/analysis/controls.py; the central rows (the scenario's own
values, no draws) ride in the same batch.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lib.analysis.montecarlo import draw_inputs
from lib.core.calendar import FIRST_YEAR, YEARS, december, months_index, n_months_for
from lib.core.data import DataError, data_folder, load_yaml
from lib.core.mechanisms import MECHANISMS
from lib.core.memo import memo
from lib.core.model import simulate
from lib.core.outputs import OUTPUTS
from lib.core.registry import brief_repr, expand_steps, registry
from lib.core.scenario import Scenario, presets, stack_values

FILE = "arguments.yaml"
SECTIONS = {"seeds", "arguments"}
FIELDS = ("id", "name", "claim", "question", "seed", "mechanism", "policy", "with_policy",
          "without_policy", "metric", "also", "lever", "evidence_for", "evidence_against")
TEXT_LIMITS = {"name": 18, "claim": 110, "question": 80, "policy": 60}  # characters
EVIDENCE_FIELDS = ("fact", "source", "date")
FACT_LIMIT = 160
MAX_EVIDENCE = 3
MAX_ALSO = 2
ID = re.compile(r"[a-z][a-z0-9_]*\Z")
DATE = re.compile(r"\d{4}-\d{2}(-\d{2})?\Z")

RANGE = (5, 50, 95)  # percentiles reported
DRAWS = 200
# the four runs, in batch order: (with the policy?, mechanism on?)
RUNS = (("with_on", True, True), ("with_off", True, False),
        ("without_on", False, True), ("without_off", False, False))


@dataclass(frozen=True)
class Evidence:
    fact: str
    source: str
    date: str  # YYYY-MM-DD or YYYY-MM


@dataclass(frozen=True)
class Side:
    """One side of a policy comparison: overrides of the analyst's scenario, yearly ones as
    dated ((year, value), ...) steps, each holding until the next (as in data/presets.yaml)."""

    overrides: tuple[tuple[str, Any], ...]
    preset: str | None = None  # the preset whose overrides these are, if given as one

    def keys(self) -> set[str]:
        return {key for key, _ in self.overrides}


@dataclass(frozen=True)
class Argument:
    id: str
    name: str
    claim: str
    question: str
    seed: str
    seed_text: str  # the seed document, one line
    mechanism: str  # lib/core/mechanisms.py id
    policy: str
    with_policy: Side
    without_policy: Side
    metric: str
    also: tuple[str, ...]
    lever: str
    evidence_for: tuple[Evidence, ...]
    evidence_against: tuple[Evidence, ...]

    @property
    def outputs(self) -> tuple[str, ...]:
        return (self.metric, *self.also)


# -- the strict loader --------------------------------------------------------------------------

def _text(value: Any, limit: int | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected text, got {brief_repr(value)}")
    if limit is not None and len(value) > limit:
        raise ValueError(f"{len(value)} characters, at most {limit}")
    return value.strip()


def _output(value: Any) -> str:
    if not isinstance(value, str) or value not in OUTPUTS or OUTPUTS[value].derived:
        raise ValueError(f"unknown output {brief_repr(value)} (a model series of "
                         "lib/core/outputs.py)")
    return value


def _side(value: Any) -> Side:
    if not isinstance(value, Mapping):
        raise ValueError("expected a mapping of parameter to value, or {preset: NAME}")
    if "preset" in value:
        name = value["preset"]
        if len(value) != 1:
            raise ValueError("{preset: NAME} takes no other keys")
        if not isinstance(name, str) or name not in presets():
            raise ValueError(f"unknown preset {brief_repr(name)}; choose one of "
                             f"{', '.join(presets())}")
        return Side(presets()[name].overrides, name)
    clean = {}
    for key, raw in value.items():
        if not isinstance(key, str) or key not in registry().parameters:
            raise ValueError(f"unknown parameter {brief_repr(key)}")
        try:
            clean[key] = registry()[key].check_override(raw)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
    return Side(tuple(sorted(clean.items())))


def _date(value: Any) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else value
    if not isinstance(text, str) or not DATE.match(text):
        raise ValueError(f"date {brief_repr(value)} is not YYYY-MM-DD or YYYY-MM")
    dt.date.fromisoformat(text if len(text) == 10 else f"{text}-01")  # a real date
    return text


def _evidence(value: Any) -> tuple[Evidence, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_EVIDENCE:
        raise ValueError(f"expected a list of 1-{MAX_EVIDENCE} items {{fact, source, date}}")
    items = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, Mapping) or set(item) != set(EVIDENCE_FIELDS):
            raise ValueError(f"item {number}: needs exactly fact, source, date")
        try:
            items.append(Evidence(_text(item["fact"], FACT_LIMIT), _text(item["source"]),
                                  _date(item["date"])))
        except ValueError as exc:
            raise ValueError(f"item {number}: {exc}") from None
    return tuple(items)


def _also(value: Any, metric: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_ALSO:
        raise ValueError(f"expected a list of at most {MAX_ALSO} outputs")
    also = tuple(_output(v) for v in value)
    if len(set(also)) != len(also) or metric in also:
        raise ValueError("lists an output twice (or the metric)")
    return also


def _argument(spec: Mapping, seeds: Mapping[str, str], where: str) -> Argument:
    def field(name, check):
        try:
            return check(spec[name])
        except ValueError as exc:
            raise DataError(f"{where}, field {name}: {exc}") from None

    def choice(options, what):
        def check(value):
            if not isinstance(value, str) or value not in options:
                raise ValueError(f"unknown {what} {brief_repr(value)}")
            return value
        return check

    texts = {name: field(name, lambda v, n=name: _text(v, TEXT_LIMITS.get(n)))
             for name in ("name", "claim", "question", "policy")}
    seed = field("seed", choice(seeds, "seed (not in the seeds section)"))
    with_policy, without_policy = field("with_policy", _side), field("without_policy", _side)
    if with_policy.overrides == without_policy.overrides:
        raise DataError(f"{where}, field without_policy: the same as with_policy")
    metric = field("metric", _output)
    return Argument(
        spec["id"], **texts, seed=seed, seed_text=seeds[seed],
        mechanism=field("mechanism", choice(MECHANISMS, "mechanism")),
        with_policy=with_policy, without_policy=without_policy, metric=metric,
        also=field("also", lambda v: _also(v, metric)),
        lever=field("lever", choice(registry().parameters, "parameter")),
        evidence_for=field("evidence_for", _evidence),
        evidence_against=field("evidence_against", _evidence))


def load_arguments(path: Path | None = None) -> dict[str, Argument]:
    """Read and check data/arguments.yaml (or `path`): DataError names the file, the argument
    and the field of the first problem."""
    path = Path(path or data_folder() / FILE)
    name = path.name
    document = load_yaml(path)
    if not isinstance(document, dict) or set(document) != SECTIONS:
        raise DataError(f"{name}: expected exactly the sections {', '.join(sorted(SECTIONS))}")
    seeds = document["seeds"]
    if not isinstance(seeds, dict) or not seeds or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in seeds.items()):
        raise DataError(f"{name}, seeds: expected a mapping of seed number (quoted) to text")
    items = document["arguments"]
    if not isinstance(items, list) or not items:
        raise DataError(f"{name}, arguments: expected a list of arguments")
    out: dict[str, Argument] = {}
    for number, spec in enumerate(items, start=1):
        if not isinstance(spec, dict):
            raise DataError(f"{name}, argument {number}: expected a mapping of fields")
        label = spec.get("id")
        where = f"{name}, argument {label if isinstance(label, str) else number}"
        missing = [f for f in FIELDS if f not in spec]
        if missing:
            raise DataError(f"{where}, field {missing[0]}: missing")
        unknown = [str(f) for f in spec if f not in FIELDS]
        if unknown:
            raise DataError(f"{where}, field {unknown[0]}: unknown field (allowed: "
                            f"{', '.join(FIELDS)})")
        if not isinstance(label, str) or not ID.match(label):
            raise DataError(f"{where}, field id: expected a snake_case identifier")
        if label in out:
            raise DataError(f"{where}, field id: given twice")
        out[label] = _argument(spec, seeds, where)
    return out


@cache
def arguments() -> dict[str, Argument]:
    """The arguments of the data folder in use, by id (read once)."""
    return load_arguments()


def argument(argument_id: str) -> Argument:
    found = arguments().get(argument_id)
    if found is None:
        raise ValueError(f"unknown argument {brief_repr(argument_id)}; choose one of "
                         f"{', '.join(arguments())}")
    return found


# -- applying a side to a scenario ---------------------------------------------------------------

def apply_side(inputs: dict[str, np.ndarray], side: Side) -> dict[str, np.ndarray]:
    """Batch inputs with a side's overrides: scalars set on every row; yearly values set from
    each listed year until the next, earlier years kept row by row."""
    out = dict(inputs)
    for key, value in side.overrides:
        if registry()[key].is_yearly:  # years before the first listed keep each row's own
            listed = np.array(expand_steps(dict(value), before=(np.nan,) * len(YEARS)))
            out[key] = np.where(np.isnan(listed), inputs[key], listed)
        else:
            out[key] = np.full(len(inputs[key]), float(value))
    return out


def side_values(scenario: Scenario, side: Side) -> dict[str, np.ndarray]:
    """One side of the comparison on the scenario's own values, as a batch of one."""
    return apply_side(stack_values([scenario.values()]), side)


# -- the effect --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArgumentEffect:
    """What the model says about one argument under one scenario. The policy's effect on an
    output is output(with the policy) - output(without it), in December of each year."""

    argument: Argument
    draws: int
    seed: int
    years: tuple[int, ...]
    central: dict[str, np.ndarray]  # output -> (years, 2): the effect, mechanism on / off
    ranges: dict[str, np.ndarray]  # output -> (years, 2, 3): on / off x p5, p50, p95
    opposite: dict[str, np.ndarray]  # output -> (years,): share of draws where the effect
    # with the mechanism on has the opposite sign to the effect with it off
    months: pd.DatetimeIndex
    paths: dict[str, np.ndarray]  # RUNS name -> (months,): the metric in the central runs
    same_sides: bool  # the two sides are the same scenario here: every effect is 0

    def row(self, year: int) -> int:
        return min(max(year, self.years[0]), self.years[-1]) - self.years[0]

    def effect(self, output: str, year: int, on: bool = True) -> float:
        return float(self.central[output][self.row(year), 0 if on else 1])

    def effect_range(self, output: str, year: int, on: bool = True) -> tuple[float, ...]:
        """(p5, p50, p95) of the effect over the draws."""
        return tuple(float(v) for v in self.ranges[output][self.row(year), 0 if on else 1])

    def opposite_share(self, output: str, year: int) -> float:
        return float(self.opposite[output][self.row(year)])


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return array


def _argument_effect(scenario: Scenario, argument_id: str, draws: int, seed: int
                     ) -> ArgumentEffect:
    chosen = argument(argument_id)
    switch = MECHANISMS[chosen.mechanism].switch
    values = scenario.values()
    central = stack_values([values])
    drawn = draw_inputs(scenario, draws, seed)
    rows = {k: np.concatenate([central[k], drawn[k]]) for k in central}  # row 0: central
    n_rows = 1 + draws
    batches = []
    for _, with_policy, on in RUNS:
        side = apply_side(rows, chosen.with_policy if with_policy else chosen.without_policy)
        side[switch] = np.full(n_rows, 1.0 if on else 0.0)
        batches.append(registry().project(side))
    batch = {k: np.concatenate([b[k] for b in batches]) for k in rows}
    n_months = n_months_for(values[registry().horizon.key])
    out = simulate(batch, n_months, detail=False,
                   keep=tuple(dict.fromkeys((*chosen.outputs, chosen.metric))))
    years = tuple(range(FIRST_YEAR, FIRST_YEAR + n_months // 12))
    index = [december(year, n_months) for year in years]
    effects, ranges, opposite = {}, {}, {}
    for name in chosen.outputs:
        at = out[name][:, index].reshape(len(RUNS), n_rows, len(years))
        on, off = at[0] - at[2], at[1] - at[3]  # with minus without: (rows, years)
        effects[name] = _frozen(np.stack([on[0], off[0]], axis=1))
        ranges[name] = _frozen(np.stack([np.percentile(on[1:], RANGE, axis=0).T,
                                         np.percentile(off[1:], RANGE, axis=0).T], axis=1))
        opposite[name] = _frozen(np.mean(on[1:] * off[1:] < 0, axis=0))
    paths = {name: _frozen(out[chosen.metric][i * n_rows]) for i, (name, *_) in enumerate(RUNS)}
    same = all(np.array_equal(batches[0][k][0], batches[2][k][0]) for k in rows)
    return ArgumentEffect(chosen, draws, seed, years, effects, ranges, opposite,
                          months_index(n_months), paths, same)


_cached = memo(32)(_argument_effect)


def argument_effect(scenario: Scenario, argument_id: str, draws: int = DRAWS, seed: int = 0
                    ) -> ArgumentEffect:
    """The argument's policy effect on its outputs by year, mechanism on and off: central and
    5/50/95th percentiles over `draws` Monte Carlo draws (memoized on the scenario)."""
    return _cached(scenario, str(argument_id), int(draws), int(seed))
