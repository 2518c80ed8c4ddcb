"""The parameter registry: every parameter declared once in data/parameters.yaml, with its
unit, ranges, group, role, source and distribution, read and checked here. Sliders, the
assumptions table, share links, the CLI and the sensitivity analyses all read it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lib.core.calendar import FIRST_YEAR, LAST_YEAR, YEARS
from lib.core.data import DataError, data_folder, load_yaml

KINDS = ("scalar", "integer", "yearly", "boolean")


GROUP_KINDS = ("policy", "assumption")


LEVERS = ("smuggling", "legal_exports", "tsmc_dies", "smic_production", "efficiency", "us_side",
          "other")


PARAMETER_FIELDS = {
    "key", "label", "unit", "group", "kind", "default", "low", "high", "min", "max", "step",
    "description", "source", "source_date",
}


OPTIONAL_FIELDS = {"estimate", "uncertainty"}


DISTRIBUTIONS = ("triangular", "uniform", "choice", "triangular_factor", "uniform_factor",
                 "lognormal_factor")


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    kind: str  # policy | assumption
    lever: str  # attribution group


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

    def describe(self) -> str:
        if self.dist == "choice":
            return "choice of " + ", ".join(
                f"{fmt_value(v)} (p={w:g})" for v, w in zip(self.values, self.weights, strict=True))
        if self.is_factor:
            kind = self.dist.removesuffix("_factor")
            interval = " (90% interval)" if kind == "lognormal" else ""
            return f"{kind} factor {self.low:g}x to {self.high:g}x of the current value{interval}"
        return f"{self.dist} over low..high, mode at the current value"


@dataclass(frozen=True)
class Parameter:
    key: str
    label: str
    unit: str
    group: Group
    kind: str
    default: Any  # float | int | bool | tuple of len(YEARS) floats
    default_steps: tuple[tuple[int, float], ...]  # yearly: the dated values as declared
    low: float
    high: float
    min: float
    max: float
    step: float
    description: str
    source: str
    source_date: dt.date
    estimate: bool = False
    uncertainty: Distribution | None = None

    @property
    def is_uncertain(self) -> bool:
        """Drawn in Monte Carlo runs: an assumption with a range or a distribution."""
        return self.group.kind == "assumption" and self.kind != "boolean" and (
            self.low < self.high or self.uncertainty is not None) and self.key != "horizon_year"

    @property
    def distribution(self) -> Distribution | None:
        """The declared distribution, or the default triangular(low, value, high)."""
        if self.uncertainty is not None:
            return self.uncertainty
        if self.kind == "boolean" or self.key == "horizon_year" or self.low >= self.high:
            return None
        if self.is_yearly:
            return None
        return Distribution("triangular")

    @property
    def is_yearly(self) -> bool:
        return self.kind == "yearly"

    def check_value(self, value: Any) -> Any:
        """Normalize one value (scalar kinds) or raise ValueError with the allowed range."""
        if self.kind == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
                return value.lower() in ("true", "1")
            if isinstance(value, (int, float)) and value in (0, 1):
                return bool(value)
            raise ValueError(f"expected true or false, got {brief_repr(value)}")
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"expected a number, got {brief_repr(value)}")
        if isinstance(value, str):
            if len(value) > 40:
                raise ValueError("expected a number, got a long string")
            try:
                value = float(value.replace(",", "").replace("_", ""))
            except ValueError:
                raise ValueError(f"expected a number, got {brief_repr(value)}") from None
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value}")
        if not self.min <= value <= self.max:
            raise ValueError(
                f"{fmt_value(value)} is outside the allowed range {fmt_value(self.min)} to "
                f"{fmt_value(self.max)}"
                f" {self.unit}"
            )
        if self.kind == "integer":
            if value != int(value):
                raise ValueError(f"expected a whole number, got {fmt_value(value)}")
            return int(value)
        return value

    def check_override(self, value: Any) -> Any:
        """Normalize a scenario override: scalars as check_value; yearly as ((year, v), ...)."""
        if not self.is_yearly:
            return self.check_value(value)
        if isinstance(value, Mapping):
            items = list(value.items())
        elif isinstance(value, str) and ":" in value:
            items = [part.split(":", 1) for part in value.split(",") if part.strip()]
            if any(len(item) != 2 for item in items):
                raise ValueError("expected year:value pairs separated by commas")
        else:
            number = self.check_value(value)
            return tuple((year, number) for year in YEARS)
        if len(items) > len(YEARS):
            raise ValueError(f"at most {len(YEARS)} years")
        out = {}
        for year, number in items:
            try:
                year_int = int(str(year).strip())
            except ValueError:
                raise ValueError(f"year {brief_repr(year)} is not a year") from None
            if year_int not in YEARS:
                raise ValueError(f"year {year_int} is outside {FIRST_YEAR}-{LAST_YEAR}")
            out[year_int] = self.check_value(
                number.strip() if isinstance(number, str) else number
            )
        return tuple(sorted(out.items()))

    def metadata(self) -> dict[str, Any]:
        """A flat, JSON-friendly description (for docs, the CLI and the assumptions table)."""
        default = (
            ", ".join(f"{year}: {fmt_value(value)}" for year, value in self.default_steps)
            if self.is_yearly
            else self.default
        )
        return {
            "key": self.key, "label": self.label, "unit": self.unit, "group": self.group.label,
            "kind": self.group.kind, "type": self.kind, "default": default, "low": self.low,
            "high": self.high, "min": self.min, "max": self.max, "step": self.step,
            "description": self.description, "source": self.source,
            "source_date": self.source_date.isoformat(), "estimate": self.estimate,
            "distribution": self.distribution.describe() if self.distribution else "",
        }


def brief_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def fmt_value(value: float) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:g}"


def _expand_steps(steps: Mapping[int, float]) -> tuple[float, ...]:
    """Dated values -> one value per year, each holding until the next listed year."""
    out, current = [], None
    for year in YEARS:
        if year in steps:
            current = steps[year]
        out.append(current)
    return tuple(out)


@dataclass(frozen=True)
class Correlation:
    between: tuple[str, str]
    rho: float
    why: str


@dataclass(frozen=True)
class Registry:
    parameters: dict[str, Parameter]
    groups: dict[str, Group]
    correlations: tuple[Correlation, ...] = ()

    def __getitem__(self, key: str) -> Parameter:
        return self.parameters[key]

    def __iter__(self):
        return iter(self.parameters.values())

    def __len__(self) -> int:
        return len(self.parameters)

    def defaults(self) -> dict[str, Any]:
        return {p.key: p.default for p in self}

    def table(self) -> list[dict[str, Any]]:
        return [p.metadata() for p in self]

    def salib_problem(self, keys: list[str] | None = None) -> dict[str, Any]:
        """The parameter space as SALib's problem dict (names and plausible bounds)."""
        chosen = [self[k] for k in keys] if keys else [p for p in self if p.low < p.high]
        return {
            "num_vars": len(chosen),
            "names": [p.key for p in chosen],
            "bounds": [[p.low, p.high] for p in chosen],
        }


def _load_registry(path: Path) -> Registry:
    name = path.name
    document = load_yaml(path)
    if not isinstance(document, dict) or set(document) != {"groups", "parameters",
                                                           "correlations"}:
        raise DataError(f"{name}: expected exactly the sections 'groups', 'parameters' and "
                        "'correlations'")
    groups = {}
    for key, spec in document["groups"].items():
        if not isinstance(spec, dict) or set(spec) != {"label", "kind", "lever"}:
            raise DataError(f"{name}, group {key}: needs exactly label, kind, lever")
        if spec["kind"] not in GROUP_KINDS or spec["lever"] not in LEVERS:
            raise DataError(f"{name}, group {key}: bad kind or lever")
        groups[key] = Group(key, spec["label"], spec["kind"], spec["lever"])
    parameters: dict[str, Parameter] = {}
    for index, spec in enumerate(document["parameters"], start=1):
        where = f"{name}, parameter {spec.get('key', index) if isinstance(spec, dict) else index}"
        if not isinstance(spec, dict):
            raise DataError(f"{where}: expected a mapping")
        missing = PARAMETER_FIELDS - set(spec)
        unknown = set(spec) - PARAMETER_FIELDS - OPTIONAL_FIELDS
        if missing:
            raise DataError(f"{where}: missing field(s) {', '.join(sorted(missing))}")
        if unknown:
            raise DataError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        key = spec["key"]
        if key in parameters:
            raise DataError(f"{where}: duplicate key")
        if spec["kind"] not in KINDS:
            raise DataError(f"{where}: kind must be one of {KINDS}")
        if spec["group"] not in groups:
            raise DataError(f"{where}: unknown group {spec['group']!r}")
        try:
            bounds = {f: float(spec[f]) for f in ("low", "high", "min", "max", "step")}
            source_date = spec["source_date"]
            if not isinstance(source_date, dt.date):
                source_date = dt.date.fromisoformat(str(source_date))
        except (TypeError, ValueError) as exc:
            raise DataError(f"{where}: bad bound or date ({exc})") from None
        if not (bounds["min"] <= bounds["low"] <= bounds["high"] <= bounds["max"]):
            raise DataError(f"{where}: needs min <= low <= high <= max")
        for text_field in ("label", "unit", "description", "source"):
            if not isinstance(spec[text_field], str) or not spec[text_field].strip():
                raise DataError(f"{where}: {text_field} must be non-empty text")
        parameter = Parameter(
            key=key, label=spec["label"], unit=spec["unit"], group=groups[spec["group"]],
            kind=spec["kind"], default=None, default_steps=(), **bounds,
            description=spec["description"], source=spec["source"], source_date=source_date,
            estimate=bool(spec.get("estimate", False)),
            uncertainty=_load_distribution(spec.get("uncertainty"), where),
        )
        raw_default = spec["default"]
        try:
            if parameter.is_yearly:
                if not isinstance(raw_default, dict) or FIRST_YEAR not in raw_default:
                    raise ValueError(f"yearly default must be a mapping starting at {FIRST_YEAR}")
                steps = dict(parameter.check_override(raw_default))
                default = _expand_steps(steps)
                parameter = _replace(parameter, default=default,
                                     default_steps=tuple(sorted(steps.items())))
            else:
                default = parameter.check_value(raw_default)
                if parameter.kind != "boolean" and not (
                    parameter.low <= default <= parameter.high
                ):
                    raise ValueError("default outside its plausible low/high range")
                parameter = _replace(parameter, default=default)
        except ValueError as exc:
            raise DataError(f"{where}: default: {exc}") from None
        parameters[key] = parameter
    correlations = []
    for index, spec in enumerate(document["correlations"] or [], start=1):
        where = f"{name}, correlation {index}"
        if not isinstance(spec, dict) or set(spec) != {"between", "rho", "why"}:
            raise DataError(f"{where}: needs exactly between, rho, why")
        pair = tuple(spec["between"])
        if len(pair) != 2 or any(k not in parameters for k in pair) or pair[0] == pair[1]:
            raise DataError(f"{where}: 'between' must name two different parameters")
        if not all(parameters[k].is_uncertain for k in pair):
            raise DataError(f"{where}: both parameters must be uncertain assumptions")
        rho = spec["rho"]
        if isinstance(rho, bool) or not isinstance(rho, (int, float)) or not -1 < rho < 1:
            raise DataError(f"{where}: rho must be a number strictly between -1 and 1")
        correlations.append(Correlation(pair, float(rho), str(spec["why"])))
    return Registry(parameters, groups, tuple(correlations))


def _load_distribution(spec: Any, where: str) -> Distribution | None:
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
            if not 0 <= low <= 1 <= high or (dist == "lognormal_factor" and low <= 0):
                raise ValueError("factor bounds must satisfy 0 <= low <= 1 <= high")
            return Distribution(dist, low=low, high=high)
        return Distribution(dist)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: uncertainty: {exc}") from None


def _replace(parameter: Parameter, **changes) -> Parameter:
    from dataclasses import replace

    return replace(parameter, **changes)


@cache
def registry() -> Registry:
    return _load_registry(data_folder() / "parameters.yaml")
