"""Tables the dashboard draws, read from model results. No Streamlit here, no model arithmetic:
only selection, reshaping, labelling and formatting of what lib.runs and lib.chips compute.

Units are in square brackets in docstrings and column names.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import pandas as pd

from .chips import chip_table, tier_table
from .data import table
from .model import BINDING, CHANNELS, FLOWS
from .params import FIRST_YEAR, YEARS, Parameter, Scenario, presets, registry
from .runs import LEVER_LABELS, METRICS, Result, attribute, run
from .uncertainty import GoalSeek, monte_carlo, sensitivity_range

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
            "distribution": distribution_text(parameter, values[parameter.key]),
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


# ---------------------------------------------------------------------------------------------
# Uncertainty: Monte Carlo summaries, probability statements, sensitivity tables, goal-seek

FAN_SERIES = ("china_total", "ratio", "race_gap_months")
FAN_LOG = ("china_total", "ratio")  # fans drawn on a log axis (right-skewed draws)
FAN_TITLES = {
    "china_total": "China's installed AI compute: range of outcomes",
    "ratio": "U.S. compute as a multiple of China's: range of outcomes",
    "race_gap_months": "Race gap (months China is behind): range of outcomes",
}
DRAW_CHOICES = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)
# key -> (picker label, statement with {n}, series, above, default threshold)
PROBABILITY_STATEMENTS = {
    "china_share_above": ("China's compute above 1/N of the U.S.'s",
                          "China's compute > 1/{n} of the U.S.'s", "ratio", False, 10.0),
    "china_share_below": ("China's compute below 1/N of the U.S.'s",
                          "China's compute < 1/{n} of the U.S.'s", "ratio", True, 10.0),
    "gap_above": ("China more than N months behind", "China more than {n} months behind",
                  "race_gap_months", True, 24.0),
    "gap_below": ("China less than N months behind", "China less than {n} months behind",
                  "race_gap_months", False, 12.0),
    "china_above": ("China's compute above N H100e", "China's compute > {n} H100e",
                    "china_total", True, 5e6),
    "china_below": ("China's compute below N H100e", "China's compute < {n} H100e",
                    "china_total", False, 5e6),
}
SENSITIVITY_OUTPUTS = ("race_gap_months", "ratio", "china_total", "china_training", "us_total")
GOAL_TARGETS = {"race_gap_months": 24.0, "ratio": 10.0, "china_total": 5e6,
                "china_training": 2e6, "us_total": 1e8}
GOAL_FROM_YEAR = 2026  # yearly levers are goal-sought as one value for every year from here


@dataclass(frozen=True)
class UncertaintySummary:
    """What the pages draw from one Monte Carlo run, small enough to cache: the monthly
    percentiles of each fan series and every draw's December value in each year."""

    draws: int
    seed: int
    fans: dict[str, pd.DataFrame]  # series -> monthly p5, p25, p50, p75, p95
    december: dict[str, np.ndarray]  # series -> (years, draws)
    years: tuple[int, ...]

    def values(self, series: str, year: int) -> np.ndarray:
        """Every draw's value in December of `year` (or the last year), as MonteCarlo.at."""
        return self.december[series][min(max(year, self.years[0]), self.years[-1])
                                      - self.years[0]]

    def probability(self, series: str, year: int, threshold: float, above: bool = True
                    ) -> float:
        values = self.values(series, year)
        return float(np.mean(values > threshold if above else values < threshold))


def uncertainty_summary(scenario: Scenario, draws: int = 2000, seed: int = 0
                        ) -> UncertaintySummary:
    """Monte Carlo of the scenario (levers held, assumptions drawn), reduced to a summary.
    Calls the core's unmemoized function: its memo would keep every draw's monthly path."""
    mc = monte_carlo.__wrapped__(scenario, draws, seed, 1.0, FAN_SERIES)
    years = tuple(range(FIRST_YEAR, int(mc.months[-1].year) + 1))
    fans = {}
    for series in FAN_SERIES:
        frame = mc.percentiles(series)
        frame.index.name = "month"
        fans[series] = frame
    december = {s: np.stack([mc.at(s, year) for year in years]) for s in FAN_SERIES}
    return UncertaintySummary(draws, seed, fans, december, years)


def fan_frame(summary: UncertaintySummary, result: Result, series: str) -> pd.DataFrame:
    """Monthly percentiles of `series` across the draws, with the deterministic line."""
    frame = summary.fans[series].copy()
    frame["scenario"] = result.series[series][:len(frame)]
    label, unit, _ = METRICS[series]
    frame.attrs.update(series=series, label=label, unit=unit, draws=summary.draws,
                       seed=summary.seed, title=FAN_TITLES[series])
    return frame


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


def _threshold_text(series: str, threshold: float) -> str:
    return fmt_number(threshold) if series == "china_total" else f"{threshold:g}"


def probability_statement(summary: UncertaintySummary, key: str, threshold: float,
                          year: int) -> dict:
    """P(event at end `year`) over the draws, e.g. 'P(China's compute > 1/10 of the U.S.'s
    at end 2027) = 34%'."""
    _, template, series, above, _ = PROBABILITY_STATEMENTS[key]
    values = summary.values(series, year)
    hits = int(np.sum(values > threshold if above else values < threshold))
    p = summary.probability(series, year, threshold, above)
    event = template.format(n=_threshold_text(series, threshold))
    return {"p": p, "hits": hits, "draws": len(values), "series": series, "above": above,
            "threshold": threshold, "year": year, "event": event,
            "text": f"P({event} at end {year}) = {fmt_probability(p)}"}


def histogram(summary: UncertaintySummary, series: str, year: int,
              deterministic: float | None = None) -> pd.DataFrame:
    """Draws of `series` at December of `year` counted in bins (whole months for the gap)."""
    values = summary.values(series, year)
    low, high = float(np.min(values)), float(np.max(values))
    if series == "race_gap_months" and high > low:
        width = max(1.0, math.ceil((high - low) / 50))
        edges = np.arange(math.floor(low), math.floor(high) + width + 1e-9, width)
        counts, edges = np.histogram(values, bins=edges)
    else:
        counts, edges = np.histogram(values, bins=40)
    label, unit, _ = METRICS[series]
    frame = pd.DataFrame({"from": edges[:-1], "to": edges[1:], "draws": counts,
                          "share": counts / len(values)})
    frame.attrs.update(series=series, label=label, unit=unit, year=year, draws=len(values),
                       median=float(np.median(values)), p5=float(np.percentile(values, 5)),
                       p95=float(np.percentile(values, 95)), scenario=deterministic)
    return frame


def _num(value: float) -> str:
    return fmt_number(value) if abs(value) >= 1000 else f"{value:g}"


def distribution_text(parameter: Parameter, value) -> str:
    """How a parameter varies in Monte Carlo (assumptions) or the tornado (policy levers),
    around its current value, e.g. 'triangular 0.2–0.4, mode 0.3'."""
    d = parameter.distribution
    if d is None:
        return "fixed (switch)" if parameter.kind == "boolean" else "fixed (no range)"
    if parameter.group.kind == "policy":
        if parameter.uncertainty is not None:  # declared: say which, and that it is held
            return (_declared_text(parameter, d, value) + "; a policy lever: held in Monte "
                    "Carlo, varied in the tornado")
        low, high = sensitivity_range(parameter, value)
        return (f"held at the lever value in Monte Carlo (tornado: {_num(float(low))} to "
                f"{_num(float(high))})")
    return _declared_text(parameter, d, value)


def _declared_text(parameter: Parameter, d, value) -> str:
    whole = " (whole numbers)" if parameter.kind == "integer" else ""
    if d.dist == "choice":
        shift = 0.0 if parameter.is_yearly else float(value) - float(parameter.default)
        options = [f"{_num(v + shift)} ({w:.0%})" for v, w in zip(d.values, d.weights,
                                                                  strict=True)]
        return "choice: " + ", ".join(options[:-1]) + " or " + options[-1] + whole
    if d.is_factor:
        kind = d.dist.removesuffix("_factor")
        of = "each year's value" if parameter.is_yearly else "the value"
        text = f"{kind} ×{d.low:g}–×{d.high:g} of {of}"
        if kind == "lognormal":
            text += " (90% interval)"
        elif kind == "triangular":
            text += ", mode ×1"
        return text + whole
    current = float(value)
    low, high = min(parameter.low, current), max(parameter.high, current)
    if d.dist == "uniform":
        return f"uniform {_num(low)}–{_num(high)}{whole}"
    return f"triangular {_num(low)}–{_num(high)}, mode {_num(current)}{whole}"


def drawn_assumptions(scenario: Scenario) -> pd.DataFrame:
    """The assumptions Monte Carlo draws, with their distributions around current values."""
    from .uncertainty import uncertain_parameters

    values = scenario.values()
    return pd.DataFrame([{"parameter": p.label, "unit": p.unit, "key": p.key,
                          "distribution": distribution_text(p, values[p.key])}
                         for p in uncertain_parameters()])


def correlations() -> pd.DataFrame:
    """The declared correlations (drawn together through a Gaussian copula)."""
    reg = registry()
    return pd.DataFrame([{"between": f"{reg[a].label} and {reg[b].label}", "rho": c.rho,
                          "why": c.why} for c in reg.correlations for a, b in [c.between]],
                        columns=["between", "rho", "why"])


def correlation_lines() -> list[str]:
    """The declared correlations as plain sentences (Markdown)."""
    return [f"**{row.between}**: rho {row.rho:g}. {row.why}"
            for row in correlations().itertuples()]


def _range_text(parameter: Parameter, low, high) -> tuple[str, str]:
    d = parameter.distribution
    if parameter.is_yearly:
        if d is not None and d.is_factor:
            return f"×{d.low:g}", f"×{d.high:g}"
        return "low", "high"
    return _num(float(low)), _num(float(high))


def tornado_table(frame: pd.DataFrame, top: int = 12) -> pd.DataFrame:
    """The `top` widest tornado bars, with readable low/high values (no tuples)."""
    reg = registry()
    rows = []
    for row in frame.head(top).itertuples():
        p = reg[row.key]
        low, high = _range_text(p, row.low, row.high)
        each = " each year" if p.is_yearly else f" {p.unit}"
        lever = " (lever)" if row.kind == "policy" else ""
        rows.append({"key": row.key, "parameter": f"{p.label}{lever}: {low} → {high}{each}",
                     "kind": row.kind, "low": low, "high": high,
                     "output_low": float(row.output_low), "output_high": float(row.output_high),
                     "swing": float(row.swing)})
    out = pd.DataFrame(rows, columns=["key", "parameter", "kind", "low", "high", "output_low",
                                      "output_high", "swing"])
    metric = frame.attrs["metric"]
    out.attrs.update(base=frame.attrs["base"], metric=metric, year=frame.attrs["year"],
                     label=METRICS[metric][0], unit=METRICS[metric][1])
    return out


def sobol_table(frame: pd.DataFrame, metric: str, year: int) -> pd.DataFrame:
    out = frame.rename(columns={"label": "parameter"}).copy()
    out.attrs.update(metric=metric, year=year, label=METRICS[metric][0],
                     unit=METRICS[metric][1])
    return out


def goal_seek_levers() -> list[str]:
    """Parameters goal-seek can move: policy levers first, then assumptions."""
    usable = [p for p in registry() if p.kind != "boolean" and p.key != "horizon_year"
              and p.min < p.max]
    return [p.key for p in usable if p.group.kind == "policy"] + \
        [p.key for p in usable if p.group.kind != "policy"]


def goal_seek_text(found: GoalSeek, result: Result) -> tuple[bool, str]:
    """(reached, plain-language answer) for a goal-seek."""
    p = registry()[found.lever]
    label, unit, series = METRICS[found.metric]
    if found.value is None:
        if found.reach is None:
            return False, found.message[:1].upper() + found.message[1:] + "."
        every = f" (every year from {GOAL_FROM_YEAR})" if p.is_yearly else ""
        return False, (
            f"**Not reachable in range.** With {p.label} anywhere from "
            f"{fmt_number(p.min, p.unit)} to {fmt_with_unit(p.max, p.unit)}{every}, "
            f"{label} at end {found.year} stays between {fmt_with_unit(found.reach[0], unit)} "
            f"and {fmt_with_unit(found.reach[1], unit)}; the target is "
            f"{fmt_with_unit(found.target, unit)}.")
    values = result.scenario.values()
    current = values[p.key]
    if p.is_yearly:
        current = current[min(found.year, YEARS[-1]) - FIRST_YEAR]
    when = f" every year from {GOAL_FROM_YEAR}" if p.is_yearly else ""
    lever_value = (f"{100 * found.value:.1f}%" if p.unit == "share"  # an answer: one decimal
                   else fmt_with_unit(found.value, p.unit))
    now_when = f" in {found.year}" if p.is_yearly else ""
    return True, (
        f"**{p.label} = {lever_value}**{when} gives "
        f"**{label} = {fmt_with_unit(found.achieved, unit)}** at end {found.year} "
        f"(target {fmt_with_unit(found.target, unit)}). This scenario has "
        f"{fmt_with_unit(float(current), p.unit)}{now_when}, giving "
        f"{fmt_with_unit(result.at(series, found.year), unit)}.")


def with_bands(lines: pd.DataFrame, bands: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Scenario lines with each scenario's 5th and 95th percentile as extra columns."""
    frame = lines.copy()
    for name, band in bands.items():
        frame[f"{name}: 5th percentile"] = band["p5"].reindex(frame.index)
        frame[f"{name}: 95th percentile"] = band["p95"].reindex(frame.index)
    return frame
