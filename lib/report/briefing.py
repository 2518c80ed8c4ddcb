"""Briefing: plain-language takeaways generated from a scenario's results.
"""

from __future__ import annotations

from lib.core.chips import chip_table
from lib.core.model import BINDING
from lib.core.runs import Result
from lib.report.fmt import fmt_number
from lib.report.race import counterfactual
from lib.report.style import scenario_label


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
    month = result.december_index(year)
    binding = BINDING[int(result.series["binding_constraint"][month])]
    lines.append(f"Huawei Ascend chips are **{domestic:.0%}** of China's compute; Ascend "
                 f"output is limited by **{binding}** in December {year}.")
    if result.licensed_chip:
        lines.append(f"From 2026 the best chip licensable to China is the "
                     f"**{chip_table().set_index('chip_id').loc[result.licensed_chip, 'name']}**.")
    return lines
