"""Data files: strict loading. Each damaged copy of data/ is refused, naming the file and the
row (CSV) or line (YAML) or the entry (parameter, preset, group, correlation)."""

import re
from pathlib import Path

import pytest

from lib.core.data import DATA_DIR, KEYS, SCHEMAS, DataError, load_table, load_yaml
from lib.core.registry import load_registry
from lib.core.scenario import validate_data
from tests.conftest import apply, repeat_row, replace
from tests.helpers import names_file_and_line

PRESET = ("strict_enforcement:\n  label: Again\n  rationale: Declared twice.\n  sources: []\n"
          "  overrides: {smuggling_interdiction_share: 0.9}\n")

DAMAGE = [  # file, damage, what the message must say
    # CSV cells and columns
    ("chips.csv", replace("die_area_mm2,", "die_area,"),
     "chips.csv, row 1 (header): missing column(s) die_area_mm2"),
    ("rules.csv", replace("source,source_date\n", "source,source_date,comment\n"),
     "rules.csv, row 1 (header): unknown column(s) comment"),
    ("huawei_roadmap.csv", replace("ascend_910c,910,", "ascend_910c,910,910,"),
     "huawei_roadmap.csv, row 3: wrong number of cells"),
    ("chips.csv", replace(",989.4,", ",98x.4,"),
     "chips.csv, row 4, column 'bf16_dense_tflops': cannot read '98x.4' as float"),
    ("chips.csv", replace(",us,2020,", ",us,2020.5,"),
     "chips.csv, row 2, column 'year': cannot read '2020.5' as int"),
    ("history/nvidia_revenue_by_location.csv", replace(",768,", ",nan,"),
     "history/nvidia_revenue_by_location.csv, row 2, column 'revenue_musd': cannot read 'nan'"),
    ("rules.csv", replace("2023-10-17", "2023-13-17"),
     "rules.csv, row 3, column 'effective_date': cannot read '2023-13-17' as date"),
    ("events.csv", replace("2023-10-24; 2025-03-07", "2023-10-24; 2025-03"),
     "events.csv, row 2, column 'source_date': cannot read"),
    ("events.csv", replace("2022-10-07,Oct 2022 chip rule,rule", "2022-10-07,,rule"),
     "events.csv, row 2, column 'label': empty"),
    ("chips.csv", replace("a800,A800 SXM,NVIDIA,us", "a800,A800 SXM,NVIDIA,mars"),
     "chips.csv, row 3, column 'origin': 'mars' is not one of"),
    ("chip_actions.csv", replace(",h20,licensed,", ",h20,allowed,"),
     "chip_actions.csv, row 3, column 'action': 'allowed' is not one of"),
    ("history/checkpoints.csv", replace(",2024-12-31,year,", ",2024-12-31,decade,"),
     "history/checkpoints.csv, row 2, column 'period': 'decade' is not one of"),
    ("history/checkpoints.csv", replace(",chips,false,", ",chips,maybe,"),
     "history/checkpoints.csv, row 2, column 'holdout': 'maybe' is not one of"),
    # CSV rows repeated: each table's key (lib/core/data.py KEYS)
    ("chips.csv", repeat_row(2), "chips.csv, rows 2 and 3: duplicate chip_id 'a100'"),
    ("rules.csv", repeat_row(2), "rules.csv, rows 2 and 3: duplicate rule_id 'oct2022'"),
    ("chip_actions.csv", repeat_row(2), "chip_actions.csv, rows 2 and 3: duplicate date "
     "'2025-04-09', chip_id 'h20', action 'license_required'"),
    ("events.csv", repeat_row(2), "events.csv, rows 2 and 3: duplicate label 'Oct 2022 chip rule'"),
    ("huawei_roadmap.csv", repeat_row(3),
     "huawei_roadmap.csv, rows 3 and 4: duplicate chip_id 'ascend_910c'"),
    ("nvidia_china_products.csv", repeat_row(2),
     "nvidia_china_products.csv, rows 2 and 3: duplicate chip_id 'a100'"),
    ("history/nvidia_revenue_by_location.csv", repeat_row(2),
     "history/nvidia_revenue_by_location.csv, rows 2 and 3: duplicate fiscal_quarter "
     "'Q1 FY2022', location 'United States'"),
    ("history/deepseek_holdings.csv", repeat_row(2),
     "history/deepseek_holdings.csv, rows 2 and 3: duplicate chip_id 'h100'"),
    ("history/checkpoints.csv", repeat_row(2),
     "history/checkpoints.csv, rows 2 and 3: duplicate checkpoint_id 'smuggled_2024'"),
    # the same key with other cells changed
    ("chips.csv", replace("h800,H800 SXM", "h100,H800 SXM"),
     "chips.csv, rows 4 and 5: duplicate chip_id 'h100'"),
    ("events.csv", repeat_row(5, "2024-12-02,", "2024-12-09,"),
     "events.csv, rows 5 and 6: duplicate label 'HBM export control'"),
    ("history/nvidia_revenue_by_location.csv", repeat_row(2, ",768,", ",800,"),
     "history/nvidia_revenue_by_location.csv, rows 2 and 3: duplicate fiscal_quarter"),
    # the whole-row repeat that moved strict_enforcement's U.S. compute (13.19M -> 12.91M)
    ("chip_actions.csv", repeat_row(3), "chip_actions.csv, rows 3 and 4: duplicate date "
     "'2025-08-12', chip_id 'h20', action 'licensed'"),
    # YAML: keys given twice, syntax
    ("presets.yaml", replace("leaky_controls:\n", PRESET + "leaky_controls:\n"),
     "presets.yaml, line 17: duplicate key 'strict_enforcement' (first at line 8)"),
    ("presets.yaml", replace("    h20_reversal: false\n",
                             "    h20_reversal: false\n    h20_reversal: true\n"),
     "presets.yaml, line 15: duplicate key 'h20_reversal' (first at line 14)"),
    ("parameters.yaml", replace("  kind: yearly\n", "  kind: yearly\n  low: 0\n"),
     "parameters.yaml, line 59: duplicate key 'low' (first at line 57)"),
    ("parameters.yaml", replace("{2022: 0, 2024: 140000, 2025: 350000}",
                                "{2022: 0, 2024: 140000, 2024: 350000}"),
     "parameters.yaml, line 57: duplicate key 2024 (first at line 57)"),
    ("parameters.yaml", replace("groups:\n", "groups:\n  horizon: {label: H, kind: policy, "
                                             "lever: other}\n"),
     "parameters.yaml, line 49: duplicate key 'horizon' (first at line 35)"),
    ("parameters.yaml", replace("  label: Controlled chips smuggled\n",
                                "  label: [Controlled chips smuggled\n"),
     "parameters.yaml, line 54: not valid YAML (while parsing a flow "
     "sequence begun at line 53"),
    ("presets.yaml", replace("    h20_reversal: false\n", "\th20_reversal: false\n"),
     "presets.yaml, line 14: not valid YAML"),
    # YAML entries: presets, distributions, correlations, groups
    ("presets.yaml", replace("    export_tpp_threshold: 4800\n", "    export_tpp_limit: 4800\n"),
     "presets.yaml, preset strict_enforcement: 'export_tpp_limit': unknown parameter"),
    ("parameters.yaml", replace("{dist: lognormal_factor, low: 0.2,",
                                "{dist: lognormal, low: 0.2,"),
     "parameters.yaml, parameter smuggling_attempted_per_year: uncertainty needs dist"),
    ("parameters.yaml", replace("{dist: lognormal_factor, low: 0.2,",
                                "{dist: lognormal_factor, low: 1.2,"),
     "parameters.yaml, parameter smuggling_attempted_per_year: uncertainty: factor bounds"),
    ("parameters.yaml", replace("between: [smic_yield_2025, smic_wafers_per_month]",
                                "between: [smic_yield_2025, smic_wafers]"),
     "parameters.yaml, correlation 1: 'between' must name two different parameters"),
    ("parameters.yaml", replace("  rho: 0.5\n", "  rho: 1.5\n"),
     "parameters.yaml, correlation 1: rho must be a number strictly between -1 and 1"),
    ("parameters.yaml", replace("kind: policy, lever: smuggling}", "kind: policy, lever: spies}"),
     "parameters.yaml, group smuggling: bad kind or lever"),
    ("parameters.yaml", replace("  group: smuggling_flow\n", "  group: smuggle\n"),
     "parameters.yaml, parameter smuggling_attempted_per_year: unknown group 'smuggle'"),
]


def test_shipped_data_is_valid():
    validate_data(DATA_DIR)


@pytest.mark.parametrize("name, damage, expected", DAMAGE,
                         ids=[f"{name}:{expected.split(': ', 1)[-1][:30]}"
                              for name, _, expected in DAMAGE])
def test_damaged_data_is_refused_naming_file_and_row(data_copy, name, damage, expected):
    apply(data_copy, name, damage)
    with pytest.raises(DataError) as info:
        validate_data()  # reads data_copy through CHOKEPOINT_DATA_DIR
    assert names_file_and_line(expected, str(info.value)), (expected, str(info.value))


def test_every_data_file_is_checked():
    files = {path.relative_to(DATA_DIR).as_posix() for path in DATA_DIR.rglob("*")
             if path.suffix in (".csv", ".yaml", ".yml")}
    # arguments.yaml is checked at start-up by lib/analysis/arguments.py (lib/app/shell.py)
    assert files == set(SCHEMAS) | {"parameters.yaml", "presets.yaml", "arguments.yaml"}


def test_every_table_has_a_duplicate_rule_over_required_columns():
    assert set(KEYS) == set(SCHEMAS)
    for name, columns in KEYS.items():
        assert all(SCHEMAS[name][column][1] for column in columns), name


@pytest.mark.parametrize("name", ["rules.csv", "history/checkpoints.csv", "presets.yaml",
                                  "parameters.yaml"])
def test_missing_file(data_copy, name):
    (data_copy / name).unlink()
    with pytest.raises(DataError, match=f"{Path(name).name}: file not found"):
        validate_data()


@pytest.mark.parametrize("name", ["chips.csv", "presets.yaml"])
def test_file_not_utf8(data_copy, name):
    (data_copy / name).write_bytes((data_copy / name).read_bytes() + b"\xff\n")
    with pytest.raises(DataError, match=f"{name}: not UTF-8"):
        validate_data()


@pytest.mark.parametrize("text, message", [
    ("a: 1\nb:\n  c: 2\n  c: 3\n", "doc.yaml, line 4: duplicate key 'c' (first at line 3)"),
    ("- {x: 1, y: 2, x: 3}\n", "doc.yaml, line 1: duplicate key 'x' (first at line 1)"),
    ("a: [1, 2\nb: 3\n", "doc.yaml, line 2: not valid YAML (while parsing a flow sequence "
     "begun at line 1: did not find expected"),
    ("a: 1\nb: \x01\n", "doc.yaml, line 2: not valid YAML (control characters"),
])
def test_strict_yaml(tmp_path, text, message):
    path = tmp_path / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_yaml(path)
    assert message in str(info.value)


def test_strict_yaml_reads_what_safe_load_reads(tmp_path):
    """Keys may repeat in different mappings, and a merged key may be overridden."""
    path = tmp_path / "doc.yaml"
    path.write_text("base: &b {x: 1, y: 2}\none: {<<: *b, x: 3}\ntwo: {x: 4}\n", "utf-8")
    assert load_yaml(path) == {"base": {"x": 1, "y": 2}, "one": {"x": 3, "y": 2}, "two": {"x": 4}}


@pytest.mark.parametrize("old, new, message", [
    ("  default: 0.20\n", "  default: 0.99\n", "outside the allowed range"),
    ("  low: 0.20\n  high: 0.40\n", "  low: 0.50\n  high: 0.40\n", "min <= low <= high <= max"),
    ("  estimate: true\n", "  estimate: true\n  secret: 1\n", "unknown field(s) secret"),
    ("  source_date: 2025-06-11\n", "", "missing field(s) source_date"),
    ("  kind: yearly\n", "  kind: monthly\n", "kind must be one of"),
])
def test_damaged_parameter_file(data_copy, old, new, message):
    apply(data_copy, "parameters.yaml", replace(old, new))
    with pytest.raises(DataError) as info:
        load_registry(data_copy / "parameters.yaml")
    assert message in str(info.value) and "parameters.yaml, parameter " in str(info.value)


def test_every_table_has_a_schema_and_sources():
    for name in SCHEMAS:
        frame = load_table(name)
        assert len(frame) > 0, name
        assert "source" in frame.columns or name == "history/deepseek_holdings.csv"


@pytest.mark.parametrize("name, damage, expected", [
    ("presets.yaml", lambda text: "- " + text.replace("\n", "\n  "),
     "presets.yaml: expected a mapping of preset name to preset"),
    ("parameters.yaml", replace("- between: [smic_yield_2025, smic_wafers_per_month]",
                                "- between: 7"),
     "parameters.yaml, correlation 1: 'between' must name two different parameters"),
])
def test_a_file_of_the_wrong_shape_is_refused_not_a_traceback(data_copy, name, damage,
                                                             expected):
    apply(data_copy, name, damage)
    with pytest.raises(DataError, match=re.escape(expected)):
        validate_data()


def test_a_registry_section_of_the_wrong_shape_is_refused(tmp_path):
    path = tmp_path / "parameters.yaml"
    path.write_text("groups: [oops]\nparameters: []\ncorrelations:\nconstraints:\n")
    with pytest.raises(DataError, match="parameters.yaml: section 'groups' must be a mapping"):
        load_registry(path)


def test_glossary_defines_the_terms_the_pages_use():
    from lib.report.glossary import terms as glossary
    terms = set(glossary()["term"])
    assert {"Race gap", "Capability lag", "H100e", "TPP", "Performance density", "CANN",
            "Die bank", "HBM", "Binding constraint", "Policy events"} <= terms
    assert glossary()["definition"].str.len().min() > 40
