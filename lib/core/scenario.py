"""Presets and scenarios. A Scenario is plain immutable data: a preset name plus the overrides
that differ from it; it validates on construction and round-trips through JSON and URLs.

Yearly values, two readings:
  data/presets.yaml  dated values, as in parameters.yaml: each listed year's value holds until
                     the next listed year (to 2035); years before the first keep the default.
  Scenario overrides written by machines (share links, scenario JSON, the sidebar's per-year
                     table, CLI --set key.YEAR=v): exactly the years listed, the rest keep the
                     preset's values. A single number for a yearly key sets every year.
Cross-parameter constraints are declared in parameters.yaml and checked by _cross_checks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from lib.core.calendar import FIRST_YEAR
from lib.core.data import DataError, data_folder, load_yaml, validate_all
from lib.core.limits import MAX_NOTE, MAX_SCENARIO_BYTES, MAX_TEXT
from lib.core.paths import LINK_DIGITS
from lib.core.registry import Registry, brief_repr, expand_steps, load_registry, registry

SCENARIO_FORMAT = 1


class ScenarioError(ValueError):
    """One or more scenario inputs are invalid. `problems` lists (key, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))


def _cross_checks(values: Mapping[str, Any], reg: Registry) -> list[tuple[str, str]]:
    """Every declared constraint the resolved values break, as (its last key, message)."""
    return [(constraint.keys[-1], message) for constraint, message in reg.violations(values)]


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    rationale: str
    sources: tuple[str, ...]
    overrides: tuple[tuple[str, Any], ...]


def load_presets(path: Path, reg: Registry) -> dict[str, Preset]:
    document = load_yaml(path)
    if not isinstance(document, dict):
        raise DataError(f"{path.name}: expected a mapping of preset name to preset")
    presets = {}
    for name, spec in document.items():
        where = f"{path.name}, preset {name}"
        if not isinstance(spec, dict) or set(spec) != {"label", "rationale", "sources",
                                                      "overrides"}:
            raise DataError(f"{where}: needs exactly label, rationale, sources, overrides")
        overrides, problems = _check_overrides(spec["overrides"] or {}, reg)
        if problems:
            raise DataError(f"{where}: {ScenarioError(problems)}")
        values = _resolve(reg.defaults(), overrides, reg, dated=True)
        problems = _cross_checks(values, reg)
        if problems:
            raise DataError(f"{where}: {ScenarioError(problems)}")
        presets[name] = Preset(name, spec["label"], spec["rationale"], tuple(spec["sources"]),
                               tuple(sorted(overrides.items())))
    if "status_quo" not in presets:
        raise DataError(f"{path.name}: the status_quo preset is required")
    return with_policy_twins(presets, reg)


POLICY_TWIN_SUFFIX = "_policy_only"


def with_policy_twins(presets: dict[str, Preset], reg: Registry) -> dict[str, Preset]:
    """Each preset that changes both policy levers and assumptions, followed by its derived
    policy-only twin (its policy overrides alone, on the default assumptions), so what the
    policy does can be read apart from what the assumptions do."""
    out = {}
    for name, preset in presets.items():
        out[name] = preset
        policy = tuple((k, v) for k, v in preset.overrides if reg[k].group.kind == "policy")
        if policy and len(policy) < len(preset.overrides):
            twin = name + POLICY_TWIN_SUFFIX
            out[twin] = Preset(twin, f"{preset.label}: policy only",
                               f"The policy levers of '{preset.label}' alone, on the default "
                               "assumptions (derived from that preset, which changes both).",
                               preset.sources, policy)
    return out


@cache
def presets() -> dict[str, Preset]:
    return load_presets(data_folder() / "presets.yaml", registry())


def validate_data(folder: Path | None = None) -> None:
    """Read every data file afresh (the CSV tables, parameters.yaml, presets.yaml) from the
    data folder in use; raise DataError naming the first problem's file and row or line.
    About 20 ms for the shipped data, so it is not cached here (the app caches it per folder)."""
    folder = Path(folder or data_folder())
    validate_all(folder)
    load_presets(folder / "presets.yaml", load_registry(folder / "parameters.yaml"))


def _check_overrides(raw: Any, reg: Registry) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Validate a mapping of overrides; return the clean ones and a list of problems."""
    if not isinstance(raw, Mapping):
        return {}, [("overrides", "expected a mapping of parameter to value, got "
                                  + brief_repr(raw))]
    clean, problems = {}, []
    for key, value in raw.items():
        if not isinstance(key, str) or key not in reg.parameters:
            shown = brief_repr(key) if not isinstance(key, str) else brief_repr(key[:MAX_TEXT])
            problems.append((str(shown), "unknown parameter"))
            continue
        try:
            clean[key] = reg[key].check_override(value)
        except ValueError as exc:
            problems.append((key, str(exc)))
    return clean, problems


def _resolve(base: Mapping[str, Any], overrides: Mapping[str, Any], reg: Registry, *,
             dated: bool) -> dict[str, Any]:
    """base with overrides applied; yearly overrides as dated values (presets: each holds until
    the next listed year) or exactly the years listed (machine-written overrides)."""
    values = dict(base)
    for key, value in overrides.items():
        if reg[key].is_yearly and dated:
            values[key] = expand_steps(dict(value), before=values[key])
        elif reg[key].is_yearly:
            per_year = list(values[key])
            for year, number in value:
                per_year[year - FIRST_YEAR] = number
            values[key] = tuple(per_year)
        else:
            values[key] = value
    return values


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
            problems.append(("preset", f"unknown preset {brief_repr(preset)}; choose one of "
                                       f"{', '.join(all_presets)}"))
            preset = "status_quo"
        clean, override_problems = _check_overrides(overrides or {}, registry())
        problems += override_problems
        base = preset_values(preset)
        cross = _cross_checks(_resolve(base, clean, registry(), dated=False), registry())
        problems += cross
        if lenient:  # a broken constraint falls back to the preset for all its parameters
            named = {key for key, _ in cross}
            for constraint in registry().constraints:
                if constraint.keys[-1] in named:
                    for key in constraint.keys:
                        clean.pop(key, None)
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
        return _resolve(preset_values(self.preset), dict(self.overrides), registry(),
                        dated=False)

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
        unknown = set(document) - {"format", "preset", "overrides", "name", "note", "label"}
        if unknown:
            names = ", ".join(sorted(brief_repr(k)[:MAX_TEXT] for k in unknown))
            raise ScenarioError([("file", f"unknown field(s) {names}")])
        if document.get("format", SCENARIO_FORMAT) != SCENARIO_FORMAT:
            raise ScenarioError([("format", f"unsupported format {brief_repr(document['format'])}; "
                                            f"this version reads format {SCENARIO_FORMAT}")])
        for text_key in ("name", "note", "label"):  # informative only (label: `run` JSON)
            text = document.get(text_key, "")
            if not isinstance(text, str) or len(text) > MAX_NOTE:
                raise ScenarioError([(text_key, f"must be text of at most {MAX_NOTE:,} "
                                                "characters")])
        return cls.build(document.get("preset", "status_quo"), document.get("overrides", {}))

    @classmethod
    def from_json(cls, text: str | bytes) -> Scenario:
        if isinstance(text, bytes):
            if len(text) > MAX_SCENARIO_BYTES:
                raise ScenarioError([("file", f"larger than {MAX_SCENARIO_BYTES // 1024} KiB; a "
                                              "scenario is a few kB")])
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
    return f"{value:.{LINK_DIGITS}g}"


@cache
def preset_values(name: str) -> dict[str, Any]:
    return _resolve(registry().defaults(), dict(presets()[name].overrides), registry(),
                    dated=True)


def stack_values(values_list: list[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """Resolved values of N scenarios -> batch inputs: (N,) per scalar, (N, years) per yearly."""
    return {
        key: np.array([v[key] for v in values_list], dtype=float)
        for key in registry().parameters
    }
