"""Strict loaders for the human-edited files in data/.

Every file is checked against a small schema when it is read. A damaged file (missing column,
unparsable number or date, empty required cell) raises DataError naming the file, the row and
the column, so the app stops at start-up instead of drawing wrong charts.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from functools import cache
from pathlib import Path

import pandas as pd

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
        "inference_h100e_override": ("float", False), "override_source": ("str", False),
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
        "chip_id": ("str", True), "available": ("date", True), "note": ("str", True),
        "source": ("str", True), "source_date": ("date", True),
    },
    "nvidia_china_products.csv": {
        "chip_id": ("str", True), "first_sale": ("date", True), "source": ("str", True),
        "source_date": ("date", True),
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
    "history/checkpoints.csv": {
        "checkpoint_id": ("str", True), "metric": ("str", True), "as_of": ("date", True),
        "period": ("str", True), "value": ("float", True), "low": ("float", True),
        "high": ("float", True), "unit": ("str", True), "source": ("str", True),
        "source_date": ("date", True), "note": ("str", False),
    },
}

ALLOWED_VALUES = {
    ("chips.csv", "origin"): {"us", "china"},
    ("events.csv", "category"): {"rule", "industry", "model"},
    ("chip_actions.csv", "action"): {"license_required", "licensed", "case_by_case"},
    ("history/checkpoints.csv", "period"): {"cumulative", "year", "stock"},
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
    schema = SCHEMAS[name]
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
            records = []
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
                records.append(record)
    except FileNotFoundError:
        raise DataError(f"{name}: file not found in {path.parent}") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: not UTF-8 text ({exc.reason})") from None
    frame = pd.DataFrame.from_records(records, columns=list(schema))
    key = next(iter(schema))
    if name in {"chips.csv", "rules.csv", "huawei_roadmap.csv", "nvidia_china_products.csv",
                "history/checkpoints.csv"}:
        duplicated = frame[key][frame[key].duplicated()]
        if len(duplicated):
            raise DataError(f"{name}: duplicate {key} {duplicated.iloc[0]!r}")
    return frame


@cache
def table(name: str) -> pd.DataFrame:
    """Cached, validated table from the data folder (treat as read-only)."""
    return load_table(name)


def validate_all(data_dir: Path | None = None) -> None:
    """Load every data file; raise DataError on the first problem."""
    for name in SCHEMAS:
        load_table(name, data_dir)
