"""How a parameter varies around a scenario's value: one range and one distribution for Monte
Carlo, the tornado and Sobol, and one documentation table for the CLI and the Assumptions page.

The range a parameter varies over, given the scenario's value (range_around):
  *_factor forms    the value times the declared factor bounds, every year for yearly
                    parameters (lognormal: its 90% interval; its tails reach beyond);
  triangular,       the declared plausible low..high, stretched to include the value.
  uniform, choice
Always inside the hard min..max. Within it, Monte Carlo draws (quantile): triangular with its
mode at the value; uniform; a factor of the value; or a choice between the sources' values in
which the scenario's value stands in for the nearest one and takes the weight declared for the
default, so the scenario's own number is as likely as the default is in the declaration. The
tornado spans the range's ends; Sobol samples the same distributions through SALib
(salib_problem).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.special import ndtri

from lib.core.declarations import Distribution, fmt_value
from lib.core.registry import Parameter, registry

Z95 = 1.6448536269514722  # standard normal 95th percentile: lognormal low..high is 5%..95%


PEAK_BELOW_ONE = 1 - 1e-9  # SALib refuses a triangular peak at the very top of its range


def settle(p: Parameter, values) -> np.ndarray:
    """Values moved inside p's hard min..max, whole numbers for integer parameters."""
    values = np.clip(np.asarray(values, dtype=float), p.min, p.max)
    return np.round(values) if p.kind == "integer" else values


def range_around(p: Parameter, value) -> tuple[Any, Any]:
    """(low, high) p varies over around the scenario's value (module docstring): floats, or
    arrays per year for yearly parameters. A parameter that does not vary stays put."""
    d = p.distribution
    current = np.asarray(value, dtype=float)
    if d is None:
        return current, current
    if d.is_factor:
        return settle(p, current * d.low), settle(p, current * d.high)
    return settle(p, np.minimum(p.low, current)), settle(p, np.maximum(p.high, current))


def choice_alternatives(p: Parameter, value) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The sources' values and weights, the scenario's value in place of the nearest one,
    with the weight declared for the default (that and the default's weight swap)."""
    d = p.distribution
    options, weights = list(d.values), list(d.weights)
    nearest = int(np.argmin([abs(v - float(value)) for v in options]))
    default = int(np.argmin([abs(v - float(p.default)) for v in options]))
    weights[nearest], weights[default] = weights[default], weights[nearest]
    options[nearest] = float(value)
    return tuple(options), tuple(weights)


def triangular(u, low, mode, high):
    """Inverse CDF of triangular(low, mode, high) at uniforms u (works on arrays)."""
    width = np.asarray(high - low, dtype=float)
    if np.all(width == 0):
        return np.full_like(u, mode, dtype=float)
    split = (mode - low) / np.where(width > 0, width, 1)
    left = low + np.sqrt(u * width * (mode - low))
    right = high - np.sqrt((1 - u) * width * (high - mode))
    return np.where(u < split, left, right)


def _lognormal_scores(d: Distribution) -> tuple[float, float]:
    """Mean and deviation of log(factor): low..high is the 90% interval."""
    mu = (np.log(d.low) + np.log(d.high)) / 2
    return float(mu), float((np.log(d.high) - np.log(d.low)) / (2 * Z95))


def factor_quantile(d: Distribution, u: np.ndarray) -> np.ndarray:
    if d.dist == "lognormal_factor":
        mu, sigma = _lognormal_scores(d)
        return np.exp(mu + sigma * ndtri(np.clip(u, 1e-12, 1 - 1e-12)))
    if d.dist == "uniform_factor":
        return d.low + u * (d.high - d.low)
    return triangular(u, d.low, 1.0, d.high)


def times(value, factor: np.ndarray) -> np.ndarray:
    """The value (scalar or per year) times one factor per draw: (n,) or (n, years)."""
    current = np.asarray(value, dtype=float)
    return current * factor.reshape((-1,) + (1,) * current.ndim)


def quantile(p: Parameter, value, u: np.ndarray) -> np.ndarray:
    """p's inverse CDF at uniforms u (n,) around the scenario's value: (n,) or (n, years)."""
    d = p.distribution
    if d.is_factor:
        return settle(p, times(value, factor_quantile(d, u)))
    if d.dist == "choice":
        options, weights = choice_alternatives(p, value)
        index = np.minimum(np.searchsorted(np.cumsum(weights), u), len(options) - 1)
        return settle(p, np.asarray(options)[index])
    low, high = range_around(p, value)
    if d.dist == "uniform":
        return settle(p, low + u * (high - low))
    return settle(p, triangular(u, low, float(value), high))


def salib_problem(values: Mapping[str, Any], keys: list[str]) -> dict[str, Any]:
    """SALib's problem for the keys around the scenario's values, with each declared
    distribution as SALib's `dists`: factor forms sample the factor (triang, unif, lognorm);
    triangular and uniform sample the value over range_around; a choice (SALib has no
    discrete form) samples the probability u in unif(0, 1), read through quantile."""
    bounds, dists = [], []
    for key in keys:
        p = registry()[key]
        d = p.distribution
        if d is None:
            raise ValueError(f"{key} does not vary (a switch, a setting or no range)")
        if d.dist == "lognormal_factor":
            dist, bound = "lognorm", list(_lognormal_scores(d))
        elif d.dist == "triangular_factor":
            dist, bound = "triang", [d.low, d.high, min((1 - d.low) / (d.high - d.low),
                                                         PEAK_BELOW_ONE)]
        elif d.dist == "uniform_factor":
            dist, bound = "unif", [d.low, d.high]
        elif d.dist == "choice":
            dist, bound = "unif", [0.0, 1.0]
        else:
            low, high = (float(x) for x in range_around(p, values[key]))
            if high <= low:  # a fixed value: SALib needs some width
                dist, bound = "unif", [low, low + 1e-9 * max(1.0, abs(low))]
            elif d.dist == "uniform":
                dist, bound = "unif", [low, high]
            else:
                peak = (float(values[key]) - low) / (high - low)
                dist, bound = "triang", [low, high, min(peak, PEAK_BELOW_ONE)]
        dists.append(dist)
        bounds.append([float(b) for b in bound])
    return {"num_vars": len(keys), "names": list(keys), "bounds": bounds, "dists": dists}


def from_salib(p: Parameter, value, column: np.ndarray) -> np.ndarray:
    """One column of a sample drawn with salib_problem -> the model input (n,) or (n, years)."""
    d = p.distribution
    if d.is_factor:
        return settle(p, times(value, column))
    if d.dist == "choice":
        return quantile(p, value, column)
    return settle(p, column)


def variation_text(p: Parameter, value) -> str:
    """How p varies around the value, in words: e.g. 'triangular 0.2–0.4, mode 0.3'."""
    d = p.distribution
    if d is None:
        return ("fixed (switch)" if p.kind == "boolean" else
                f"fixed ({p.role})" if p.role else "fixed (no range)")
    if p.group.kind == "policy":
        if p.uncertainty is None:
            low, high = range_around(p, value)
            return (f"held at the lever value in Monte Carlo (tornado: {fmt_value(float(low))} "
                    f"to {fmt_value(float(high))})")
        return (_distribution_text(p, d, value) + "; a policy lever: held in Monte Carlo, "
                "varied in the tornado")
    return _distribution_text(p, d, value)


def _distribution_text(p: Parameter, d: Distribution, value) -> str:
    whole = " (whole numbers)" if p.kind == "integer" else ""
    if d.dist == "choice":
        options = [f"{fmt_value(v)} ({w:.0%})" for v, w in zip(*choice_alternatives(p, value),
                                                               strict=True)]
        return "choice: " + ", ".join(options[:-1]) + " or " + options[-1] + whole
    if d.is_factor:
        kind = d.dist.removesuffix("_factor")
        of = "each year's value" if p.is_yearly else "the value"
        text = f"{kind} ×{d.low:g}–×{d.high:g} of {of}"
        text += {"lognormal": " (90% interval)", "triangular": ", mode ×1"}.get(kind, "")
        return text + whole
    low, high = (fmt_value(float(x)) for x in range_around(p, value))
    if d.dist == "uniform":
        return f"uniform {low}–{high}{whole}"
    return f"triangular {low}–{high}, mode {fmt_value(float(value))}{whole}"


def _default_text(p: Parameter) -> str:
    if p.is_yearly:  # the dated values as declared
        return ", ".join(f"{year}: {fmt_value(v)}" for year, v in p.default_steps)
    return fmt_value(p.default)


def _effects_text(p: Parameter) -> str:
    return "; ".join(f"{e.direction.replace('_', '-')} {e.output}"
                     + (f" ({e.why})" if e.why else "") for e in p.effects)


def documentation_rows(values: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every parameter documented once, as generated table rows (`python -m lib params`, the
    Assumptions page): variation around `values` (a scenario's), or around the defaults."""
    rows = []
    for p in registry():
        value = p.default if values is None else values[p.key]
        switch = p.kind == "boolean"
        rows.append({
            "group": p.group.label, "kind": p.group.kind, "key": p.key, "label": p.label,
            "unit": p.unit, "type": p.kind, "role": p.role or "",
            "distribution": variation_text(p, value), "default": _default_text(p),
            "plausible range": "" if switch else f"{p.low:g} to {p.high:g}",
            "allowed range": "off or on" if switch else f"{p.min:g} to {p.max:g}",
            "step": "" if switch else f"{p.step:g}", "effect": _effects_text(p),
            "estimate": p.estimate, "description": p.description, "source": p.source,
            "source date": p.source_date.isoformat(),
        })
    return rows
