"""Scenario validation, serialization and presets: each kind of bad input gives its error."""

import json
import math

import pytest

from lib.core.registry import registry
from lib.core.scenario import Scenario, ScenarioError, presets


def problems_of(call):
    with pytest.raises(ScenarioError) as info:
        call()
    return dict(info.value.problems)


@pytest.mark.parametrize("value, expected", [
    (1.5, "outside the allowed range 0.02 to 0.95"),
    (-1, "outside the allowed range"),
    ("abc", "expected a number"),
    ([0.2], "expected a number"),
    (True, "expected a number"),
    (math.nan, "finite"),
    (math.inf, "finite"),
    (None, "expected a number"),
])
def test_bad_scalar_values_name_the_key_and_range(value, expected):
    problems = problems_of(lambda: Scenario.build(overrides={"smic_yield_2025": value}))
    assert expected in problems["smic_yield_2025"]


def test_unknown_key_and_unknown_preset():
    assert problems_of(lambda: Scenario.build(overrides={"warp_drive": 1})) == {
        "'warp_drive'": "unknown parameter"}
    assert "unknown preset" in problems_of(lambda: Scenario.build("nope"))["preset"]


def test_integer_and_boolean_kinds():
    assert "whole number" in problems_of(
        lambda: Scenario.build(overrides={"ascend_roadmap_delay_months": 2.5}))[
        "ascend_roadmap_delay_months"]
    assert "true or false" in problems_of(
        lambda: Scenario.build(overrides={"h20_reversal": "maybe"}))["h20_reversal"]
    assert Scenario.build(overrides={"h20_reversal": "false"}).values()["h20_reversal"] is False


def test_yearly_values():
    scenario = Scenario.build(overrides={"smic_wafers_per_month": {2027: 70000, "2028": "75000"}})
    values = scenario.values()["smic_wafers_per_month"]
    assert values[2027 - 2022] == 70000 and values[2028 - 2022] == 75000
    assert values[2026 - 2022] == 20000  # untouched year keeps its default (Nikkei, Feb 2026)
    assert "outside 2022-2035" in problems_of(lambda: Scenario.build(
        overrides={"smic_wafers_per_month": {1999: 5}}))["smic_wafers_per_month"]
    whole = Scenario.build(overrides={"smic_wafers_per_month": 40000}).values()
    assert set(whole["smic_wafers_per_month"]) == {40000}


def test_cross_parameter_check_on_smuggled_mix():
    problems = problems_of(lambda: Scenario.build(overrides={
        "smuggled_share_h200": {2027: 0.7}, "smuggled_share_b200": {2027: 0.6}}))
    assert "more than 1 in 2027" in problems["smuggled_share_b200"]


def test_overrides_equal_to_preset_are_dropped():
    assert Scenario.build(overrides={"smic_yield_2025": 0.20}) == Scenario()
    assert Scenario.build("ft_yield_40", {"smic_yield_2025": 0.4}).overrides == ()


def test_json_round_trip_every_preset():
    for name in presets():
        scenario = Scenario.build(name, {"smuggling_interdiction_share": 0.35,
                                         "smic_wafers_per_month": {2029: 81000}})
        assert Scenario.from_json(scenario.to_json()) == scenario
        assert Scenario.from_query(scenario.to_query()) == (scenario, [])


def test_query_is_compact():
    scenario = Scenario.build("leaky_controls", {"smic_yield_2025": 0.33})
    query = scenario.to_query()
    assert query == {"preset": "leaky_controls", "smic_yield_2025": "0.33"}
    assert len("&".join(f"{k}={v}" for k, v in query.items())) < 100


def test_tampered_query_falls_back_per_key():
    scenario, problems = Scenario.from_query({
        "preset": "strict_enforcement", "smic_yield_2025": "9", "junk": "1",
        "smuggling_interdiction_share": "0.7"})
    assert scenario.preset == "strict_enforcement"
    assert scenario.values()["smuggling_interdiction_share"] == 0.7
    assert scenario.values()["smic_yield_2025"] == 0.20
    assert {key for key, _ in problems} == {"smic_yield_2025", "'junk'"}
    scenario, problems = Scenario.from_query({"preset": "<script>"})
    assert scenario.preset == "status_quo" and problems[0][0] == "preset"


@pytest.mark.parametrize("payload, expected", [
    (b"\xff\xfe\x00", "not UTF-8"),
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "expected a JSON object"),
    (b'{"preset": "status_quo", "hack": 1}', "unknown field"),
    (b'{"format": 99}', "unsupported format"),
    (b'{"overrides": {"smic_yield_2025": NaN}}', "NaN is not allowed"),
    (b'{"overrides": [1]}', "expected a mapping"),
    (b"[" * 100000 + b"]" * 100000, "JSON"),
    (b" " * (300 * 1024), "larger than 256 KiB"),
    (json.dumps({"name": "x" * 5000}).encode(), "at most 2,000 characters"),
    (b'{"label": ["Status quo"]}', "label: must be text"),  # `run` JSON's scenario.label
])
def test_bad_scenario_files(payload, expected):
    with pytest.raises(ScenarioError) as info:
        Scenario.from_json(payload)
    assert expected in str(info.value)


def test_every_parameter_declares_its_metadata():
    for p in registry():
        assert p.unit and p.source and p.source_date and p.description
        assert p.min <= p.low <= p.high <= p.max
    assert registry().horizon.key == "horizon_year" and not registry().horizon.varies


def test_one_documentation_table_for_cli_and_page(capsys):
    """`python -m lib params` and the Assumptions page print the same generated rows; the
    page adds only the scenario's value and whether it differs from the preset."""
    import io

    import pandas as pd

    from lib.cli import main
    from lib.report.assumptions import assumptions_table

    assert main(["params", "--format", "csv"]) == 0
    cli = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False, dtype=str)
    page = assumptions_table(Scenario()).astype(str)
    assert set(page.columns) - set(cli.columns) == {"value", "changed from preset"}
    shared = list(cli.columns)
    pd.testing.assert_frame_equal(page[shared].reset_index(drop=True), cli[shared],
                                  check_dtype=False)
    rows = cli.set_index("key")
    assert rows.loc["smic_yield_2025", "distribution"] == "choice: 0.2 (60%) or 0.4 (40%)"
    assert rows.loc["h20_reversal", "plausible range"] == ""
    assert rows.loc["horizon_year", "distribution"] == "fixed (horizon)"
    assert rows.loc["other_vendor_die_area_mm2", "effect"] == "lowers china_total"


def test_preset_yearly_values_hold_until_the_next_listed_year():
    """data/presets.yaml lists dated values, as parameters.yaml does."""
    smuggling = Scenario.build("cnas_high_smuggling").values()["smuggling_attempted_per_year"]
    assert smuggling[2023 - 2022] == 0  # before the first listed year: the default
    assert smuggling[2024 - 2022] == 400000
    assert set(smuggling[2025 - 2022:]) == {500000}  # 2025's value holds to 2035
    licensed = Scenario.build("rollback").values()["licensed_units_per_year"]
    assert licensed[2027 - 2022] == 3e6 and set(licensed[2028 - 2022:]) == {4e6}


def test_machine_overrides_set_exactly_the_years_listed():
    values = Scenario.build("cnas_high_smuggling", {
        "smuggling_attempted_per_year": {2027: 100000}}).values()["smuggling_attempted_per_year"]
    assert values[2027 - 2022] == 100000
    assert values[2026 - 2022] == values[2028 - 2022] == 500000  # the preset's, around it


def test_a_broken_constraint_falls_back_for_all_its_parameters_in_links():
    scenario, problems = Scenario.from_query({"smuggled_share_h200": "2027:0.7",
                                              "smuggled_share_b200": "2027:0.6",
                                              "smic_yield_2025": "0.3"})
    assert scenario.override_dict() == {"smic_yield_2025": 0.3}
    assert [key for key, _ in problems] == ["smuggled_share_b200"]
    assert "add up to more than 1 in 2027 (1.30)" in problems[0][1]


def test_presets_have_rationale_and_sources():
    for preset in presets().values():
        assert preset.rationale and preset.sources
        Scenario.build(preset.name).values()  # validates
