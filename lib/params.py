"""Parameter registry, presets and scenarios.

Parameters are declared once, in data/parameters.yaml, with their metadata. Everything else
(validation, sliders, the assumptions table, share links, the CLI, sensitivity analysis) reads
the registry built here. A Scenario is plain immutable data: a preset name plus the overrides
that differ from it; it validates on construction and round-trips through JSON and URLs.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .data import DataError, data_folder, validate_all

FIRST_YEAR = 2022
LAST_YEAR = 2035
YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
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
SCENARIO_FORMAT = 1
MAX_TEXT = 200  # longest name/note/key text accepted from a user


class ScenarioError(ValueError):
    """One or more scenario inputs are invalid. `problems` lists (key, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))


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
                f"{_fmt(v)} (p={w:g})" for v, w in zip(self.values, self.weights, strict=True))
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
            raise ValueError(f"expected true or false, got {_show(value)}")
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"expected a number, got {_show(value)}")
        if isinstance(value, str):
            if len(value) > 40:
                raise ValueError("expected a number, got a long string")
            try:
                value = float(value.replace(",", "").replace("_", ""))
            except ValueError:
                raise ValueError(f"expected a number, got {_show(value)}") from None
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value}")
        if not self.min <= value <= self.max:
            raise ValueError(
                f"{_fmt(value)} is outside the allowed range {_fmt(self.min)} to {_fmt(self.max)}"
                f" {self.unit}"
            )
        if self.kind == "integer":
            if value != int(value):
                raise ValueError(f"expected a whole number, got {_fmt(value)}")
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
                raise ValueError(f"year {_show(year)} is not a year") from None
            if year_int not in YEARS:
                raise ValueError(f"year {year_int} is outside {FIRST_YEAR}-{LAST_YEAR}")
            out[year_int] = self.check_value(
                number.strip() if isinstance(number, str) else number
            )
        return tuple(sorted(out.items()))

    def metadata(self) -> dict[str, Any]:
        """A flat, JSON-friendly description (for docs, the CLI and the assumptions table)."""
        default = (
            ", ".join(f"{year}: {_fmt(value)}" for year, value in self.default_steps)
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


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fmt(value: float) -> str:
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
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{name}: cannot read ({exc})") from None
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


# ---------------------------------------------------------------------------------------------
# Cross-parameter constraints (checked on resolved values, per year)


def _cross_checks(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    problems = []
    mix = np.asarray(values["smuggled_share_h200"]) + np.asarray(values["smuggled_share_b200"])
    if np.any(mix > 1 + 1e-9):
        year = YEARS[int(np.argmax(mix > 1 + 1e-9))]
        problems.append((
            "smuggled_share_b200",
            f"H200 and B200 shares add up to more than 1 in {year} ({mix.max():.2f})",
        ))
    return problems


# ---------------------------------------------------------------------------------------------
# Presets


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    rationale: str
    sources: tuple[str, ...]
    overrides: tuple[tuple[str, Any], ...]


def _load_presets(path: Path, reg: Registry) -> dict[str, Preset]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path.name}: cannot read ({exc})") from None
    presets = {}
    for name, spec in (document or {}).items():
        where = f"{path.name}, preset {name}"
        if not isinstance(spec, dict) or set(spec) != {"label", "rationale", "sources",
                                                      "overrides"}:
            raise DataError(f"{where}: needs exactly label, rationale, sources, overrides")
        overrides, problems = _check_overrides(spec["overrides"] or {}, reg)
        if problems:
            raise DataError(f"{where}: {ScenarioError(problems)}")
        values = _resolve(reg.defaults(), overrides)
        problems = _cross_checks(values)
        if problems:
            raise DataError(f"{where}: {ScenarioError(problems)}")
        presets[name] = Preset(name, spec["label"], spec["rationale"], tuple(spec["sources"]),
                               tuple(sorted(overrides.items())))
    if "status_quo" not in presets:
        raise DataError(f"{path.name}: the status_quo preset is required")
    return presets


@cache
def presets() -> dict[str, Preset]:
    return _load_presets(data_folder() / "presets.yaml", registry())


def validate_data(folder: Path | None = None) -> None:
    """Read every data file afresh (the CSV tables, parameters.yaml, presets.yaml) from the
    data folder in use; raise DataError naming the first problem's file, row and column."""
    folder = Path(folder or data_folder())
    validate_all(folder)
    _load_presets(folder / "presets.yaml", _load_registry(folder / "parameters.yaml"))


def _check_overrides(raw: Any, reg: Registry) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Validate a mapping of overrides; return the clean ones and a list of problems."""
    if not isinstance(raw, Mapping):
        return {}, [("overrides", f"expected a mapping of parameter to value, got {_show(raw)}")]
    clean, problems = {}, []
    for key, value in raw.items():
        if not isinstance(key, str) or key not in reg.parameters:
            shown = _show(key) if not isinstance(key, str) else _show(key[:MAX_TEXT])
            problems.append((str(shown), "unknown parameter"))
            continue
        try:
            clean[key] = reg[key].check_override(value)
        except ValueError as exc:
            problems.append((key, str(exc)))
    return clean, problems


def _resolve(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(base)
    reg = registry()
    for key, value in overrides.items():
        if reg[key].is_yearly:
            per_year = list(values[key])
            for year, number in value:
                per_year[year - FIRST_YEAR] = number
            values[key] = tuple(per_year)
        else:
            values[key] = value
    return values


# ---------------------------------------------------------------------------------------------
# Scenarios


@dataclass(frozen=True)
class Scenario:
    """A preset plus the overrides that differ from it. Hashable: results memoize on it."""

    preset: str = "status_quo"
    overrides: tuple[tuple[str, Any], ...] = field(default=())

    @classmethod
    def build(cls, preset: str = "status_quo", overrides: Mapping[str, Any] | None = None,
              *, lenient: bool = False) -> Scenario | tuple[Scenario, list[tuple[str, str]]]:
        """Validate and normalize. Raises ScenarioError; with lenient=True, drops bad keys and
        returns (scenario, problems) instead (for share links: fall back per key)."""
        problems: list[tuple[str, str]] = []
        all_presets = presets()
        if not isinstance(preset, str) or preset not in all_presets:
            problems.append(("preset", f"unknown preset {_show(preset)}; choose one of "
                                       f"{', '.join(all_presets)}"))
            preset = "status_quo"
        clean, override_problems = _check_overrides(overrides or {}, registry())
        problems += override_problems
        base = preset_values(preset)
        values = _resolve(base, clean)
        cross = _cross_checks(values)
        if cross:
            problems += cross
            if lenient:
                for key, _ in cross:
                    clean.pop(key, None)
                    clean.pop("smuggled_share_h200", None)
        # keep only what differs from the preset, so links stay short
        minimal = {}
        for key, value in clean.items():
            if registry()[key].is_yearly:
                differing = tuple((y, v) for y, v in value if base[key][y - FIRST_YEAR] != v)
                if differing:
                    minimal[key] = differing
            elif value != base[key]:
                minimal[key] = value
        scenario = cls(preset, tuple(sorted(minimal.items())))
        if lenient:
            return scenario, problems
        if problems:
            raise ScenarioError(problems)
        return scenario

    def values(self) -> dict[str, Any]:
        """Every parameter's resolved value (yearly ones as a tuple per year)."""
        return _resolve(preset_values(self.preset), dict(self.overrides))

    def override_dict(self) -> dict[str, Any]:
        """The overrides as Scenario.build accepts them (yearly ones as {year: value})."""
        return {key: dict(value) if registry()[key].is_yearly else value
                for key, value in self.overrides}

    def with_overrides(self, **changes: Any) -> Scenario:
        merged = self.override_dict()
        for key, value in changes.items():
            if key in merged and registry()[key].is_yearly and isinstance(value, Mapping):
                merged[key] = dict(merged[key]) | dict(value)
            else:
                merged[key] = value
        return Scenario.build(self.preset, merged)

    def differing_from_preset(self) -> set[str]:
        return {key for key, _ in self.overrides}

    # -- serialization --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        overrides = {}
        for key, value in self.overrides:
            overrides[key] = {str(y): v for y, v in value} if registry()[key].is_yearly else value
        return {"format": SCENARIO_FORMAT, "preset": self.preset, "overrides": overrides}

    def to_json(self, **extra: Any) -> str:
        return json.dumps(self.to_dict() | extra, indent=2, sort_keys=False)

    @classmethod
    def from_dict(cls, document: Any) -> Scenario:
        if not isinstance(document, Mapping):
            raise ScenarioError([("file", "expected a JSON object with 'preset' and "
                                          "'overrides'")])
        unknown = set(document) - {"format", "preset", "overrides", "name", "note"}
        if unknown:
            names = ", ".join(sorted(_show(k)[:MAX_TEXT] for k in unknown))
            raise ScenarioError([("file", f"unknown field(s) {names}")])
        if document.get("format", SCENARIO_FORMAT) != SCENARIO_FORMAT:
            raise ScenarioError([("format", f"unsupported format {_show(document['format'])}; "
                                            f"this version reads format {SCENARIO_FORMAT}")])
        for text_key in ("name", "note"):
            text = document.get(text_key, "")
            if not isinstance(text, str) or len(text) > 10 * MAX_TEXT:
                raise ScenarioError([(text_key, "must be text of at most 2,000 characters")])
        return cls.build(document.get("preset", "status_quo"), document.get("overrides", {}))

    @classmethod
    def from_json(cls, text: str | bytes) -> Scenario:
        if isinstance(text, bytes):
            if len(text) > 256 * 1024:
                raise ScenarioError([("file", "larger than 256 KiB; a scenario is a few kB")])
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                raise ScenarioError([("file", "not UTF-8 text")]) from None
        try:
            document = json.loads(text, parse_constant=_reject_constant)
        except RecursionError:
            raise ScenarioError([("file", "JSON nested too deeply")]) from None
        except ValueError as exc:
            raise ScenarioError([("file", f"not valid JSON ({exc})")]) from None
        return cls.from_dict(document)

    def to_query(self) -> dict[str, str]:
        """Compact URL query parameters: the preset plus each differing parameter."""
        query = {"preset": self.preset}
        for key, value in self.overrides:
            if registry()[key].is_yearly:
                query[key] = ",".join(f"{y}:{_compact(v)}" for y, v in value)
            else:
                query[key] = _compact(value)
        return query

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> tuple[Scenario, list[tuple[str, str]]]:
        """Read a share link leniently: bad keys fall back to the preset and are reported."""
        raw = {str(k)[:MAX_TEXT]: (v if isinstance(v, str) else str(v)) for k, v in query.items()}
        preset = raw.pop("preset", "status_quo")
        return cls.build(preset, raw, lenient=True)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _compact(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6g}"


@cache
def preset_values(name: str) -> dict[str, Any]:
    return _resolve(registry().defaults(), dict(presets()[name].overrides))


def stack_values(values_list: list[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """Resolved values of N scenarios -> batch inputs: (N,) per scalar, (N, years) per yearly."""
    return {
        key: np.array([v[key] for v in values_list], dtype=float)
        for key in registry().parameters
    }
