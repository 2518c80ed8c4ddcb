"""Back-cast against published estimates, and the attribution of differences to levers."""

import numpy as np
import pandas as pd
import pytest

from lib.analysis.attribution import attribute
from lib.analysis.backcast import backcast_table, checkpoint_matrix, checkpoints, window
from lib.cli import main
from lib.core.calendar import months_index, n_months_for
from lib.core.data import table
from lib.core.model import FLOWS, simulate
from lib.core.registry import registry
from lib.core.runs import run, run_batch
from lib.core.scenario import Scenario, stack_values


def test_backcast_reports_every_checkpoint():
    frame = backcast_table(Scenario())
    assert list(frame["checkpoint"]) == list(table("history/checkpoints.csv")["checkpoint_id"])
    assert set(frame["status"]) <= {"inside", "outside", "point estimate"}
    assert frame["model"].notna().all()
    # hand-checked: H20 2024 = 1M/yr x 12 legal months of 2024
    assert frame.set_index("checkpoint").loc["h20_cum_2024", "model"] == pytest.approx(1e6)
    # A tuned model would put everything inside; it is reported, not forced.
    statuses = dict(zip(frame["checkpoint"], frame["status"], strict=True))
    assert statuses["smuggled_2024"] == "inside"


def test_checkpoint_matrix_of_one_run_is_the_backcast_model_column():
    for scenario in (Scenario(), Scenario.build("leaky_controls")):
        values = scenario.values()
        n_months = n_months_for(values[registry().horizon.key])
        out = simulate(stack_values([values]), n_months, detail=True)
        matrix = checkpoint_matrix(out, months_index(n_months), checkpoints())
        assert matrix.shape == (1, len(checkpoints()))
        np.testing.assert_allclose(matrix[0], backcast_table(scenario)["model"], rtol=1e-12)


def test_checkpoint_matrix_runs_a_batch_at_once():
    scenarios = [Scenario(), Scenario.build("leaky_controls"), Scenario.build("strict_enforcement")]
    out = run_batch(scenarios, detail=True)
    matrix = checkpoint_matrix(out, months_index(out["china_total"].shape[1]), checkpoints())
    for row, scenario in zip(matrix, scenarios, strict=True):
        np.testing.assert_allclose(row, backcast_table(scenario)["model"], rtol=1e-12)


def test_counts_leave_out_the_installed_base_and_follow_the_period():
    result = run(Scenario())
    frame = backcast_table(Scenario()).set_index("checkpoint")
    legal = [i for i, (channel, chip) in enumerate(FLOWS)
             if channel == "legal" and not chip.startswith(("installed_", "a100_pre"))]
    end = window(result.months, pd.Timestamp("2025-12-31"), "cumulative")[1]
    assert frame.loc["legal_nvidia_units_2025", "model"] == pytest.approx(
        result.flows["arrivals_units"][legal, :end].sum())
    assert window(result.months, pd.Timestamp("2025-09-30"), "quarter") == (42, 45)
    assert window(result.months, pd.Timestamp("2024-12-31"), "year") == (24, 36)
    assert frame["holdout"].sum() >= 2  # read as bools from "true"/"false"


def test_cli_backcast_prints_the_table(capsys):
    assert main(["backcast", "--format", "csv"]) == 0
    printed = capsys.readouterr().out
    for checkpoint in table("history/checkpoints.csv")["checkpoint_id"]:
        assert checkpoint in printed
    assert printed.splitlines()[0].startswith("checkpoint,as_of,unit,published,low,high,model")


def test_backcast_follows_the_scenario():
    # buyers' choice off: with it on, Chinese demand in 2024 caps what more smuggling adds
    more = backcast_table(Scenario.build(overrides={"smuggling_attempted_per_year": {2024: 4e5},
                                                    "buyers_choice": False}))
    assert more.set_index("checkpoint").loc["smuggled_2024", "model"] == pytest.approx(4e5)


@pytest.mark.parametrize("metric", ["race_gap_months", "china_total", "ratio"])
def test_attribution_adds_up_to_the_difference(metric):
    scenario, baseline = Scenario.build("leaky_controls"), Scenario()
    frame = attribute(scenario, baseline, metric, 2028)
    total = run(scenario).at(metric, 2028) - run(baseline).at(metric, 2028)
    assert frame["contribution"].sum() == pytest.approx(total, rel=1e-9, abs=1e-9)
    assert frame.attrs["scenario"] - frame.attrs["baseline"] == pytest.approx(total)


def test_attribution_of_one_lever_gets_everything():
    scenario = Scenario.build(overrides={"smic_yield_2025": 0.4})
    frame = attribute(scenario, Scenario(), "china_total", 2027)
    assert list(frame["lever"]) == ["smic_production"]
    assert frame["contribution"].iloc[0] > 0


def test_counterfactual_keeps_yearly_overrides():
    scenario = Scenario.build("leaky_controls", {"smic_wafers_per_month": {2027: 90000}})
    counterfactual = run(scenario).counterfactual.scenario
    assert counterfactual.values()["no_export_controls"] is True
    assert counterfactual.values()["smic_wafers_per_month"] == scenario.values()[
        "smic_wafers_per_month"]
    changed = scenario.with_overrides(smic_wafers_per_month={2028: 91000})
    assert changed.values()["smic_wafers_per_month"][5:7] == (90000, 91000)


def test_counterfactual_and_channels():
    result = run(Scenario())
    assert result.counterfactual.at("china_total", 2027) > result.at("china_total", 2027)
    assert result.licensed_chip == "h200"
    strict = run(Scenario.build("strict_enforcement"))
    assert strict.licensed_chip is None  # 4,800 TPP ceiling and the H20 ban kept: none left
    loose = run(Scenario.build("strict_enforcement", {"h20_reversal": True}))
    assert loose.licensed_chip == "h20"  # under a 4,800 TPP ceiling only the H20 remains
    assert strict.at("china_total", 2028) < result.at("china_total", 2028)
    headline = result.headline((2025, 2030)).set_index("metric")
    assert 0 < headline.loc["smuggled_share", "2025"] < 1


def test_calibrated_values_are_named_where_the_back_cast_is_shown():
    from lib.report.assumptions import calibrated_labels
    assert calibrated_labels() == ["Share of SMIC 7 nm for Ascend", "Domestic HBM output",
                                   "China's capability per frontier FLOP"]
