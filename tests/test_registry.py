"""The registry's declarations read from fixture files: roles, switches without bounds,
constraints, directions, and the refusal of what could not be varied consistently."""

import shutil

import numpy as np
import pytest
import yaml

from lib.core.data import DataError, data_folder
from lib.core.registry import load_registry, registry


@pytest.fixture
def declared(tmp_path):
    """Write a changed copy of data/parameters.yaml and load it: change(document)."""
    def load(change):
        document = yaml.safe_load((data_folder() / "parameters.yaml").read_text())
        change(document)
        path = tmp_path / "parameters.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        return load_registry(path)
    return load


def spec(document, key):
    return next(p for p in document["parameters"] if p["key"] == key)


def test_the_shipped_file_loads_and_copies_load_the_same(declared, tmp_path):
    shutil.copy(data_folder() / "parameters.yaml", tmp_path / "copy.yaml")
    assert load_registry(tmp_path / "copy.yaml") == registry()
    assert declared(lambda d: None) == registry()


def test_a_yearly_parameter_without_a_factor_distribution_is_refused(declared):
    def drop(document):
        del spec(document, "smic_wafers_per_month")["uncertainty"]
    with pytest.raises(DataError, match="smic_wafers_per_month: a yearly parameter .* needs "
                                        "uncertainty"):
        declared(drop)

    def absolute(document):
        spec(document, "training_share")["uncertainty"] = {"dist": "triangular"}
    with pytest.raises(DataError, match="training_share: a yearly parameter"):
        declared(absolute)


def test_a_fixed_yearly_parameter_needs_no_distribution(declared):
    def fix(document):
        entry = spec(document, "training_share")
        del entry["uncertainty"]
        entry["low"] = entry["high"] = 0.3
    reg = declared(fix)
    assert not reg["training_share"].varies and reg["training_share"].distribution is None


def test_booleans_take_no_bounds(declared):
    reg = registry()
    assert (reg["h20_reversal"].min, reg["h20_reversal"].max) == (0, 1)
    assert not reg["h20_reversal"].varies

    def bound(document):
        spec(document, "h20_reversal")["low"] = 0
    with pytest.raises(DataError, match="h20_reversal: unknown field.*low.*no bounds"):
        declared(bound)


def test_exactly_one_horizon_role(declared):
    def drop(document):
        del spec(document, "horizon_year")["role"]
    with pytest.raises(DataError, match="exactly one parameter must have role: horizon"):
        declared(drop)

    def rename(document):  # the role, not the key, makes the horizon
        spec(document, "horizon_year")["key"] = "last_year"
    assert declared(rename).horizon.key == "last_year"


@pytest.mark.parametrize("constraint, message", [
    ({"sum_at_most": 1, "of": ["smuggled_share_h200"], "why": "x"}, "two or more"),
    ({"sum_at_most": 1, "of": ["smuggled_share_h200", "packaging_yield"], "why": "x"},
     "of one kind"),
    ({"sum_at_most": 0, "of": ["smuggled_share_h200", "smuggled_share_b200"], "why": "x"},
     "positive"),
    ({"sum_at_most": 1, "of": ["smuggled_share_h200", "smuggled_share_b200"]}, "needs exactly"),
])
def test_bad_constraints_are_refused(declared, constraint, message):
    with pytest.raises(DataError, match=message):
        declared(lambda d: d.__setitem__("constraints", [constraint]))


def test_projection_keeps_the_split_and_only_touches_what_breaks_the_limit():
    inputs = {"smuggled_share_h200": np.array([[0.3, 0.6]]),
              "smuggled_share_b200": np.array([[0.5, 0.9]]), "other": np.array([7.0])}
    out = registry().project(inputs)
    np.testing.assert_allclose(out["smuggled_share_h200"], [[0.3, 0.4]])
    np.testing.assert_allclose(out["smuggled_share_b200"], [[0.5, 0.6]])
    assert out["other"] is inputs["other"]


@pytest.mark.parametrize("change, message", [
    (lambda e: e.update(raises="no_such_output"), "directions name each output"),
    (lambda e: e.update(raises="china_total", lowers="china_total"),
     "directions name each output"),
    (lambda e: e.update(non_monotone={"china_total": ""}), "non_monotone needs"),
])
def test_bad_directions_are_refused(declared, change, message):
    def apply(document):
        entry = spec(document, "packaging_yield")
        entry.pop("raises", None)
        change(entry)
    with pytest.raises(DataError, match=message):
        declared(apply)


def test_choice_values_outside_the_plausible_range_are_refused(declared):
    def widen(document):
        spec(document, "smic_yield_2025")["uncertainty"]["values"] = [0.2, 0.6]
    with pytest.raises(DataError, match="choice values must be scalars within low..high"):
        declared(widen)
