"""The model's calendar: monthly steps from January 2022, one value per calendar year for
yearly parameters, and headline numbers read in December of a year."""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pandas as pd

from lib.core.data import table

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


def monthly(yearly: np.ndarray, n_months: int) -> np.ndarray:
    """(B, years) -> (B, months): each month takes its calendar year's value."""
    return yearly[:, np.arange(n_months) // 12]


@cache
def event_month(label: str) -> int:
    """The month of a dated event in data/events.csv, looked up by its label."""
    return month_of(table("events.csv").set_index("label").loc[label, "date"])


def from_year(year: np.ndarray, n_months: int) -> np.ndarray:
    """(B, T) True from January of each row's year."""
    return np.arange(n_months)[None, :] >= (year[:, None] - FIRST_YEAR) * 12


def grown_after(history: np.ndarray, growth: np.ndarray, n_months: int,
                last_year: int) -> np.ndarray:
    """Yearly amounts: the recorded values to `last_year`, then the last recorded year's value
    times each later year's growth, compounded. (B, years) -> (B, months), per month."""
    years = history.shape[1]
    last = last_year - FIRST_YEAR
    factor = np.cumprod(np.where(np.arange(years) > last, growth, 1.0), axis=1)
    yearly = np.where(np.arange(years) > last, history[:, last:last + 1] * factor, history)
    return monthly(yearly, n_months) / 12
