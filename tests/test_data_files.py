"""Data files: strict loading, one damaged copy per kind of damage."""

import shutil

import pytest

from lib.core.data import DATA_DIR, SCHEMAS, DataError, load_table, validate_all
from lib.core.registry import _load_registry


def test_shipped_data_is_valid():
    validate_all()


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def damage(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("name, old, new, message", [
    ("chips.csv", "die_area_mm2,", "die_area,", "missing column(s) die_area_mm2"),
    ("chips.csv", ",989.4,", ",98x.4,", "row 4, column 'bf16_dense_tflops': cannot read"),
    ("chips.csv", "a800,A800 SXM,NVIDIA,us", "a800,A800 SXM,NVIDIA,mars", "column 'origin'"),
    ("chips.csv", "h800,H800 SXM", "h100,H800 SXM", "duplicate chip_id 'h100'"),
    ("rules.csv", "2023-10-17", "2023-13-17", "column 'effective_date'"),
    ("events.csv", "2022-10-07,Oct 2022 chip rule,rule", "2022-10-07,,rule",
     "column 'label': empty"),
    ("history/checkpoints.csv", ",140000,", ",lots,", "column 'value'"),
    ("history/nvidia_revenue_by_location.csv", ",768,", ",nan,", "column 'revenue_musd'"),
])
def test_damaged_tables_name_file_row_and_column(data_copy, name, old, new, message):
    damage(data_copy / name, old, new)
    with pytest.raises(DataError) as info:
        load_table(name, data_copy)
    assert message in str(info.value)
    assert (data_copy / name).name in str(info.value)


def test_missing_file(data_copy):
    (data_copy / "rules.csv").unlink()
    with pytest.raises(DataError, match="rules.csv: file not found"):
        load_table("rules.csv", data_copy)


@pytest.mark.parametrize("old, new, message", [
    ("  default: 0.20\n", "  default: 0.99\n", "outside the allowed range"),
    ("  low: 0.20\n  high: 0.40\n", "  low: 0.50\n  high: 0.40\n", "min <= low <= high <= max"),
    ("  estimate: true\n", "  estimate: true\n  secret: 1\n", "unknown field(s) secret"),
    ("  source_date: 2025-06-11\n", "", "missing field(s) source_date"),
    ("  kind: yearly\n", "  kind: monthly\n", "kind must be one of"),
])
def test_damaged_parameter_file(data_copy, old, new, message):
    damage(data_copy / "parameters.yaml", old, new)
    with pytest.raises(DataError) as info:
        _load_registry(data_copy / "parameters.yaml")
    assert message in str(info.value) and "parameters.yaml" in str(info.value)


def test_every_table_has_a_schema_and_sources():
    for name in SCHEMAS:
        frame = load_table(name)
        assert len(frame) > 0, name
        assert "source" in frame.columns or name == "history/deepseek_holdings.csv"


def test_errors_name_the_file_with_its_folder(tmp_path):
    shutil.copytree(DATA_DIR, tmp_path / "data")
    target = tmp_path / "data" / "history" / "checkpoints.csv"
    text = target.read_text()
    target.write_text(text.replace("smuggled_2024,smuggled_units,2024-12-31",
                                   "smuggled_2024,smuggled_units,not-a-date", 1))
    with pytest.raises(DataError, match=r"history/checkpoints\.csv, row 2, column 'as_of'"):
        load_table("history/checkpoints.csv", tmp_path / "data")
