"""The model's calendar: monthly steps from January 2022, one value per calendar year for
yearly parameters, and headline numbers read in December of a year."""

from __future__ import annotations

import datetime as dt

import pandas as pd

FIRST_YEAR = 2022
LAST_YEAR = 2035
YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
START = dt.date(FIRST_YEAR, 1, 1)


def n_months_for(horizon_year: int) -> int:
    """Months simulated from January 2022 through December of the horizon year."""
    return (int(horizon_year) - FIRST_YEAR + 1) * 12


def month_of(date: dt.date) -> int:
    """Index of the month containing `date` (January 2022 is 0)."""
    return (date.year - FIRST_YEAR) * 12 + date.month - 1


def december(year: int, n_months: int) -> int:
    """Index of December of `year`, or of the last month simulated if that comes first."""
    return min(month_of(dt.date(int(year), 12, 1)), n_months - 1)


def months_index(n_months: int) -> pd.DatetimeIndex:
    return pd.date_range(START, periods=n_months, freq="MS")
