"""Numbers as text: one place for how values, probabilities and units are written.
"""

from __future__ import annotations

import math

from lib.core.calendar import YEARS
from lib.report.style import short_number

MINUS = "\u2212"  # a true minus sign: as wide as the plus, never read as a hyphen


def fmt_number(value: float, unit: str = "") -> str:
    """Compact human number: 6.7M, 812M, 1.2B; ratios and months with one decimal."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if unit == "share":
        return f"{100 * value:.0f}%"
    if unit in ("x", "months"):
        return f"{value:,.1f}" + ("x" if unit == "x" else "")
    magnitude = abs(value)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if magnitude >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def fmt_probability(p: float) -> str:
    if 0 < p < 0.01:
        return "<1%"
    if 0.99 < p < 1:
        return ">99%"
    return f"{p:.0%}"


def fmt_with_unit(value: float, unit: str) -> str:
    """'18.0x', '24.0 months', '5.3M H100e', '25%'."""
    text = fmt_number(value, unit)
    return text if unit in ("x", "share") else f"{text} {unit}"


def num(value: float) -> str:
    return fmt_number(value) if abs(value) >= 1000 else f"{value:g}"


def show_value(value) -> str:
    if isinstance(value, tuple):
        steps, previous = [], None
        for year, v in zip(YEARS, value, strict=True):
            if v != previous:
                steps.append(f"{year}: {fmt_number(v)}")
                previous = v
        return ", ".join(steps)
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() and abs(value) >= 1000 else f"{value:g}"
    return str(value)


def hover_format(unit: str) -> str:
    """Plotly hover format: one decimal for ratios and months, SI-prefixed otherwise."""
    return "%{y:.1f}" if unit in ("x", "months") else "%{y:,.3s}"


def fmt_short(value: float, unit: str) -> str:
    if unit == "months":
        return f"{value:.0f} mo"
    if unit == "x":
        return f"{value:.0f}x" if abs(value) >= 100 else f"{value:.1f}x"
    return short_number(value)


SPARK_BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values) -> str:
    """A path as one block character per value, from zero (or the path's lowest value, if
    negative) to its highest: '▁▁▄█▆'."""
    low, high = min(0.0, *values), max(values)
    if high <= low:
        return SPARK_BLOCKS[0] * len(values)
    top = len(SPARK_BLOCKS) - 1
    return "".join(SPARK_BLOCKS[round(top * (v - low) / (high - low))] for v in values)


def printf_format(kind: str, step: float) -> str:
    """The printf format a Streamlit number widget shows a parameter with: whole numbers for
    integer kinds and whole steps, else as many decimals as the step has (at most 3)."""
    if kind == "integer" or float(step).is_integer():
        return "%d" if kind == "integer" else "%.0f"
    return f"%.{max(0, min(3, len(f'{step:g}'.split('.')[-1])))}f"


def _decimals(value: float, unit: str) -> int:
    """One decimal for months and ratios, two when that would show a non-zero change as 0."""
    if unit not in ("months", "x"):
        return 0
    return 2 if 0.005 <= abs(value) < 0.05 else 1


def signed(value: float, unit: str, with_unit: bool = True) -> str:
    """A delta with its sign always shown: '+10.3 months', '−1.38M H100e', '+17 pts', '±0'."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if unit == "share":
        text, suffix, zero = f"{100 * abs(value):.0f}", " pts", abs(value) < 0.005
    elif unit in ("months", "x"):
        decimals = _decimals(value, unit)
        text, zero = f"{abs(value):.{decimals}f}", abs(value) < 0.005
        suffix = "x" if unit == "x" else f" {unit}"
    else:  # counts: less than half a unit is rounding
        zero = abs(value) < 0.5
        text, suffix = "0" if zero else fmt_number(abs(value)), f" {unit}"
    sign = "±" if zero else ("+" if value > 0 else MINUS)
    return sign + text + (suffix if with_unit else "")
