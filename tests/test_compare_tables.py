"""The Compare page's tables: metrics with signed changes against the first scenario, each
change split into its policy and assumption parts, and the parameters that differ by kind."""

from __future__ import annotations

import pytest

from lib.analysis.baseline import kind_of
from lib.core.outputs import output
from lib.core.registry import registry
from lib.core.runs import run
from lib.core.scenario import Scenario
from lib.report import compare
from lib.report.fmt import MINUS

SCENARIOS = {"Sidebar": Scenario.build("status_quo", {"smuggling_interdiction_share": 0.3}),
             "Strict": Scenario.build("strict_enforcement"),
             "Leaky": Scenario.build("leaky_controls")}  # mixes policy and assumptions


def test_each_change_is_its_policy_part_plus_its_assumption_part():
    frame = compare.metric_deltas(SCENARIOS, 2028)
    assert list(frame["scenario"].unique()) == list(SCENARIOS)
    assert list(frame[compare.ROW][:2]) == [compare.VALUE, compare.VALUE]  # the first: value
    for name in ("Strict", "Leaky"):
        rows = frame[frame["scenario"] == name].set_index(compare.ROW)
        for key in compare.DELTA_METRICS:
            column = output(key).label_with_unit
            first = run(SCENARIOS["Sidebar"]).value(key, 2028)
            assert rows.loc[compare.CHANGE, column] == pytest.approx(
                rows.loc[compare.VALUE, column] - first)
            parts = rows.loc[list(compare.PARTS.values()), column]
            assert parts.sum() == pytest.approx(rows.loc[compare.CHANGE, column], abs=1e-6)
    leaky = frame[frame["scenario"] == "Leaky"].set_index(compare.ROW)
    gap = output("race_gap_months").label_with_unit
    assert all(leaky.loc[part, gap] != 0 for part in compare.PARTS.values())  # both move it


def test_changes_read_with_their_sign_and_units_stay_in_headers():
    text = compare.metric_deltas_text(compare.metric_deltas(SCENARIOS, 2028))
    changes = text[text[compare.ROW] != compare.VALUE]
    for column in text.columns[2:]:
        assert column.endswith("]")
        assert all(cell[0] in ("+", MINUS, "±") for cell in changes[column]), column
    assert list(text["scenario"]) == ["Sidebar", "Strict", "", "", "", "Leaky", "", "", ""]


def test_differing_parameters_say_their_kind_and_unit_policy_first():
    frame = compare.differing_parameters(SCENARIOS)
    assert list(frame.columns[:3]) == ["parameter", "kind", "unit"]
    by_label = {p.label: p for p in registry()}
    for row in frame.itertuples():
        parameter = by_label[row.parameter]
        assert row.kind == kind_of(parameter.key) and row.unit == parameter.unit
    kinds = list(frame["kind"])
    assert kinds == sorted(kinds, key=("policy", "assumption").index) and "assumption" in kinds
