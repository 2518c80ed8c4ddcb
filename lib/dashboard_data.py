"""Tables the dashboard draws, read from model results. No Streamlit here, no model arithmetic:
only selection, reshaping, labelling and formatting of what lib.runs and lib.chips compute.

Units are in square brackets in docstrings and column names.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import cache, lru_cache

import numpy as np
import pandas as pd

from .chips import chip_table, tier_table
from .data import table
from .model import BINDING, CHANNELS, FLOWS
from .params import YEARS, Scenario, presets, registry
from .runs import LEVER_LABELS, METRICS, Result, attribute, run

CHANNEL_LABELS = {
    "legal": "Legal Nvidia exports", "smuggled": "Smuggled Nvidia chips",
    "tsmc_dies": "TSMC-made Ascend dies", "smic": "SMIC-made Ascend",
    "no_controls": "Nvidia (no controls)",
}
COMPUTE_KINDS = {"total": "Total", "training": "Training", "inference": "Inference"}
TIER_DATES = {
    "Before controls (Jun 2022)": dt.date(2022, 6, 15),
    "Oct 2022 rule (Jun 2023)": dt.date(2023, 6, 15),
    "Oct 2023 rule (Jun 2024)": dt.date(2024, 6, 15),
    "2026 licensing (Jun 2026)": dt.date(2026, 6, 15),
}
KEY_EVENTS = {  # events.csv label -> short text for small annotated charts
    "Oct 2022 chip rule": "Oct 2022 rule",
    "Oct 2023 rule update": "Oct 2023 update",
    "H200 case-by-case licensing": "2026 licensing",
}
HEADLINE_KEYS = ("china_total", "us_total", "ratio", "race_gap_months")


def month_index(result: Result, year: int) -> int:
    """Index of December of `year` (or the last month simulated)."""
    return min((year - 2022) * 12 + 11, len(result.months) - 1)


def last_year(result: Result) -> int:
    return int(result.months[-1].year)


def preset_label(name: str) -> str:
    return presets()[name].label if name in presets() else name


def scenario_label(scenario: Scenario) -> str:
    label = preset_label(scenario.preset)
    n = len(scenario.overrides)
    return label if n == 0 else f"{label} + {n} change{'s' if n != 1 else ''}"


@cache
def data_date() -> dt.date:
    """The newest source date behind the parameters and the events table."""
    dates = [p.source_date for p in registry()]
    for value in table("events.csv")["source_date"]:
        dates.extend(value if isinstance(value, (list, tuple)) else [value])
    return max(d for d in dates if isinstance(d, dt.date))


# ---------------------------------------------------------------------------------------------
# Formatting


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


def counterfactual(result: Result) -> Result:
    """The same scenario with no export controls (lib.runs memoizes it)."""
    return result.counterfactual


# ---------------------------------------------------------------------------------------------
# Race overview


def headline(result: Result, year: int) -> pd.DataFrame:
    """China and U.S. compute, the ratio and the race gap at December of `year`, each with the
    no-controls counterfactual."""
    no_controls = counterfactual(result)
    rows = []
    for key in HEADLINE_KEYS:
        label, unit, series = METRICS[key]
        rows.append({"metric": key, "label": label, "unit": unit, "year": year,
                     "scenario": result.at(series, year),
                     "no_controls": no_controls.at(series, year)})
    return pd.DataFrame(rows)


def compute_over_time(result: Result, kind: str = "total", effective: bool = False,
                      with_counterfactual: bool = True) -> pd.DataFrame:
    """Monthly U.S. and China installed compute [H100e or 2022-algorithm H100e]."""
    if effective:
        names = {"us": "us_effective", "china": "china_effective"}
    else:
        names = {"us": f"us_{kind}", "china": f"china_{kind}"}
    frame = pd.DataFrame({"us": result.series[names["us"]],
                          "china": result.series[names["china"]]}, index=result.months)
    if with_counterfactual:
        frame["china_no_controls"] = counterfactual(result).series[names["china"]]
    frame.index.name = "month"
    frame.attrs["unit"] = "2022-algorithm H100e" if effective else "H100e"
    frame.attrs["kind"] = "effective" if effective else kind
    return frame


def largest_run(result: Result) -> pd.DataFrame:
    """Largest single training run each side could do [FLOP], monthly."""
    frame = pd.DataFrame({"us": result.series["largest_run_flop_us"],
                          "china": result.series["largest_run_flop_china"]},
                         index=result.months)
    frame.index.name = "month"
    frame.attrs["unit"] = "FLOP"
    frame.attrs["kind"] = "largest training run"
    return frame


def events_frame() -> pd.DataFrame:
    events = table("events.csv").copy()
    events["date"] = pd.to_datetime(events["date"])
    events.insert(0, "number", range(1, len(events) + 1))
    events["source_date"] = events["source_date"].map(
        lambda v: "; ".join(str(d) for d in v) if isinstance(v, (list, tuple)) else str(v))
    return events


def waterfall(scenario: Scenario, baseline: Scenario, metric: str = "race_gap_months",
              year: int = 2030) -> pd.DataFrame:
    """Change in `metric` from `baseline` to `scenario` split by lever group (Shapley)."""
    frame = attribute(scenario, baseline, metric, year)
    out = pd.DataFrame({
        "step": [f"{preset_label(baseline.preset)}"] + list(frame["label"]) + ["This scenario"],
        "kind": ["absolute"] + ["relative"] * len(frame) + ["total"],
        "value": [frame.attrs["baseline"]] + list(frame["contribution"])
        + [frame.attrs["scenario"]],
    })
    out.attrs.update(metric=metric, year=year, unit=METRICS[metric][1],
                     metric_label=METRICS[metric][0])
    return out


# ---------------------------------------------------------------------------------------------
# Supply channels


def channel_stock(result: Result) -> pd.DataFrame:
    """China's installed compute by channel [H100e], monthly; channels with no stock dropped
    except that at least one column is kept."""
    frame = result.channel_stock_h100e()
    keep = [c for c in CHANNELS if frame[c].abs().sum() > 0] or ["legal"]
    frame = frame[keep].rename(columns=CHANNEL_LABELS)
    frame.index.name = "month"
    return frame


def channel_arrivals_yearly(result: Result, unit: str = "units") -> pd.DataFrame:
    """Chips arriving in China per calendar year by Nvidia channel (legal, smuggled)
    [chips/yr or H100e/yr]."""
    key = "arrivals_units" if unit == "units" else "arrivals_h100e"
    arrivals = result.flows[key]
    data = {}
    for channel in ("legal", "smuggled"):
        rows = [i for i, (c, _) in enumerate(FLOWS) if c == channel]
        data[CHANNEL_LABELS[channel]] = arrivals[rows].sum(axis=0)
    frame = pd.DataFrame(data, index=result.months)
    frame = frame.groupby(frame.index.year).sum()
    frame.index.name = "year"
    frame.attrs["unit"] = "chips/yr" if unit == "units" else "H100e/yr"
    return frame


FUNNEL_STAGES = (
    ("smic_wafers_ascend", "SMIC wafers for Ascend", "wafers"),
    ("smic_gross_dies", "Gross dies", "dies"),
    ("smic_good_dies", "Good dies", "dies"),
    ("package_attempts", "Package attempts (incl. TSMC dies)", "packages"),
    ("ascend_packages", "Working Ascend packages", "packages"),
)


def funnel(result: Result, month: int) -> pd.DataFrame:
    """The SMIC-to-Ascend funnel in one month [per month], with the binding constraint."""
    frame = pd.DataFrame([
        {"stage": label, "value": float(result.series[key][month]), "unit": f"{unit}/month"}
        for key, label, unit in FUNNEL_STAGES
    ])
    frame.attrs["month"] = result.months[month].strftime("%b %Y")
    frame.attrs["binding"] = BINDING[int(result.series["binding_constraint"][month])]
    frame.attrs["limits"] = {
        "TSMC die-bank dies": float(result.series["die_bank_dies"][month]),
        "Package potential": float(result.series["package_potential"][month]),
        "HBM limit": float(result.series["hbm_package_limit"][month]),
        "Packaging capacity": float(result.series["packaging_capacity"][month]),
    }
    return frame


def binding_over_time(result: Result) -> pd.DataFrame:
    frame = pd.DataFrame({"binding_constraint": np.array(BINDING)[
        result.series["binding_constraint"]]}, index=result.months)
    frame.index.name = "month"
    return frame


# ---------------------------------------------------------------------------------------------
# Chip tiers


@lru_cache(maxsize=128)
def _tiers(date: dt.date, tpp_threshold: float, bw_threshold_gbps: float) -> pd.DataFrame:
    return tier_table(date, tpp_threshold, bw_threshold_gbps)


def tiers(date: dt.date, tpp_threshold: float, bw_threshold_gbps: float) -> pd.DataFrame:
    """Every chip with its export tier on `date` under the given licensing line (a copy)."""
    return _tiers(date, float(tpp_threshold), float(bw_threshold_gbps)).copy()


def tier_changes(date: dt.date, scenario: Scenario) -> pd.DataFrame:
    """Chips whose tier differs between the preset's thresholds and the scenario's."""
    base = presets()[scenario.preset]
    base_values = Scenario.build(scenario.preset).values()
    values = scenario.values()
    before = tiers(date, base_values["export_tpp_threshold"],
                   base_values["export_bw_threshold_gbps"])
    after = tiers(date, values["export_tpp_threshold"], values["export_bw_threshold_gbps"])
    changed = before["tier"] != after["tier"]
    out = pd.DataFrame({"chip": before.loc[changed, "name"],
                        "tier under preset": before.loc[changed, "tier"],
                        "tier under this scenario": after.loc[changed, "tier"]})
    out.attrs["preset"] = base.label
    return out.reset_index(drop=True)


def chip_specs() -> pd.DataFrame:
    cols = ["name", "vendor", "origin", "year", "node", "die_area_mm2", "tpp",
            "performance_density", "bf16_dense_tflops", "fp8_tflops", "memory_gb",
            "memory_bw_tbps", "io_gbps", "training_h100e", "inference_h100e", "training_basis",
            "inference_basis", "china_status", "source", "source_date"]
    frame = chip_table()[cols].copy()
    frame["source_date"] = frame["source_date"].map(
        lambda v: "; ".join(str(d) for d in v) if isinstance(v, (list, tuple)) else str(v))
    return frame


def chip_table_ids() -> list[str]:
    return list(chip_table()["chip_id"])


def chip_h100e() -> pd.DataFrame:
    frame = chip_table()[["name", "origin", "training_h100e", "inference_h100e"]]
    return frame[frame["training_h100e"].notna() | frame["inference_h100e"].notna()] \
        .reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Compare


def compare_series(results: dict[str, Result], series: str) -> pd.DataFrame:
    """One column per scenario name; scenarios with different horizons align on months."""
    frame = pd.concat({name: pd.Series(r.series[series], index=r.months)
                       for name, r in results.items()}, axis=1)
    frame.index.name = "month"
    frame.attrs["unit"] = METRICS.get(series, (None, "H100e"))[1]
    return frame


def differing_parameters(scenarios: dict[str, Scenario]) -> pd.DataFrame:
    """Parameters whose value differs between any of the scenarios, one column each."""
    values = {name: s.values() for name, s in scenarios.items()}
    rows = []
    for parameter in registry():
        shown = {name: _show_value(v[parameter.key]) for name, v in values.items()}
        if len(set(shown.values())) > 1:
            rows.append({"parameter": f"{parameter.label} [{parameter.unit}]", **shown})
    return pd.DataFrame(rows, columns=["parameter", *scenarios])


def _show_value(value) -> str:
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


def metric_deltas(results: dict[str, Result], year: int) -> pd.DataFrame:
    """Headline metrics per scenario at `year`, and each one's change from the first."""
    first = next(iter(results))
    rows = []
    for key in ("china_total", "us_total", "ratio", "race_gap_months", "china_training"):
        label, unit, series = METRICS[key]
        base = results[first].at(series, year)
        row = {"metric": f"{label} [{unit}]"}
        for name, result in results.items():
            value = result.at(series, year)
            row[name] = value
            if name != first:
                row[f"{name} vs {first}"] = value - base
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Assumptions


def assumptions(scenario: Scenario) -> pd.DataFrame:
    """Every parameter: current value, default, plausible and hard range, unit, source."""
    values = scenario.values()
    changed = scenario.differing_from_preset()
    rows = []
    for parameter in registry():
        meta = parameter.metadata()
        rows.append({
            "group": meta["group"], "kind": meta["kind"], "key": parameter.key,
            "label": parameter.label, "unit": parameter.unit,
            "value": _show_value(values[parameter.key]),
            "default": _show_value(parameter.default),
            "changed from preset": parameter.key in changed,
            "plausible range": f"{parameter.low:g} to {parameter.high:g}",
            "allowed range": f"{parameter.min:g} to {parameter.max:g}",
            "estimate": parameter.estimate, "description": parameter.description,
            "source": parameter.source, "source date": meta["source_date"],
        })
    return pd.DataFrame(rows)


def backcast_available() -> bool:
    try:
        from . import backcast  # noqa: F401
    except ImportError:
        return False
    return hasattr(backcast, "backcast_table")


def backcast(scenario: Scenario) -> pd.DataFrame | None:
    if not backcast_available():
        return None
    from . import backcast as module

    return module.backcast_table(scenario)


# ---------------------------------------------------------------------------------------------
# Briefing


def takeaways(result: Result, year: int) -> list[str]:
    """Plain-language sentences generated from the results."""
    china = result.at("china_total", year)
    us = result.at("us_total", year)
    gap = result.at("race_gap_months", year)
    smuggled = result.channel_share("smuggled", year)
    without = counterfactual(result).at("china_total", year)
    label = scenario_label(result.scenario)
    lines = [
        f"Under **{label}**, China has **{fmt_number(china)} H100e** of AI compute by end "
        f"{year}, **{gap:.0f} months** behind the U.S.; **{smuggled:.0%}** of it smuggled.",
        f"The U.S. has **{fmt_number(us)} H100e**, {us / max(china, 1):,.0f}x China's.",
    ]
    if without > china * 1.05:
        lines.append(f"Without export controls China would have about "
                     f"**{fmt_number(without)} H100e** ({without / china:.1f}x as much).")
    elif without < china * 0.95:
        lines.append(f"China ends with more compute than without controls "
                     f"({fmt_number(without)} H100e): domestic supply outgrows what it "
                     f"would have bought.")
    else:
        lines.append("Controls make little difference to China's compute by then.")
    domestic = result.channel_share("smic", year) + result.channel_share("tsmc_dies", year)
    month = month_index(result, year)
    binding = BINDING[int(result.series["binding_constraint"][month])]
    lines.append(f"Huawei Ascend chips are **{domestic:.0%}** of China's compute; Ascend "
                 f"output is limited by **{binding}** in December {year}.")
    if result.licensed_chip:
        lines.append(f"From 2026 the best chip licensable to China is the "
                     f"**{chip_table().set_index('chip_id').loc[result.licensed_chip, 'name']}**.")
    return lines


def channel_shares(result: Result, year: int) -> dict[str, float]:
    return {CHANNEL_LABELS[c]: result.channel_share(c, year) for c in CHANNELS}


def lever_label(lever: str) -> str:
    return LEVER_LABELS.get(lever, lever)


def preset_result(scenario: Scenario) -> Result:
    return run(Scenario.build(scenario.preset))
