"""Assumptions and sources: every parameter with its value, range, distribution and source;
the declared correlations; the back-cast against published estimates.
"""

from __future__ import annotations

import pandas as pd

from lib.analysis.backcast import backcast_table
from lib.analysis.montecarlo import uncertain_parameters
from lib.analysis.sensitivity import sensitivity_range
from lib.core.registry import Parameter, registry
from lib.core.scenario import Scenario
from lib.report.fmt import num, show_value


def assumptions_table(scenario: Scenario) -> pd.DataFrame:
    """Every parameter: current value, default, plausible and hard range, unit, source."""
    values = scenario.values()
    changed = scenario.differing_from_preset()
    rows = []
    for parameter in registry():
        meta = parameter.metadata()
        rows.append({
            "group": meta["group"], "kind": meta["kind"], "key": parameter.key,
            "label": parameter.label, "unit": parameter.unit,
            "value": show_value(values[parameter.key]),
            "distribution": distribution_text(parameter, values[parameter.key]),
            "default": show_value(parameter.default),
            "changed from preset": parameter.key in changed,
            "plausible range": f"{parameter.low:g} to {parameter.high:g}",
            "allowed range": f"{parameter.min:g} to {parameter.max:g}",
            "estimate": parameter.estimate, "description": parameter.description,
            "source": parameter.source, "source date": meta["source_date"],
        })
    return pd.DataFrame(rows)


def backcast(scenario: Scenario) -> pd.DataFrame:
    return backcast_table(scenario)


def distribution_text(parameter: Parameter, value) -> str:
    """How a parameter varies in Monte Carlo (assumptions) or the tornado (policy levers),
    around its current value, e.g. 'triangular 0.2–0.4, mode 0.3'."""
    d = parameter.distribution
    if d is None:
        return "fixed (switch)" if parameter.kind == "boolean" else "fixed (no range)"
    if parameter.group.kind == "policy":
        if parameter.uncertainty is not None:  # declared: say which, and that it is held
            return (_declared_text(parameter, d, value) + "; a policy lever: held in Monte "
                    "Carlo, varied in the tornado")
        low, high = sensitivity_range(parameter, value)
        return (f"held at the lever value in Monte Carlo (tornado: {num(float(low))} to "
                f"{num(float(high))})")
    return _declared_text(parameter, d, value)


def _declared_text(parameter: Parameter, d, value) -> str:
    whole = " (whole numbers)" if parameter.kind == "integer" else ""
    if d.dist == "choice":
        shift = 0.0 if parameter.is_yearly else float(value) - float(parameter.default)
        options = [f"{num(v + shift)} ({w:.0%})" for v, w in zip(d.values, d.weights,
                                                                  strict=True)]
        return "choice: " + ", ".join(options[:-1]) + " or " + options[-1] + whole
    if d.is_factor:
        kind = d.dist.removesuffix("_factor")
        of = "each year's value" if parameter.is_yearly else "the value"
        text = f"{kind} ×{d.low:g}–×{d.high:g} of {of}"
        if kind == "lognormal":
            text += " (90% interval)"
        elif kind == "triangular":
            text += ", mode ×1"
        return text + whole
    current = float(value)
    low, high = min(parameter.low, current), max(parameter.high, current)
    if d.dist == "uniform":
        return f"uniform {num(low)}–{num(high)}{whole}"
    return f"triangular {num(low)}–{num(high)}, mode {num(current)}{whole}"


def drawn_assumptions(scenario: Scenario) -> pd.DataFrame:
    """The assumptions Monte Carlo draws, with their distributions around current values."""

    values = scenario.values()
    return pd.DataFrame([{"parameter": p.label, "unit": p.unit, "key": p.key,
                          "distribution": distribution_text(p, values[p.key])}
                         for p in uncertain_parameters()])


def correlations() -> pd.DataFrame:
    """The declared correlations (drawn together through a Gaussian copula)."""
    reg = registry()
    return pd.DataFrame([{"between": f"{reg[a].label} and {reg[b].label}", "rho": c.rho,
                          "why": c.why} for c in reg.correlations for a, b in [c.between]],
                        columns=["between", "rho", "why"])


def correlation_lines() -> list[str]:
    """The declared correlations as plain sentences (Markdown)."""
    return [f"**{row.between}**: rho {row.rho:g}. {row.why}"
            for row in correlations().itertuples()]
