"""Edits of a yearly path (one value per calendar year, as Scenario.values() holds a yearly
parameter): "from year X every year takes Y" and "from year X grow by Z per year".

Both keep the years before X, clip the new values to the parameter's allowed range (its min
and max) and say which years were clipped. New values are rounded to the digits a share link
keeps, so a path reloaded from its link is the path that was edited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lib.core.declarations import fmt_value

LINK_DIGITS = 6  # significant digits of a number in a share link (Scenario.to_query)


UNBOUNDED = (-math.inf, math.inf)


@dataclass(frozen=True)
class PathEdit:
    values: tuple[float, ...]  # the whole path, edited years included
    first_year: int
    bounds: tuple[float, float] = UNBOUNDED
    clipped: tuple[int, ...] = ()  # years whose new value was moved onto a bound

    def clipped_text(self, unit: str) -> str:
        """E.g. 'Clipped to the allowed maximum, 1 share, in 2031-2035.'; '' if none was."""
        by_limit: dict[float, list[int]] = {}
        for year in self.clipped:
            by_limit.setdefault(self.values[year - self.first_year], []).append(year)
        return " ".join(
            f"Clipped to the allowed {'maximum' if limit == self.bounds[1] else 'minimum'}, "
            f"{fmt_value(limit)} {unit}, in {_span(years)}."
            for limit, years in by_limit.items())


def round_for_link(value: float) -> float:
    """`value` to LINK_DIGITS significant digits (as a share link writes it)."""
    return float(f"{value:.{LINK_DIGITS}g}")


def set_from(path: tuple[float, ...], first_year: int, from_year: int, value: float,
             bounds: tuple[float, float] = UNBOUNDED) -> PathEdit:
    """Every year from `from_year` on takes `value` (clipped to `bounds`: min, max)."""
    start = _index(path, first_year, from_year)
    wanted = round_for_link(_finite(value))
    new = _clip(wanted, bounds)
    years = range(from_year, first_year + len(path))
    return PathEdit(tuple(path[:start]) + (new,) * len(years), first_year, bounds,
                    tuple(years) if new != wanted else ())


def grow_from(path: tuple[float, ...], first_year: int, from_year: int, rate: float,
              bounds: tuple[float, float] = UNBOUNDED) -> PathEdit:
    """From `from_year` on each year is the year before times (1 + rate); rate 0.1 = 10%/yr.

    Growth starts from the value in the year before `from_year`, which is kept: `from_year`
    is the first year that grows, and the path has no jump where the growth begins. The
    first year has no year before it, so growing from it keeps it and grows the years after.
    The unclipped value compounds; a year beyond `bounds` takes the bound and is reported
    (growth past the maximum stays at the maximum).
    """
    if _finite(rate) <= -1:
        raise ValueError(f"growth must be above -100%/yr, got {fmt_value(100 * rate)}%/yr")
    start = max(_index(path, first_year, from_year), 1)
    out, clipped = list(path[:start]), []
    level = float(path[start - 1])
    for index in range(start, len(path)):
        level *= 1 + rate
        wanted = round_for_link(level)
        out.append(_clip(wanted, bounds))
        if out[-1] != wanted:
            clipped.append(first_year + index)
    return PathEdit(tuple(out), first_year, bounds, tuple(clipped))


def _finite(value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value}")
    return value


def _index(path: tuple[float, ...], first_year: int, year: int) -> int:
    index = int(year) - first_year
    if not 0 <= index < len(path):
        raise ValueError(f"year {year} is outside {first_year}-{first_year + len(path) - 1}")
    return index


def _clip(value: float, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return min(max(value, low), high)


def _span(years: list[int]) -> str:
    if len(years) > 1 and years[-1] - years[0] + 1 == len(years):
        return f"{years[0]}-{years[-1]}"
    return ", ".join(str(year) for year in years)
