"""Running scenarios: memoized single runs, batches, the no-controls counterfactual, the
attribution of a difference to lever groups, and headline metrics."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd

from .chips import licensed_candidates
from .model import CHANNELS, FLOWS, n_months_for, simulate
from .params import LEVERS, Scenario, registry, stack_values

# Headline metrics: key -> (label, unit, series). Read at December of the chosen year.
METRICS = {
    "china_total": ("China AI compute", "H100e", "china_total"),
    "us_total": ("U.S. AI compute", "H100e", "us_total"),
    "ratio": ("U.S. / China compute", "x", "ratio"),
    "race_gap_months": ("Race gap (China behind)", "months", "race_gap_months"),
    "china_effective": ("China effective compute", "2022-algorithm H100e", "china_effective"),
    "us_effective": ("U.S. effective compute", "2022-algorithm H100e", "us_effective"),
    "china_training": ("China training compute", "H100e", "china_training"),
    "largest_run_flop_china": ("China's largest training run", "FLOP", "largest_run_flop_china"),
    "largest_run_flop_us": ("U.S. largest training run", "FLOP", "largest_run_flop_us"),
}
LEVER_LABELS = {
    "smuggling": "Smuggling", "legal_exports": "Legal exports", "tsmc_dies": "TSMC dies",
    "smic_production": "SMIC production", "efficiency": "Efficiency", "us_side": "U.S. side",
    "other": "Other",
}
SERIES_UNITS = {
    "china_training": "H100e", "china_inference": "H100e", "china_total": "H100e",
    "us_training": "H100e", "us_inference": "H100e", "us_total": "H100e",
    "china_effective": "2022-algorithm H100e", "us_effective": "2022-algorithm H100e",
    "ratio": "x", "effective_ratio": "x", "race_gap_months": "months",
    "largest_run_flop_us": "FLOP", "largest_run_flop_china": "FLOP",
    "ascend_utilization": "share", "smic_yield": "share", "smic_wafers_ascend": "wafers/month",
    "smic_gross_dies": "dies/month", "smic_good_dies": "dies/month",
    "die_bank_dies": "dies/month", "package_potential": "packages/month",
    "hbm_package_limit": "packages/month", "packaging_capacity": "packages/month",
    "package_attempts": "packages/month", "ascend_packages": "packages/month",
    "reallocated_to_us": "H100e/month", "us_algorithmic_multiplier": "x",
    "china_algorithmic_multiplier": "x",
}


def months_index(n_months: int) -> pd.DatetimeIndex:
    return pd.date_range("2022-01-01", periods=n_months, freq="MS")


@dataclass(frozen=True)
class Result:
    """One scenario's outputs. Arrays are read-only: cached results are shared."""

    scenario: Scenario
    months: pd.DatetimeIndex
    series: dict[str, np.ndarray]  # name -> (months,)
    flows: dict[str, np.ndarray]  # arrivals_units, stock_units, arrivals_h100e, stock_h100e
    licensed_chip: str | None
    flow_training_h100e: np.ndarray  # (flows,) training H100e per unit of each flow

    def at(self, name: str, year: int) -> float:
        """A series' value in December of `year` (or the last month simulated)."""
        index = min((year - 2022) * 12 + 11, len(self.months) - 1)
        return float(self.series[name][index])

    def headline(self, years=(2025, 2027, 2030)) -> pd.DataFrame:
        years = [y for y in years if 2022 <= y <= self.months[-1].year]
        rows = []
        for key, (label, unit, series) in METRICS.items():
            rows.append({"metric": key, "label": label, "unit": unit,
                         **{str(y): self.at(series, y) for y in years}})
        rows.append({"metric": "smuggled_share", "label": "Smuggled share of China's compute",
                     "unit": "share",
                     **{str(y): self.channel_share("smuggled", y) for y in years}})
        return pd.DataFrame(rows)

    def channel_stock_h100e(self) -> pd.DataFrame:
        """China's installed compute by channel [H100e], monthly."""
        stock = self.flows["stock_h100e"]
        data = {c: stock[[i for i, (ch, _) in enumerate(FLOWS) if ch == c]].sum(axis=0)
                for c in CHANNELS}
        return pd.DataFrame(data, index=self.months)

    def channel_share(self, channel: str, year: int) -> float:
        index = min((year - 2022) * 12 + 11, len(self.months) - 1)
        stock = self.flows["stock_h100e"][:, index]
        total = stock.sum()
        mine = sum(stock[i] for i, (c, _) in enumerate(FLOWS) if c == channel)
        return float(mine / total) if total > 0 else 0.0

    def series_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({k: v for k, v in self.series.items()
                              if k not in ("binding_constraint", "smic_generation")},
                             index=self.months)
        frame["binding_constraint"] = np.array(
            ["wafers", "yield", "packaging", "HBM"])[self.series["binding_constraint"]]
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


def _freeze(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return array


@lru_cache(maxsize=256)
def run(scenario: Scenario) -> Result:
    """Run one scenario (memoized on its value)."""
    values = scenario.values()
    n_months = n_months_for(values["horizon_year"])
    out = simulate(stack_values([values]), n_months, detail=True)
    flows = {k: _freeze(out.pop(k)[0]) for k in ("arrivals_units", "stock_units",
                                                 "arrivals_h100e", "stock_h100e")}
    training = _freeze(out.pop("flow_training_h100e")[0])
    index = int(out.pop("licensed_index")[0])
    licensed = None if index < 0 else str(licensed_candidates()["chip_id"][index])
    series = {k: _freeze(v[0]) for k, v in out.items()}
    return Result(scenario, months_index(n_months), series, flows, licensed, training)


def run_values(values_list: list[dict], detail: bool = False) -> dict[str, np.ndarray]:
    """Run many resolved parameter sets in one batch (same horizon required)."""
    horizons = {int(v["horizon_year"]) for v in values_list}
    if len(horizons) != 1:
        raise ValueError("a batch must share one horizon_year")
    return simulate(stack_values(values_list), n_months_for(horizons.pop()), detail=detail)


def run_batch(scenarios: list[Scenario], detail: bool = False) -> dict[str, np.ndarray]:
    return run_values([s.values() for s in scenarios], detail=detail)


def lever_of(key: str) -> str:
    return registry()[key].group.lever


def attribute(scenario: Scenario, baseline: Scenario, metric: str = "race_gap_months",
              year: int = 2030) -> pd.DataFrame:
    """Split metric(scenario) - metric(baseline) at `year` among lever groups (exact Shapley
    values over the groups whose parameters differ, all subsets in one batch run)."""
    scenario_values, baseline_values = scenario.values(), baseline.values()
    baseline_values["horizon_year"] = scenario_values["horizon_year"]
    differing = [k for k in scenario_values
                 if k != "horizon_year" and np.any(np.asarray(scenario_values[k])
                                                   != np.asarray(baseline_values[k]))]
    levers = [lever for lever in LEVERS if any(lever_of(k) == lever for k in differing)]
    subsets = list(itertools.product((0, 1), repeat=len(levers)))
    batch = []
    for subset in subsets:
        switched = {lever for lever, on in zip(levers, subset, strict=True) if on}
        batch.append({k: (scenario_values[k] if lever_of(k) in switched else baseline_values[k])
                      for k in scenario_values})
    out = run_values(batch)
    series = METRICS[metric][2] if metric in METRICS else metric
    index = min((year - 2022) * 12 + 11, out[series].shape[1] - 1)
    value = {subset: float(out[series][i, index]) for i, subset in enumerate(subsets)}
    n = len(levers)
    rows = []
    for j, lever in enumerate(levers):
        contribution = 0.0
        for subset in subsets:
            if subset[j]:
                continue
            with_j = subset[:j] + (1,) + subset[j + 1:]
            size = sum(subset)
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            contribution += weight * (value[with_j] - value[subset])
        rows.append({"lever": lever, "label": LEVER_LABELS[lever], "contribution": contribution})
    base_value = value[(0,) * n]
    frame = pd.DataFrame(rows, columns=["lever", "label", "contribution"])
    frame.attrs.update(metric=metric, year=year, baseline=base_value,
                       scenario=value[(1,) * n])
    return frame
