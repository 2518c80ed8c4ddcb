"""A scenario against its baseline, in words and tables: headline rows with signed deltas split
into policy and assumptions, the list of changes, titles that name them, and why a change
moved nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.analysis import baseline as split_analysis
from lib.analysis.controls import ControlsRange
from lib.core.calendar import FIRST_YEAR
from lib.core.mechanisms import owner
from lib.core.model import BINDING
from lib.core.outputs import output
from lib.core.registry import registry
from lib.core.runs import run
from lib.core.scenario import Scenario
from lib.report import fmt, race
from lib.report.style import preset_label, scenario_label

# below these a change is "nothing moved" (a tenth of the smallest step a card shows)
NEGLIGIBLE = {"months": 0.05, "x": 0.005, "share": 0.0005}
NEGLIGIBLE_RELATIVE = 0.0005  # of the baseline value, for compute
KIND_TAGS = {"policy": "[policy]", "assumption": "[assumption]"}  # in lists of changes


def baseline_name(baseline: Scenario) -> str:
    return scenario_label(baseline)


def negligible(change: float, unit: str, reference: float) -> bool:
    limit = NEGLIGIBLE.get(unit, NEGLIGIBLE_RELATIVE * abs(reference))
    return abs(change) < max(limit, 1e-12)


def headline(scenario: Scenario, baseline: Scenario, year: int,
             ranges: ControlsRange | None = None) -> pd.DataFrame:
    """race.headline's rows plus the baseline's value, the signed change and its policy and
    assumption parts (they sum to the change), with the policy part's 5-95% range."""
    frame = race.headline(run(scenario), year, ranges)
    same = scenario == baseline
    columns = {"baseline": [], "change": [], "policy": [], "assumptions": [],
               "policy_p5": [], "policy_p95": []}
    for metric in frame["metric"]:
        part = split_analysis.split(scenario, baseline, metric, year, with_range=not same)
        low, _, high = part.policy_range or (np.nan, np.nan, np.nan)
        for column, value in zip(columns, (part.baseline, part.total, part.policy,
                                           part.assumptions, low, high), strict=True):
            columns[column].append(value)
    for column, values in columns.items():
        frame[column] = values
    frame.attrs["baseline_name"] = baseline_name(baseline)
    frame.attrs["same"] = same
    return frame


def delta_text(row) -> str:
    """A card's delta line: the signed change against the baseline, and the baseline value."""
    base = fmt.fmt_number(row.baseline, row.unit)
    if negligible(row.change, row.unit, row.baseline):
        return f"= baseline ({base})"
    return f"{fmt.signed(row.change, row.unit, False)} vs baseline ({base})"


def split_lines(row) -> list[str]:
    """['policy +1.5 (+0.2 to +2.1)', 'assumptions 0']: the change by kind, the policy part
    with its 5-95% range; empty when nothing changed."""
    if negligible(row.change, row.unit, row.baseline) and \
            negligible(row.policy, row.unit, row.baseline):
        return []
    policy = f"policy {fmt.signed(row.policy, row.unit, False)}"
    if np.isfinite(row.policy_p5) and not negligible(row.policy, row.unit, row.baseline):
        policy += (f" ({fmt.signed(row.policy_p5, row.unit, False)} to "
                   f"{fmt.signed(row.policy_p95, row.unit, False)})")
    return [policy, f"assumptions {fmt.signed(row.assumptions, row.unit, False)}"]


def _spread(values: list) -> str:
    """'85k', or '60k-80k' for several values."""
    low, high = min(values), max(values)
    return fmt.fmt_number(low) if low == high else f"{fmt.fmt_number(low)}-{fmt.fmt_number(high)}"


def _year_steps(value: tuple, reference: tuple) -> tuple[str, str, str]:
    """A yearly path where it differs from the reference: ('2027-2035', '85k', '60k-80k')."""
    years = [i for i, (a, b) in enumerate(zip(value, reference, strict=True)) if a != b]
    first, last = FIRST_YEAR + years[0], FIRST_YEAR + years[-1]
    span = f"{first}" if first == last else f"{first}-{last}"
    return span, _spread([value[i] for i in years]), _spread([reference[i] for i in years])


def change_lines(scenario: Scenario, baseline: Scenario) -> list[tuple[str, str]]:
    """(kind, text) for every parameter that differs from the baseline, policy first."""
    mine, theirs = scenario.values(), baseline.values()
    by_kind = split_analysis.changes(scenario, baseline)
    lines = []
    for kind in split_analysis.KINDS:
        for key in by_kind[kind]:
            parameter = registry()[key]
            if parameter.is_yearly:
                span, now, was = _year_steps(mine[key], theirs[key])
                text = f"{span}: {now} (baseline {was})"
            else:
                text = f"{fmt.show_value(mine[key])} (baseline {fmt.show_value(theirs[key])})"
            unit = "" if parameter.unit in ("", "boolean") else f" [{parameter.unit}]"
            lines.append((kind, f"{parameter.label}{unit}: {text}"))
    return lines


def title(scenario: Scenario, baseline: Scenario, limit: int = 2) -> str:
    """The scenario named by its changes against the baseline: 'Now (Nov 2026) with Smuggling
    interdiction 0.5' when there are few, else their count by kind."""
    if scenario == baseline:
        return f"{scenario_label(scenario)} (the baseline)"
    by_kind = split_analysis.changes(scenario, baseline)
    keys = by_kind["policy"] + by_kind["assumption"]
    if not keys:
        return f"{preset_label(scenario.preset)} (same values as {baseline_name(baseline)})"
    if len(keys) <= limit:
        values = scenario.values()
        named = [f"{registry()[k].label} " + ("{}: {}".format(*_year_steps(
            values[k], baseline.values()[k])[:2]) if registry()[k].is_yearly
            else fmt.show_value(values[k])) for k in keys]
        return f"{baseline_name(baseline)} with " + "; ".join(named)
    counts = [f"{len(by_kind[kind])} {split_analysis.KIND_LABELS[kind].lower()}"
              for kind in split_analysis.KINDS if by_kind[kind]]
    start = scenario_label(scenario) if scenario.preset != baseline.preset else \
        baseline_name(baseline)
    return f"{start}: {len(keys)} changes vs baseline ({', '.join(counts)})"


def cards_caption(scenario: Scenario, baseline: Scenario, year: int) -> str:
    """One line above the cards: their year, the baseline, and how the change is split."""
    if scenario == baseline:
        return (f"End {year}. This scenario is the baseline (**{baseline_name(baseline)}**): "
                "choose another preset, move a lever or pick another baseline in the sidebar "
                "to see changes.")
    by_kind = split_analysis.changes(scenario, baseline)
    counts = ", ".join(f"{len(by_kind[k])} {split_analysis.KIND_LABELS[k].lower()}"
                       for k in split_analysis.KINDS if by_kind[k]) or "no value differs"
    return (f"End {year}, against the baseline **{baseline_name(baseline)}** ({counts} "
            "changed). Each "
            "change splits into what the policy levers do and what the changed assumptions do "
            f"(the baseline re-run under them); the policy part's 5-95% range is over "
            f"{split_analysis.DRAWS} draws of the assumptions.")


def _changed_years(scenario: Scenario, baseline: Scenario, key: str) -> list[int]:
    mine, theirs = scenario.values()[key], baseline.values()[key]
    if not registry()[key].is_yearly:
        return []
    return [FIRST_YEAR + i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b]


def _without(scenario: Scenario, baseline: Scenario, key: str) -> Scenario:
    """The scenario with `key` back at the baseline's value."""
    values = scenario.values() | {key: baseline.values()[key]}
    return split_analysis.from_values(values, scenario.preset)


def _held_by(scenario: Scenario, key: str, years: list[int]) -> str | None:
    """The binding constraint that holds a lever in `years`, in words, if the model knows it."""
    parameter = registry()[key]
    result = run(scenario)
    mechanism = owner(key)
    values = scenario.values()
    if mechanism is not None and key != mechanism.switch and not values[mechanism.switch]:
        return f"the {mechanism.label.lower()} mechanism it belongs to is switched off"
    if parameter.group.lever in ("smic_production", "tsmc_dies"):
        held = sorted({BINDING[int(result.series["binding_constraint"][result.december_index(y)])]
                       for y in years})
        return ("Huawei's Ascend output is limited by " + " and ".join(held) + " then, "
                "not by this input") if held else None
    if parameter.group.lever == "legal_exports":
        admitted = [values["beijing_admission_share"][y - FIRST_YEAR] for y in years]
        if admitted and max(admitted) == 0:
            return "Beijing admits none of the U.S.-licensed chips in those years"
    if parameter.group.lever in ("us_side", "mechanisms") and values["power_limits"]:
        powered = [result.value("us_powered_share", y) for y in years]
        if powered and max(powered) < 0.999:
            return (f"U.S. power limits how much compute runs ({min(powered):.0%} of the fleet "
                    "powered)")
    return None


def why_unmoved(scenario: Scenario, baseline: Scenario, year: int,
                limit: int = 12) -> list[str]:
    """For each change from the baseline that, in this scenario, moves no headline number by
    end `year` (putting it back changes none of them), why: it starts later, a binding
    constraint holds it, or (if the model cannot say) that it does not move them. At most
    `limit` changes are tested (one model run each)."""
    keys = [k for kind in split_analysis.KINDS for k in
            split_analysis.changes(scenario, baseline)[kind]][:limit]
    notes = []
    result = run(scenario)
    for key in keys:
        undone = run(_without(scenario, baseline, key))
        if any(not negligible(result.value(m, year) - undone.value(m, year), output(m).unit,
                              undone.value(m, year)) for m in race.HEADLINE_KEYS):
            continue
        label = registry()[key].label
        years = _changed_years(scenario, baseline, key) or list(range(FIRST_YEAR, year + 1))
        early = [y for y in years if y <= year]
        if not early:
            notes.append(f"**{label}** changes from {years[0]}, after the headline year "
                         f"{year}: pick a later year to see it.")
            continue
        reason = _held_by(scenario, key, early)
        notes.append(f"**{label}** moves no headline number by end {year}: "
                     + (reason + "." if reason else "the outputs barely depend on it in this "
                        "scenario."))
    return notes
