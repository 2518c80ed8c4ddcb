"""Exports: chart images (PNG/SVG through kaleido) and chart data (CSV/Parquet).

Kaleido 1.x starts Chromium and its sync server is not thread-safe, so every call goes through
one lock, and images are made in one batch per request (plotly.io.write_images).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import tempfile
import threading
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from lib.report.style import EXPORT_HEIGHT, EXPORT_WIDTH, export_layout

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


def frame_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv().encode("utf-8")


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
