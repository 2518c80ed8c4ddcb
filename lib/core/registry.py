"""The parameter registry: every parameter declared once in data/parameters.yaml, with its
unit, ranges, group, role, source, distribution and direction of effect, and the constraints
between parameters, read and checked here. Sliders, the assumptions table, share links, the
CLI and the sensitivity analyses all read it (how parameters vary: lib/core/variation.py).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from lib.core.calendar import FIRST_YEAR, LAST_YEAR, YEARS
from lib.core.data import DataError, data_folder, load_yaml
from lib.core.declarations import (
    Correlation,
    Distribution,
    Effect,
    SumLimit,
    check_distribution_fits,
    fmt_value,
    load_constraint,
    load_correlation,
    load_distribution,
    load_effects,
)
from lib.core.outputs import LEVER_GROUPS

KINDS = ("scalar", "integer", "yearly", "boolean")


GROUP_KINDS = ("policy", "assumption")


LEVERS = tuple(LEVER_GROUPS)


PARAMETER_FIELDS = {
    "key", "label", "unit", "group", "kind", "default", "description", "source", "source_date",
}


BOUND_FIELDS = ("low", "high", "min", "max", "step")  # every kind but boolean


BOOLEAN_BOUNDS = {"low": 0.0, "high": 1.0, "min": 0.0, "max": 1.0, "step": 1.0}  # off..on


OPTIONAL_FIELDS = {"estimate", "uncertainty", "role", "raises", "lowers", "non_monotone"}


ROLES = ("horizon",)  # parameters the model reads as a setting, never varied




@dataclass(frozen=True)
class Group:
    key: str
    label: str
    kind: str  # policy | assumption
    lever: str  # attribution group


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
    role: str | None = None  # one of ROLES: a setting such as the horizon, never varied
    effects: tuple[Effect, ...] = ()  # declared directions on model outputs

    @property
    def varies(self) -> bool:
        """Varied by the tornado and Sobol (and, for assumptions, drawn in Monte Carlo): a
        number with a plausible range or a declared distribution, not a setting."""
        return self.kind != "boolean" and self.role is None and (
            self.low < self.high or self.uncertainty is not None)

    @property
    def is_uncertain(self) -> bool:
        """Drawn in Monte Carlo runs (policy levers are held there)."""
        return self.varies and self.group.kind == "assumption"

    @property
    def distribution(self) -> Distribution | None:
        """The declared distribution, or the default triangular over the plausible range with
        its mode at the scenario's value; None for what does not vary."""
        if not self.varies:
            return None
        return self.uncertainty or Distribution("triangular")

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



def brief_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def expand_steps(steps: Mapping[int, float], before: tuple | None = None) -> tuple:
    """Dated values -> one value per year, each holding until the next listed year. Years
    before the first listed one keep `before` (a parameter default lists the first year)."""
    out, current = [], None
    for index, year in enumerate(YEARS):
        current = steps.get(year, current)
        out.append(before[index] if current is None else current)
    return tuple(out)


@dataclass(frozen=True)
class Registry:
    parameters: dict[str, Parameter]
    groups: dict[str, Group]
    correlations: tuple[Correlation, ...] = ()
    constraints: tuple[SumLimit, ...] = ()

    def __getitem__(self, key: str) -> Parameter:
        return self.parameters[key]

    def __iter__(self):
        return iter(self.parameters.values())

    def __len__(self) -> int:
        return len(self.parameters)

    def defaults(self) -> dict[str, Any]:
        return {p.key: p.default for p in self}

    @property
    def horizon(self) -> Parameter:
        """The parameter in the horizon role: the last year simulated."""
        return next(p for p in self if p.role == "horizon")

    def violations(self, values: Mapping[str, Any]) -> list[tuple[SumLimit, str]]:
        """Every declared constraint one scenario's resolved values break, with a sentence."""
        labels = {p.key: p.label for p in self}
        found = [(c, c.violation(values, labels)) for c in self.constraints]
        return [(c, message) for c, message in found if message]

    def project(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Inputs moved onto every declared constraint (see SumLimit.project)."""
        out = dict(inputs)
        for constraint in self.constraints:
            out |= constraint.project(out)
        return out


SECTION_SHAPES = {"groups": dict, "parameters": list, "correlations": list, "constraints": list}
SECTIONS = set(SECTION_SHAPES)


def load_registry(path: Path) -> Registry:
    name = path.name
    document = load_yaml(path)
    if not isinstance(document, dict) or set(document) != SECTIONS:
        raise DataError(f"{name}: expected exactly the sections {', '.join(sorted(SECTIONS))}")
    for section, shape in SECTION_SHAPES.items():
        if not isinstance(document[section] or shape(), shape):
            raise DataError(f"{name}: section '{section}' must be a "
                            f"{'mapping' if shape is dict else 'list'}")
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
        parameter = _load_parameter(spec, where, groups)
        if parameter.key in parameters:
            raise DataError(f"{where}: duplicate key")
        parameters[parameter.key] = parameter
    if [p.role for p in parameters.values()].count("horizon") != 1:
        raise DataError(f"{name}: exactly one parameter must have role: horizon")
    correlations = tuple(load_correlation(spec, f"{name}, correlation {index}", parameters)
                         for index, spec in enumerate(document["correlations"] or [], start=1))
    constraints = tuple(load_constraint(spec, f"{name}, constraint {index}", parameters)
                        for index, spec in enumerate(document["constraints"] or [], start=1))
    return Registry(parameters, groups, correlations, constraints)


def _load_parameter(spec: Any, where: str, groups: dict[str, Group]) -> Parameter:
    if not isinstance(spec, dict):
        raise DataError(f"{where}: expected a mapping")
    boolean = spec.get("kind") == "boolean"
    required = PARAMETER_FIELDS | (set() if boolean else set(BOUND_FIELDS))
    missing = required - set(spec)
    unknown = set(spec) - required - OPTIONAL_FIELDS
    if missing:
        raise DataError(f"{where}: missing field(s) {', '.join(sorted(missing))}")
    if unknown:
        why = " (a boolean is off or on: no bounds)" if boolean and unknown & set(BOUND_FIELDS) \
            else ""
        raise DataError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}{why}")
    if spec["kind"] not in KINDS:
        raise DataError(f"{where}: kind must be one of {KINDS}")
    if spec["group"] not in groups:
        raise DataError(f"{where}: unknown group {spec['group']!r}")
    try:
        bounds = BOOLEAN_BOUNDS if boolean else {f: float(spec[f]) for f in BOUND_FIELDS}
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
    role = spec.get("role")
    if role is not None and (role not in ROLES or spec["kind"] != "integer"
                             or "uncertainty" in spec):
        raise DataError(f"{where}: role must be one of {ROLES}, on an integer parameter "
                        "without uncertainty")
    parameter = Parameter(
        key=spec["key"], label=spec["label"], unit=spec["unit"], group=groups[spec["group"]],
        kind=spec["kind"], default=None, default_steps=(), **bounds,
        description=spec["description"], source=spec["source"], source_date=source_date,
        estimate=bool(spec.get("estimate", False)),
        uncertainty=load_distribution(spec.get("uncertainty"), where), role=role,
        effects=load_effects(spec, where),
    )
    check_distribution_fits(parameter, where)
    try:
        raw_default = spec["default"]
        if parameter.is_yearly:
            if not isinstance(raw_default, dict) or FIRST_YEAR not in raw_default:
                raise ValueError(f"yearly default must be a mapping starting at {FIRST_YEAR}")
            steps = parameter.check_override(raw_default)
            return replace(parameter, default=expand_steps(dict(steps)), default_steps=steps)
        default = parameter.check_value(raw_default)
        if not boolean and not parameter.low <= default <= parameter.high:
            raise ValueError("default outside its plausible low/high range")
        return replace(parameter, default=default)
    except ValueError as exc:
        raise DataError(f"{where}: default: {exc}") from None


@cache
def registry() -> Registry:
    return load_registry(data_folder() / "parameters.yaml")
