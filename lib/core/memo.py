"""The one cache of model results. Runs, attributions, Monte Carlo summaries, tornados and the
like are memoized here, on hashable arguments (a Scenario is its own key), and nowhere else:
the app and the report layer call these functions and rely on them being cheap to call again.

What a memoized function returns is shared by every caller: arrays are frozen by the function
that makes them; data frames are handed out as copies (small, and cheaper than a rerun)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pandas as pd

MEMOIZED: list[Callable] = []  # every memoized function, so tests can clear them all


def memo(maxsize: int):
    def wrap(func):
        cached = functools.lru_cache(maxsize=maxsize)(func)

        @functools.wraps(func)
        def call(*args, **kwargs):
            args = tuple(tuple(a) if isinstance(a, list) else a for a in args)
            kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}
            value = cached(*args, **kwargs)
            return value.copy() if isinstance(value, pd.DataFrame) else value

        call.cache_clear = cached.cache_clear
        call.cache_info = cached.cache_info
        MEMOIZED.append(call)
        return call
    return wrap


def clear_all() -> None:
    for func in MEMOIZED:
        func.cache_clear()
