"""Running scenarios: memoized single runs and batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from lib.core.calendar import FIRST_YEAR, december, months_index, n_months_for
from lib.core.chips import licensed_candidates
from lib.core.memo import memo
from lib.core.model import BINDING, CHANNELS, FLOWS, simulate
from lib.core.outputs import headline_metrics
from lib.core.registry import registry
from lib.core.scenario import Scenario, stack_values


@dataclass(frozen=True)
class Result:
    """One scenario's outputs. Arrays are read-only: cached results are shared."""

    scenario: Scenario
    months: pd.DatetimeIndex
    series: dict[str, np.ndarray]  # name -> (months,)
    flows: dict[str, np.ndarray]  # arrivals_units, stock_units, arrivals_h100e, stock_h100e
    licensed_chip: str | None
    flow_h100e: np.ndarray  # (flows,) H100e per unit of each flow

    @property
    def last_year(self) -> int:
        return int(self.months[-1].year)

    def december_index(self, year: int) -> int:
        """Index of December of `year` (or of the last month simulated)."""
        return december(year, len(self.months))

    def at(self, name: str, year: int) -> float:
        """A series' value in December of `year` (or the last month simulated)."""
        return float(self.series[name][self.december_index(year)])

    def headline(self, years=(2025, 2027, 2030)) -> pd.DataFrame:
        """Every headline metric (lib/core/outputs.py) in December of each year."""
        years = [y for y in years if FIRST_YEAR <= y <= self.last_year]
        return pd.DataFrame([{"metric": o.key, "label": o.label, "unit": o.unit,
                              **{str(y): self.value(o.key, y) for y in years}}
                             for o in headline_metrics()])

    def value(self, key: str, year: int) -> float:
        """An output in December of `year`: a model series, or one Result derives."""
        if key == "smuggled_share":
            return self.channel_share("smuggled", year)
        return self.at(key, year)

    def by_channel(self, key: str) -> pd.DataFrame:
        """One of self.flows summed over each channel's flows, monthly (columns: CHANNELS)."""
        values = self.flows[key]
        data = {c: values[[i for i, (ch, _) in enumerate(FLOWS) if ch == c]].sum(axis=0)
                for c in CHANNELS}
        return pd.DataFrame(data, index=self.months)

    def channel_stock_h100e(self) -> pd.DataFrame:
        """China's installed compute by channel [H100e], monthly."""
        return self.by_channel("stock_h100e")

    def channel_years(self) -> dict[str, pd.DataFrame]:
        """China's supply by channel and calendar year (rows: years, columns: CHANNELS):
        arrivals_units [chips of the channel's kinds, see FLOWS] and arrivals_h100e [H100e]
        over the year, installed_h100e [H100e] in December (or the last month simulated)."""
        years = range(FIRST_YEAR, self.last_year + 1)
        out = {k: self.by_channel(k).groupby(self.months.year).sum().loc[list(years)]
               for k in ("arrivals_units", "arrivals_h100e")}
        stock = self.channel_stock_h100e()
        out["installed_h100e"] = pd.DataFrame(
            [stock.iloc[self.december_index(y)] for y in years], index=list(years))
        return out

    def channel_share(self, channel: str, year: int) -> float:
        stock = self.flows["stock_h100e"][:, self.december_index(year)]
        total = stock.sum()
        mine = sum(stock[i] for i, (c, _) in enumerate(FLOWS) if c == channel)
        return float(mine / total) if total > 0 else 0.0

    def series_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({k: v for k, v in self.series.items()
                              if k not in ("binding_constraint", "smic_generation")},
                             index=self.months)
        frame["binding_constraint"] = np.array(
            BINDING)[self.series["binding_constraint"]]
        frame.index.name = "month"
        return frame

    def flows_frame(self) -> pd.DataFrame:
        """Long table: month, channel, chip, arrivals and stock in units and H100e."""
        n_flows, n_months = self.flows["stock_units"].shape
        channel = np.repeat([c for c, _ in FLOWS], n_months)
        chip = np.repeat([self.licensed_chip or "none" if c == "licensed" else c
                          for _, c in FLOWS], n_months)
        frame = pd.DataFrame({
            "month": np.tile(self.months.values, n_flows), "channel": channel, "chip": chip,
            **{k: self.flows[k].ravel() for k in ("arrivals_units", "stock_units",
                                                  "arrivals_h100e", "stock_h100e")},
        })
        return frame

    @cached_property
    def counterfactual(self) -> Result:
        return run(Scenario.build(self.scenario.preset, self.scenario.override_dict()
                                  | {"no_export_controls": True}))


def freeze(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return array


@memo(256)
def run(scenario: Scenario) -> Result:
    """Run one scenario (memoized on its value)."""
    values = scenario.values()
    n_months = n_months_for(values[registry().horizon.key])
    out = simulate(stack_values([values]), n_months, detail=True)
    flows = {k: freeze(out.pop(k)[0]) for k in ("arrivals_units", "stock_units",
                                                 "arrivals_h100e", "stock_h100e")}
    training = freeze(out.pop("flow_h100e")[0])
    index = int(out.pop("licensed_index")[0])
    licensed = None if index < 0 else str(licensed_candidates()["chip_id"][index])
    series = {k: freeze(v[0]) for k, v in out.items()}
    return Result(scenario, months_index(n_months), series, flows, licensed, training)


def run_values(values_list: list[dict], detail: bool = False) -> dict[str, np.ndarray]:
    """Run many resolved parameter sets in one batch (same horizon required)."""
    horizon = registry().horizon.key
    horizons = {int(v[horizon]) for v in values_list}
    if len(horizons) != 1:
        raise ValueError(f"a batch must share one {horizon}")
    return simulate(stack_values(values_list), n_months_for(horizons.pop()), detail=detail)


def run_batch(scenarios: list[Scenario], detail: bool = False) -> dict[str, np.ndarray]:
    return run_values([s.values() for s in scenarios], detail=detail)
