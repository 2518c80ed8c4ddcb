"""U.S. AI compute by owner's vendor: Nvidia (the recorded output times the U.S. share, plus
the dies a scenario does not sell to China against the status quo), Google TPU and AWS
Trainium (the record, then growth), each retiring gradually, and the share of it U.S. AI
data-center power can run. Batch arrays (B, months)."""

from __future__ import annotations

import numpy as np

from lib.core import mechanisms
from lib.core.calendar import FIRST_YEAR, grown_after
from lib.core.stock import surviving

HISTORY_LAST_YEAR = 2025  # U.S. vendors' arrivals: the record to here, growth after
RECORD_LAST_MONTH = (HISTORY_LAST_YEAR - FIRST_YEAR) * 12 + 11  # Dec of the last recorded year
VENDORS = ("nvidia", "tpu", "trainium")


def us_compute(p, nvidia_pool: np.ndarray, reallocated, kw: np.ndarray, life: np.ndarray
               ) -> dict[str, np.ndarray]:
    """Stocks by vendor [H100e], their power need [kW] and the powered share. `reallocated`:
    Nvidia dies China does not take against the status quo [H100e/month] (0 for it)."""
    n_months = nvidia_pool.shape[1]
    us_nvidia = nvidia_pool * p["us_nvidia_share"][:, None] + reallocated
    # the 2021 installed base arrives in Jan 2022 and retires gradually, as China's does
    us_nvidia[:, 0] += p["nvidia_output_2019_2021_h100e"] * p["us_nvidia_share"]
    arrivals = np.stack([
        us_nvidia,
        grown_after(p["us_tpu_h100e"], p["us_tpu_growth"], n_months, HISTORY_LAST_YEAR),
        grown_after(p["us_trainium_h100e"], p["us_trainium_growth"], n_months,
                    HISTORY_LAST_YEAR),
    ], axis=1)
    # the power the fleet draws is one more stock, each arrival at its own year's kW
    stock = surviving(np.concatenate([arrivals, (arrivals.sum(axis=1) * kw)[:, None]], axis=1),
                      life)
    need_kw = stock[:, len(VENDORS)]
    powered = mechanisms.powered_share(p, need_kw, mechanisms.us_power_kw(
        p, need_kw, np.arange(n_months), RECORD_LAST_MONTH))
    return {"by_vendor": stock[:, :len(VENDORS)],
            "total": np.maximum(stock[:, :len(VENDORS)].sum(axis=1), 1.0),
            "need_kw": need_kw, "powered": powered}
