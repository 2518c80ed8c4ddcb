"""Chokepoint's model core: data, parameters, scenarios and the vectorized simulation.

Nothing here imports Streamlit; the app in app.py and pages/ only reads from this package.
"""

from .data import DataError
from .params import Scenario, ScenarioError, presets, registry
from .runs import METRICS, Result, attribute, run, run_batch, run_values

__all__ = ["DataError", "METRICS", "Result", "Scenario", "ScenarioError", "attribute",
           "presets", "registry", "run", "run_batch", "run_values"]
