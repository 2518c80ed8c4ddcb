"""The parts of a parameter declaration beyond its value, each with its strict reader: the
distribution it varies by, its declared directions of effect, and the correlations and
constraints between parameters (all in data/parameters.yaml; lib/core/registry.py reads it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from lib.core.calendar import YEARS
from lib.core.data import DataError
from lib.core.outputs import OUTPUTS

if TYPE_CHECKING:
    from lib.core.registry import Parameter

DISTRIBUTIONS = ("triangular", "uniform", "choice", "triangular_factor", "uniform_factor",
                 "lognormal_factor")


DIRECTIONS = ("raises", "lowers", "non_monotone")


def fmt_value(value: float) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:g}"


@dataclass(frozen=True)
class Distribution:
    """How a parameter varies in Monte Carlo and sensitivity runs (see parameters.yaml)."""

    dist: str
    low: float | None = None  # factor bounds for *_factor forms
    high: float | None = None
    values: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()

    @property
    def is_factor(self) -> bool:
        return self.dist.endswith("_factor")


@dataclass(frozen=True)
class Effect:
    """A declared direction: moving the parameter from low to high raises or lowers
    `output`, or does neither consistently (non_monotone, with the reason)."""

    output: str
    direction: str  # one of DIRECTIONS
    why: str = ""


@dataclass(frozen=True)
class Correlation:
    between: tuple[str, str]
    rho: float
    why: str


@dataclass(frozen=True)
class SumLimit:
    """Parameters whose values (each year, for yearly ones) may add up to at most `limit`."""

    keys: tuple[str, ...]
    limit: float
    why: str

    def violation(self, values: Mapping[str, Any], labels: Mapping[str, str]) -> str | None:
        """The first breach in one scenario's resolved values, as a sentence, or None."""
        total = sum(np.asarray(values[k], dtype=float) for k in self.keys)
        over = np.atleast_1d(total > self.limit + 1e-9)
        if not over.any():
            return None
        year = f" in {YEARS[int(np.argmax(over))]}" if np.ndim(total) else ""
        names = " and ".join(labels[k] for k in self.keys)
        return (f"{names} add up to more than {fmt_value(self.limit)}{year} "
                f"({float(np.max(total)):.2f})")

    def project(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Drawn or varied inputs (any shape) scaled down together where they break the limit,
        keeping their proportions: the nearest valid mix that keeps the split."""
        arrays = {k: np.asarray(inputs[k], dtype=float) for k in self.keys}
        scale = np.maximum(sum(arrays.values()) / self.limit, 1.0)
        return {k: a / scale for k, a in arrays.items()}


def check_distribution_fits(p: Parameter, where: str) -> None:
    """Refuse what could not be varied consistently: a yearly path varies by a factor on
    every year (there is no per-year plausible range), choices lie in the plausible range."""
    d = p.uncertainty
    if p.kind == "boolean" and d is not None:
        raise DataError(f"{where}: a boolean takes no uncertainty")
    if p.is_yearly and p.low < p.high and (d is None or not d.is_factor):
        raise DataError(f"{where}: a yearly parameter with a plausible range (low < high) "
                        "needs uncertainty {dist: triangular_factor | uniform_factor | "
                        "lognormal_factor, low, high}: it varies by a factor on every year")
    if d is not None and d.dist == "choice" and (
            p.is_yearly or not all(p.low <= v <= p.high for v in d.values)):
        raise DataError(f"{where}: choice values must be scalars within low..high")


def load_effects(spec: dict, where: str) -> tuple[Effect, ...]:
    effects = []
    for direction in DIRECTIONS:
        declared = spec.get(direction)
        if declared is None:
            continue
        if direction == "non_monotone":  # {output: why}
            if not isinstance(declared, dict) or not all(
                    isinstance(w, str) and w.strip() for w in declared.values()):
                raise DataError(f"{where}: non_monotone needs {{output: why}}")
            effects += [Effect(output, direction, why) for output, why in declared.items()]
        else:
            outputs = [declared] if isinstance(declared, str) else declared
            effects += [Effect(output, direction) for output in outputs]
    outputs = [e.output for e in effects]
    if any(o not in OUTPUTS for o in outputs) or len(set(outputs)) != len(outputs):
        raise DataError(f"{where}: directions name each output of {sorted(OUTPUTS)} once")
    if effects and spec.get("role") is not None:
        raise DataError(f"{where}: a setting declares no direction")
    return tuple(effects)


def load_correlation(spec: Any, where: str, parameters: dict[str, Parameter]) -> Correlation:
    if not isinstance(spec, dict) or set(spec) != {"between", "rho", "why"}:
        raise DataError(f"{where}: needs exactly between, rho, why")
    pair = tuple(spec["between"]) if isinstance(spec["between"], list) else ()
    if len(pair) != 2 or any(k not in parameters for k in pair) or pair[0] == pair[1]:
        raise DataError(f"{where}: 'between' must name two different parameters")
    if not all(parameters[k].is_uncertain for k in pair):
        raise DataError(f"{where}: both parameters must be uncertain assumptions")
    rho = spec["rho"]
    if isinstance(rho, bool) or not isinstance(rho, (int, float)) or not -1 < rho < 1:
        raise DataError(f"{where}: rho must be a number strictly between -1 and 1")
    return Correlation(pair, float(rho), str(spec["why"]))


def load_constraint(spec: Any, where: str, parameters: dict[str, Parameter]) -> SumLimit:
    if not isinstance(spec, dict) or set(spec) != {"sum_at_most", "of", "why"}:
        raise DataError(f"{where}: needs exactly sum_at_most, of, why")
    keys = tuple(spec["of"]) if isinstance(spec["of"], list) else ()
    limit = spec["sum_at_most"]
    if len(keys) < 2 or len(set(keys)) != len(keys) or any(k not in parameters for k in keys):
        raise DataError(f"{where}: 'of' must name two or more different parameters")
    if len({parameters[k].kind for k in keys}) != 1 or parameters[keys[0]].kind == "boolean":
        raise DataError(f"{where}: the parameters must be numbers of one kind")
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not limit > 0:
        raise DataError(f"{where}: sum_at_most must be a positive number")
    if not isinstance(spec["why"], str) or not spec["why"].strip():
        raise DataError(f"{where}: why must be non-empty text")
    return SumLimit(keys, float(limit), spec["why"])


def load_distribution(spec: Any, where: str) -> Distribution | None:
    if spec is None:
        return None
    if not isinstance(spec, dict) or spec.get("dist") not in DISTRIBUTIONS:
        raise DataError(f"{where}: uncertainty needs dist, one of {DISTRIBUTIONS}")
    dist = spec["dist"]
    allowed = {"dist", "values", "weights"} if dist == "choice" else (
        {"dist", "low", "high"} if dist.endswith("_factor") else {"dist"})
    if set(spec) != allowed:
        raise DataError(f"{where}: uncertainty '{dist}' takes exactly {sorted(allowed)}")
    try:
        if dist == "choice":
            values = tuple(float(v) for v in spec["values"])
            weights = tuple(float(w) for w in spec["weights"])
            if len(values) != len(weights) or len(values) < 2 or min(weights) < 0 or not (
                    math.isclose(sum(weights), 1.0)):
                raise ValueError("values and weights must pair up, weights summing to 1")
            return Distribution(dist, values=values, weights=weights)
        if dist.endswith("_factor"):
            low, high = float(spec["low"]), float(spec["high"])
            if not 0 <= low <= 1 <= high or low == high or (
                    dist == "lognormal_factor" and low <= 0):
                raise ValueError("factor bounds must satisfy 0 <= low <= 1 <= high, low < high")
            return Distribution(dist, low=low, high=high)
        return Distribution(dist)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: uncertainty: {exc}") from None
