"""Assumptions and sources: every parameter with its value, range, distribution and source;
the declared correlations (the back-cast comes from lib/analysis/backcast.py).
"""

from __future__ import annotations

import pandas as pd

from lib.analysis.montecarlo import uncertain_parameters
from lib.core.registry import registry
from lib.core.scenario import Scenario
from lib.core.variation import documentation_rows, variation_text
from lib.report.fmt import show_value


def assumptions_table(scenario: Scenario) -> pd.DataFrame:
    """The generated parameter table (as `python -m lib params`), its distributions around
    this scenario's values, with the current value and whether it differs from the preset."""
    values = scenario.values()
    changed = scenario.differing_from_preset()
    frame = pd.DataFrame(documentation_rows(values))
    frame.insert(frame.columns.get_loc("unit") + 1, "value",
                 [show_value(values[key]) for key in frame["key"]])
    frame.insert(frame.columns.get_loc("default") + 1, "changed from preset",
                 frame["key"].isin(changed))
    return frame


def drawn_assumptions(scenario: Scenario) -> pd.DataFrame:
    """The assumptions Monte Carlo draws, with their distributions around current values."""

    values = scenario.values()
    return pd.DataFrame([{"parameter": p.label, "unit": p.unit, "key": p.key,
                          "distribution": variation_text(p, values[p.key])}
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
