"""Chokepoint's model core: data, parameters, scenarios and the vectorized simulation.

Nothing here imports Streamlit; the app in app.py and pages/ only reads from this package.
"""
from lib.analysis.attribution import attribute
from lib.core.data import DataError
from lib.core.outputs import METRICS
from lib.core.registry import registry
from lib.core.runs import Result, run, run_batch, run_values
from lib.core.scenario import Scenario, ScenarioError, presets

__all__ = ["DataError", "METRICS", "Result", "Scenario", "ScenarioError", "attribute",
           "presets", "registry", "run", "run_batch", "run_values"]
