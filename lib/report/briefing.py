"""Briefing: plain-language takeaways generated from a scenario's results.
"""

from __future__ import annotations

import pandas as pd

from lib.core.calendar import FIRST_YEAR
from lib.core.chips import chip_table
from lib.core.model import BINDING, FLOWS
from lib.core.outputs import CHANNELS, output
from lib.core.runs import Result
from lib.report import baseline as versus
from lib.report.fmt import fmt_number, fmt_with_unit, signed
from lib.report.race import counterfactual
from lib.report.style import scenario_label

CARD_METRICS = ("china_total", "us_total", "race_gap_months", "capability_lag_months")


def smuggled_card(result: Result, year: int) -> tuple[str, str, str]:
    """The Briefing's last card: (label, value, caption) of the smuggled share."""
    return (output("smuggled_share").label, f"{result.value('smuggled_share', year):.0%}",
            f"{CHANNELS['legal']} {result.channel_share('legal', year):.0%}")


SHORT_NAMES = {"china_total": "China's compute", "race_gap_months": "the race gap",
               "capability_lag_months": "the capability lag"}


def change_takeaway(frame: pd.DataFrame) -> str | None:
    """The first takeaway when the scenario is not the baseline: what its changes do to each
    headline number, with the baseline's value, and how much of it is policy.
    `frame` is lib/report/baseline.headline's."""
    if frame.attrs.get("same"):
        return None
    rows = frame.set_index("metric")
    moved = [m for m in ("china_total", "race_gap_months", "capability_lag_months")
             if not versus.negligible(rows.loc[m, "change"], rows.loc[m, "unit"],
                                      rows.loc[m, "baseline"])]
    name = frame.attrs["baseline_name"]
    if not moved:
        return (f"Against **{name}**, these changes move none of China's compute, the race gap "
                "or the capability lag by then.")
    parts = []
    for metric in moved:
        row = rows.loc[metric]
        parts.append(f"{SHORT_NAMES[metric]} by **{signed(row.change, row.unit)}** "
                     f"({fmt_number(row.baseline, row.unit)} to "
                     f"{fmt_number(row['scenario'], row.unit)})")
    metric = "race_gap_months" if "race_gap_months" in moved else moved[0]
    lead = rows.loc[metric]
    if versus.negligible(lead.assumptions, lead.unit, lead.baseline):
        kind = "all of it policy"
    elif versus.negligible(lead.policy, lead.unit, lead.baseline):
        kind = "all of it from changed assumptions"
    else:
        kind = (f"of {SHORT_NAMES[metric]}'s change, policy "
                f"{signed(lead.policy, lead.unit)} and assumptions "
                f"{signed(lead.assumptions, lead.unit)}")
    return f"Against **{name}**, the changes move " + ", ".join(parts) + f" ({kind})."


def takeaways(result: Result, year: int, frame: pd.DataFrame | None = None) -> list[str]:
    """Plain-language sentences generated from the results; given lib/report/baseline's
    headline frame, the first says what the changes do against the baseline."""
    china = result.at("china_total", year)
    us = result.at("us_total", year)
    gap = result.at("race_gap_months", year)
    smuggled = result.value("smuggled_share", year)
    without = counterfactual(result).at("china_total", year)
    label = scenario_label(result.scenario)
    compute = output("china_total").unit
    usable = result.at("china_usable", year)
    first = change_takeaway(frame) if frame is not None else None
    lines = [first] if first else []
    lines += [
        f"Under **{label}**, China has **{fmt_with_unit(china, compute)}** of AI compute at "
        f"home by end {year} ({fmt_with_unit(usable, compute)} with what Chinese firms own or "
        f"rent abroad), **{gap:.0f} {output('race_gap_months').unit}** behind the U.S."
        + (f" (baseline {frame.set_index('metric').loc['race_gap_months', 'baseline']:.0f})"
           if frame is not None and not frame.attrs.get("same") else "") + "; "
        f"**{smuggled:.0%}** of it smuggled.",
        f"The U.S. has **{fmt_with_unit(us, output('us_total').unit)}**, "
        f"{fmt_with_unit(result.at('ratio', year), output('ratio').unit)} what Chinese labs "
        "can use.",
        f"China's frontier models trail by **{result.at('capability_lag_months', year):.0f} "
        f"{output('capability_lag_months').unit}** (capability lag: the largest training run "
        "in effective FLOP).",
    ]
    if without > china * 1.05:
        lines.append(f"Without export controls China would have about "
                     f"**{fmt_with_unit(without, compute)}** ({without / china:.1f}x as much).")
    elif without < china * 0.95:
        lines.append(f"China ends with more compute than without controls "
                     f"({fmt_with_unit(without, compute)}): domestic supply outgrows what it "
                     f"would have bought.")
    else:
        lines.append("Controls make little difference to China's compute by then.")
    domestic = result.channel_share("smic", year) + result.channel_share("tsmc_dies", year)
    month = result.december_index(year)
    binding = BINDING[int(result.series["binding_constraint"][month])]
    lines.append(f"Huawei Ascend chips are **{domestic:.0%}** of China's compute; Ascend "
                 f"output is limited by **{binding}** in December {year}.")
    if result.licensed_chip:
        name = chip_table().set_index("chip_id").loc[result.licensed_chip, "name"]
        licensed = FLOWS.index(("legal", "licensed"))
        months = slice(result.december_index(year) - 11, result.december_index(year) + 1)
        arrived = float(result.flows["arrivals_units"][licensed, months].sum())
        admitted = result.scenario.values()["beijing_admission_share"][year - FIRST_YEAR]
        lines.append(f"From 2026 the best chip the U.S. licenses to China is the **{name}**; "
                     + (f"**{fmt_with_unit(arrived, 'chips')}** arrive in {year}."
                        if arrived >= 1 else f"none arrive in {year}: Beijing admits "
                        f"**{admitted:.0%}** of U.S.-licensed chips."))
    return lines
