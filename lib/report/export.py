"""Exports: chart images (PNG/SVG through kaleido) and chart data (CSV/Parquet).

Kaleido 1.x starts Chromium and its sync server is not thread-safe, so every call goes through
one lock, and images are made in one batch per request (plotly.io.write_images).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import shutil
import struct
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from lib.core.outputs import OUTPUTS
from lib.core.scenario import Scenario
from lib.report.style import EXPORT_HEIGHT, EXPORT_WIDTH, data_date, export_layout, scenario_label

IMAGE_FORMATS = ("png", "svg")


_KALEIDO_LOCK = threading.Lock()


CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser",
                       "/usr/bin/google-chrome")


class ExportUnavailable(RuntimeError):
    """Static image export cannot run here (no Chromium, or kaleido failed)."""


def chromium_path() -> str | None:
    explicit = os.environ.get("BROWSER_PATH")
    if explicit and Path(explicit).exists():
        return explicit
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    found = shutil.which("chromium") or shutil.which("chrome")
    return found


def images_available() -> bool:
    return chromium_path() is not None


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "chart"


def figures_to_images(figures: dict[str, go.Figure], formats=IMAGE_FORMATS,
                      width: int = EXPORT_WIDTH, height: int = EXPORT_HEIGHT,
                      scale: float = 1) -> dict[tuple[str, str], bytes]:
    """Render every figure in every format in one kaleido batch: {(name, fmt): bytes}."""
    if not figures:
        return {}
    path = chromium_path()
    if path is None:
        raise ExportUnavailable("Chromium was not found (looked for /usr/bin/chromium), so "
                                "PNG and SVG export is unavailable here; CSV and Parquet "
                                "downloads still work.")
    with tempfile.TemporaryDirectory(prefix="chokepoint-export-") as tmp:
        figs, files, keys = [], [], []
        for name, fig in figures.items():
            sized = export_layout(fig, width, height)
            for fmt in formats:
                figs.append(sized)
                files.append(Path(tmp) / f"{safe_name(name)}.{fmt}")
                keys.append((name, fmt))
        with _KALEIDO_LOCK:  # kaleido finds /usr/bin/chromium itself (BROWSER_PATH overrides)
            try:
                pio.write_images(figs, files, width=width, height=height, scale=scale)
            except Exception as exc:  # kaleido/choreographer raise many kinds
                raise ExportUnavailable(f"Image export failed: {type(exc).__name__}: "
                                        f"{str(exc)[:200]}") from exc
        out = {}
        for key, file in zip(keys, files, strict=True):
            if not file.exists() or file.stat().st_size == 0:
                raise ExportUnavailable(f"Image export produced no {key[1]} for {key[0]}")
            out[key] = file.read_bytes()
        return out


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


SIGNIFICANT = 4  # digits kept in CSV values: the model's inputs are rarely known better


def scenario_note(scenario: Scenario) -> str:
    """A scenario as a CSV header names it: its label and its share-link query."""
    return f"{scenario_label(scenario)} (link ?{urlencode(scenario.to_query())})"


def csv_header(scenarios: Scenario | Mapping[str, Scenario]) -> str:
    """The first line of every CSV the app writes: which scenario(s), the data date, and
    where the units are."""
    if isinstance(scenarios, Scenario):
        named = scenario_note(scenarios)
    else:
        named = " vs ".join(f"{name} = {scenario_note(s)}" for name, s in scenarios.items())
    return f"# Chokepoint: {named}; data as of {data_date()}; units in headers"


def column_unit(frame: pd.DataFrame, column) -> str | None:
    """A column's unit: declared in the frame's attrs ("units" per column, else "unit" for
    every float column), or by the output the column is named after; None if it has none
    (text, counts in an integer column) or already names one."""
    name = str(column)
    units = frame.attrs.get("units", {})
    if name in units:
        return units[name]
    if name.endswith("]") or not pd.api.types.is_numeric_dtype(frame[column]) \
            or pd.api.types.is_bool_dtype(frame[column]):
        return None
    if name in OUTPUTS:
        return OUTPUTS[name].unit
    if "unit" in frame.columns:  # a table whose rows carry different units
        return "see unit column"
    if pd.api.types.is_float_dtype(frame[column]):
        return frame.attrs.get("unit")
    return None


def significant(value: float, digits: int = SIGNIFICANT) -> float:
    """`value` to `digits` significant figures (3917839.2837 -> 3918000.0)."""
    return float(f"{value:.{digits}g}") if math.isfinite(value) else value


# A text cell starting with one of these is read by spreadsheets as a formula (or, tab and CR,
# can start one): OWASP's "CSV injection". Such text gets a leading quote, which spreadsheets
# show as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def neutralize(value):
    """A cell value safe to open in a spreadsheet: text that could start a formula gets a
    leading quote; numbers, and text that is just a number ('-5'), are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) \
            and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def frame_csv(frame: pd.DataFrame, scenarios: Scenario | Mapping[str, Scenario]) -> bytes:
    """Every CSV the app writes: a '# Chokepoint: <scenario>; data as of ...' line, units in
    the column headers ('china [H100e]'), floats to 4 significant figures, integers as they
    are, text that a spreadsheet would run as a formula neutralized. pandas reads it back with
    read_csv(..., comment="#"); text is quoted, so a '#' inside it is not read as a comment."""
    return titled_csv(frame, csv_header(scenarios))


def titled_csv(frame: pd.DataFrame, title: str) -> bytes:
    """frame_csv's table under any '# ...' title line (one line)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(significant)
        elif not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(neutralize)
    out.columns = [f"{c} [{unit}]" if (unit := column_unit(frame, c)) else str(c)
                   for c in frame.columns]
    if isinstance(out.index, pd.DatetimeIndex):
        out.index = out.index.strftime("%Y-%m-%d")
    elif not pd.api.types.is_numeric_dtype(out.index):
        out.index = out.index.map(neutralize)
    index = not isinstance(out.index, pd.RangeIndex)
    body = out.to_csv(index=index, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    return (title + "\n" + body).encode("utf-8")


def frame_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    clean = frame.copy()
    clean.attrs = {}
    clean.columns = [str(c) for c in clean.columns]
    if clean.index.name is None and not isinstance(clean.index, pd.RangeIndex):
        clean.index.name = "index"
    for column in clean.columns:
        if clean[column].dtype == object:
            clean[column] = clean[column].map(lambda v: v if v is None else str(v))
    clean.to_parquet(buffer)
    return buffer.getvalue()
