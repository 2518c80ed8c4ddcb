"""Strict loaders for the human-edited files in data/.

Every file is checked against a small schema when it is read. A damaged file (missing column,
unparsable number or date, empty required cell, a row repeated, a YAML key given twice) raises
DataError naming the file and the row or line, so the app stops at start-up instead of drawing
wrong charts.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DATA_DIR_ENV = "CHOKEPOINT_DATA_DIR"  # another data folder (tests, staging copies)


def data_folder() -> Path:
    """The data folder in use: $CHOKEPOINT_DATA_DIR if set, else the project's data/."""
    return Path(os.environ.get(DATA_DIR_ENV) or DATA_DIR)


class DataError(ValueError):
    """A data file in data/ is missing, malformed or inconsistent."""


# column -> (type, required). Types: str, float, int, date (ISO), dates ("; "-separated ISO dates).
SCHEMAS: dict[str, dict[str, tuple[str, bool]]] = {
    "chips.csv": {
        "chip_id": ("str", True), "name": ("str", True), "vendor": ("str", True),
        "origin": ("str", True), "year": ("int", False), "node": ("str", False),
        "die_area_mm2": ("float", False), "bf16_dense_tflops": ("float", False),
        "int8_tops": ("float", False), "fp8_tflops": ("float", False),
        "memory_gb": ("float", False), "memory_bw_tbps": ("float", False),
        "io_gbps": ("float", False), "tdp_w": ("float", False), "tpp": ("float", False),
        "china_status": ("str", True), "source": ("str", True), "source_date": ("dates", False),
        "notes": ("str", False),
    },
    "rules.csv": {
        "rule_id": ("str", True), "effective_date": ("date", True), "title": ("str", True),
        "license_tpp_min": ("float", True), "license_io_gbps_min": ("float", False),
        "license_tpp_min_with_pd": ("float", False), "license_pd_min": ("float", False),
        "gray_tpp_min": ("float", False), "gray_tpp_max": ("float", False),
        "gray_pd_min": ("float", False), "gray_pd_max": ("float", False),
        "gray2_tpp_min": ("float", False), "gray2_pd_min": ("float", False),
        "gray2_pd_max": ("float", False), "source": ("str", True), "source_date": ("date", True),
    },
    "chip_actions.csv": {
        "date": ("date", True), "chip_id": ("str", True), "action": ("str", True),
        "title": ("str", True), "source": ("str", True), "source_date": ("date", True),
    },
    "events.csv": {
        "date": ("date", True), "label": ("str", True), "category": ("str", True),
        "description": ("str", True), "source": ("str", True), "source_date": ("dates", True),
    },
    "huawei_roadmap.csv": {
        "chip_id": ("str", True), "ascend_class": ("str", True), "available": ("date", True),
        "roadmap_delay_applies": ("int", True), "die_area_mm2": ("float", True),
        "dies_per_package": ("int", True), "hbm_stacks_per_package": ("int", True),
        "note": ("str", True), "source": ("str", True), "source_date": ("dates", True),
    },
    "nvidia_china_products.csv": {
        "chip_id": ("str", True), "first_sale": ("date", True), "licensing": ("str", True),
        "source": ("str", True), "source_date": ("date", True),
    },
    "history/nvidia_revenue_by_location.csv": {
        "fiscal_quarter": ("str", True), "quarter_ended": ("date", True),
        "location": ("str", True), "revenue_musd": ("float", True), "source": ("str", True),
        "source_date": ("date", True),
    },
    "history/deepseek_holdings.csv": {
        "chip_id": ("str", True), "units": ("float", True), "source": ("str", True),
        "source_date": ("date", True), "note": ("str", False),
    },
    "glossary.csv": {  # also: other spellings of the term, "; "-separated
        "term": ("str", True), "also": ("str", False), "definition": ("str", True),
        "source": ("str", True),
        "source_date": ("date", True),
    },
    "history/checkpoints.csv": {
        "checkpoint_id": ("str", True), "metric": ("str", True), "as_of": ("date", True),
        "period": ("str", True), "value": ("float", True), "low": ("float", True),
        "high": ("float", True), "unit": ("str", True), "holdout": ("str", True),
        "source": ("str", True), "source_date": ("date", True), "note": ("str", False),
    },
}

# Each table's duplicate rule: the columns that identify a row. Two rows with the same values
# there are refused (a repeated row would be counted twice or silently replace the other).
KEYS: dict[str, tuple[str, ...]] = {
    "chips.csv": ("chip_id",),
    "rules.csv": ("rule_id",),
    "chip_actions.csv": ("date", "chip_id", "action"),
    "events.csv": ("label",),  # the model looks events up by label
    "huawei_roadmap.csv": ("chip_id",),
    "nvidia_china_products.csv": ("chip_id",),
    "history/nvidia_revenue_by_location.csv": ("fiscal_quarter", "location"),
    "history/deepseek_holdings.csv": ("chip_id",),
    "history/checkpoints.csv": ("checkpoint_id",),
    "glossary.csv": ("term",),
}

ALLOWED_VALUES = {
    ("chips.csv", "origin"): {"us", "china"},
    ("events.csv", "category"): {"rule", "industry", "model", "beijing", "enforcement"},
    ("chip_actions.csv", "action"): {"license_required", "licensed", "case_by_case"},
    ("huawei_roadmap.csv", "ascend_class"): {"910", "950"},
    ("huawei_roadmap.csv", "roadmap_delay_applies"): {0, 1},
    ("nvidia_china_products.csv", "licensing"): {"case_by_case", "b30a", "blackwell_rubin"},
    ("history/checkpoints.csv", "period"): {"cumulative", "year", "quarter", "at"},
    ("history/checkpoints.csv", "holdout"): {"true", "false"},  # read as bool by the back-cast
}


def _parse_cell(text: str, kind: str):
    if kind == "str":
        return text
    if kind == "float":
        value = float(text.replace(",", ""))
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("not a finite number")
        return value
    if kind == "int":
        return int(text)
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind == "dates":
        return [dt.date.fromisoformat(part.strip()) for part in text.split(";")]
    raise AssertionError(kind)


def load_table(name: str, data_dir: Path | None = None) -> pd.DataFrame:
    """Read data/<name>, validate every cell against its schema and return a DataFrame."""
    schema, key_columns = SCHEMAS[name], KEYS[name]
    path = Path(data_dir or data_folder()) / name
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [column for column in schema if column not in header]
            if missing:
                raise DataError(f"{name}, row 1 (header): missing column(s) "
                                f"{', '.join(missing)}")
            unknown = [column for column in header if column not in schema]
            if unknown:
                raise DataError(f"{name}, row 1 (header): unknown column(s) "
                                f"{', '.join(unknown)}")
            records, first_rows = [], {}
            for row_number, row in enumerate(reader, start=2):
                if None in row or any(value is None for value in row.values()):
                    raise DataError(f"{name}, row {row_number}: wrong number of cells")
                record = {}
                for column, (kind, required) in schema.items():
                    text = row[column].strip()
                    if not text:
                        if required:
                            raise DataError(
                                f"{name}, row {row_number}, column '{column}': empty"
                            )
                        record[column] = None
                        continue
                    try:
                        record[column] = _parse_cell(text, kind)
                    except ValueError as exc:
                        raise DataError(
                            f"{name}, row {row_number}, column '{column}': "
                            f"cannot read {text!r} as {kind} ({exc})"
                        ) from None
                    allowed = ALLOWED_VALUES.get((name, column))
                    if allowed and record[column] not in allowed:
                        raise DataError(
                            f"{name}, row {row_number}, column '{column}': "
                            f"{text!r} is not one of {sorted(allowed)}"
                        )
                key = tuple(record[column] for column in key_columns)
                first = first_rows.setdefault(key, row_number)
                if first != row_number:
                    shown = ", ".join(f"{column} {row[column].strip()!r}"
                                      for column in key_columns)
                    raise DataError(f"{name}, rows {first} and {row_number}: duplicate {shown}")
                records.append(record)
    except FileNotFoundError:
        raise DataError(f"{name}: file not found in {path.parent}") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: not UTF-8 text ({exc.reason})") from None
    return pd.DataFrame.from_records(records, columns=list(schema))


@cache
def table(name: str) -> pd.DataFrame:
    """Cached, validated table from the data folder (treat as read-only)."""
    return load_table(name)


def validate_all(data_dir: Path | None = None) -> None:
    """Load every CSV table; raise DataError on the first problem."""
    for name in SCHEMAS:
        load_table(name, data_dir)


class _StrictYamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML that refuses a key given twice in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}  # key -> (position, line)
            for position, (key_node, _) in enumerate(node.value):
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # "<<: *base" may be overridden on purpose
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    first, first_line = seen.setdefault(key, (position, line))
                except TypeError:
                    continue  # unhashable: the base class reports it
                if first != position:
                    raise _DuplicateKey(key, first_line, line)
        return super().construct_mapping(node, deep)


class _DuplicateKey(Exception):
    def __init__(self, key, first: int, line: int):
        super().__init__(key, first, line)
        self.key, self.first, self.line = key, first, line


def load_yaml(path: Path):
    """Read a YAML data file strictly: a syntax error or a mapping key given twice anywhere in
    the document raises DataError naming the file and the line."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
        return yaml.load(text, Loader=_StrictYamlLoader)
    except FileNotFoundError:
        raise DataError(f"{name}: file not found in {path.parent}") from None
    except OSError as exc:
        raise DataError(f"{name}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: not UTF-8 text ({exc.reason})") from None
    except _DuplicateKey as exc:
        raise DataError(f"{name}, line {exc.line}: duplicate key {exc.key!r} "
                        f"(first at line {exc.first})") from None
    except yaml.MarkedYAMLError as exc:
        mark, start = exc.problem_mark or exc.context_mark, exc.context_mark
        where = f"{name}, line {mark.line + 1}" if mark else name
        context = exc.context and (f"{exc.context} begun at line {start.line + 1}"
                                   if start and start.line != mark.line else exc.context)
        problem = ": ".join(part for part in (context, exc.problem) if part)
        raise DataError(f"{where}: not valid YAML ({problem})") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise DataError(f"{name}, line {line}: not valid YAML ({exc.reason})") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{name}: not valid YAML ({exc})") from None
