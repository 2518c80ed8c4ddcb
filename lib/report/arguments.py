"""Arguments page: what the model says about each argument in plain words (the answer sentence,
the cards, the lever and the comparison described), and its one chart (text and figures).

Plain text only: the app layer escapes it for Markdown. Deltas always carry a sign (+ or −).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from lib.analysis.arguments import RUNS, Argument, ArgumentEffect, Side
from lib.core.calendar import YEARS, december
from lib.core.mechanisms import MECHANISMS
from lib.core.outputs import output
from lib.core.registry import registry
from lib.core.scenario import Scenario
from lib.report import fmt
from lib.report.fmt import signed
from lib.report.style import (
    GREY,
    SCREEN_HEIGHT,
    Draft,
    finish,
    mark_year,
    month_axis,
    preset_label,
    set_log_ticks,
    wrap_source,
)

PROPER = ("China", "Chinese", "U.S.", "Nvidia", "Huawei", "Ascend", "SMIC", "TSMC", "AI")
WITH_COLOUR, WITHOUT_COLOUR = "#000000", GREY  # a neutral pair: neither side's colour
PATH_LABELS = {  # RUNS name -> (data column, legend text)
    "with_on": ("with_policy_mechanism_on", "With policy, mechanism on"),
    "with_off": ("with_policy_mechanism_off", "With policy, mechanism off"),
    "without_on": ("without_policy_mechanism_on", "Without policy, mechanism on"),
    "without_off": ("without_policy_mechanism_off", "Without policy, mechanism off"),
}
CHART_WIDTH = 780  # the narrowest width the chart is drawn at [px]: 1280 px screen, sidebar
MAX_TITLE = 58  # characters that fit one title line at that width
BARELY = 0.05  # a mechanism changing the effect by less than this share of it "barely" does


def lower_first(text: str) -> str:
    """A label inside a sentence: 'Race gap (China behind)' -> 'race gap (China behind)'."""
    first = text.split(" ", 1)[0]
    return text if first in PROPER or first.isupper() else text[:1].lower() + text[1:]


def span(low: float, high: float, unit: str) -> str:
    """A 5-95% range: '+5.3 to +15.9 months' (one number when both ends read the same)."""
    first, last = signed(low, unit, False), signed(high, unit)
    return last if last.startswith(first + " ") or last == first else f"{first} to {last}"


def _is_zero(value: float, unit: str) -> bool:
    return signed(value, unit).startswith("±")


def verdict(effect: ArgumentEffect, year: int) -> str:
    """How the mechanism changes the policy's effect on the metric, in a few words."""
    metric, unit = effect.argument.metric, output(effect.argument.metric).unit
    on, off = effect.effect(metric, year), effect.effect(metric, year, on=False)
    name = f"“{MECHANISMS[effect.argument.mechanism].label}”"
    if effect.same_sides:
        return ("Nothing to compare here: in this scenario both sides of the comparison are "
                "the same (pick another preset or move the lever)")
    if _is_zero(on, unit) and _is_zero(off, unit):
        return f"On these assumptions the policy barely moves it, with {name} on or off"
    if _is_zero(off, unit):
        return f"On these assumptions the effect comes only through {name}"
    if _is_zero(on, unit) or on * off < 0:
        return f"On these assumptions {name} reverses the effect"
    if _is_zero(on - off, unit) or abs(on - off) < BARELY * abs(off):
        return f"On these assumptions {name} barely changes the effect"
    if abs(on) < abs(off):
        return f"On these assumptions {name} weakens the effect but does not reverse it"
    return f"On these assumptions {name} strengthens the effect"


def answer(effect: ArgumentEffect, year: int) -> str:
    """The answer in plain words: the verdict, the policy's effect on the metric in `year`
    with the mechanism on and off (each with its 5-95% range), what the mechanism changes, and
    in what share of draws it turns the effect around."""
    arg = effect.argument
    out = output(arg.metric)
    year = effect.years[effect.row(year)]
    on, off = effect.effect(arg.metric, year), effect.effect(arg.metric, year, on=False)
    low, _, high = effect.effect_range(arg.metric, year)
    low_off, _, high_off = effect.effect_range(arg.metric, year, on=False)
    flips = effect.opposite_share(arg.metric, year)
    return (f"{verdict(effect, year)}. {arg.policy}, effect on {lower_first(out.label)} in "
            f"{year}: {signed(on, out.unit)} (5-95%: {span(low, high, out.unit)}) with the "
            f"mechanism on, against {signed(off, out.unit)} ({span(low_off, high_off, out.unit)})"
            f" with it off: the mechanism changes it by {signed(on - off, out.unit)}. It turns the "
            f"effect around in {fmt.fmt_probability(flips)} of {effect.draws} draws.")


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    delta: str
    caption: str


def cards(effect: ArgumentEffect, year: int, n: int = 3) -> list[Card]:
    """One card per output (the metric, then `also`): the effect with the mechanism on, its
    change against off, the 5-95% range; padded with the share of draws the mechanism turns
    the effect around in."""
    out = []
    for key in effect.argument.outputs[:n]:
        o = output(key)
        on, off = effect.effect(key, year), effect.effect(key, year, on=False)
        low, _, high = effect.effect_range(key, year)
        out.append(Card(o.label, signed(on, o.unit), f"{signed(on - off, o.unit)} vs "
                        "mechanism off", f"5-95%: {span(low, high, o.unit)}; mechanism off: "
                        f"{signed(off, o.unit)}"))
    if len(out) < n:
        metric = output(effect.argument.metric)
        out.append(Card("Draws it turns around", fmt.fmt_probability(
            effect.opposite_share(metric.key, year)), f"of {effect.draws} draws",
            f"Draws where the effect on {lower_first(metric.label)} has the opposite sign with "
            "the mechanism on to the one it has with it off."))
    return out


def cards_heading(effect: ArgumentEffect, year: int) -> str:
    return f"{effect.argument.policy}: effect in {year}, mechanism on"


def mechanism_line(arg: Argument) -> str:
    mechanism = MECHANISMS[arg.mechanism]
    return f"{mechanism.label} — {mechanism.summary}"


def seed_line(arg: Argument) -> str:
    return f"Seed {arg.seed}: {arg.seed_text}"


def _setting(key: str, value) -> str:
    """A parameter set to a value, as the sidebar labels it: 'U.S. grid shortfall [share] =
    0.5', 'Share ... [share] = 0 from 2026', 'No export controls (counterfactual) on'."""
    parameter = registry()[key]
    if parameter.kind == "boolean":
        return f"{parameter.label} {fmt.show_value(bool(value))}"
    if parameter.is_yearly:
        shown = ", ".join(f"{fmt.show_value(float(v))} from {year}" for year, v in value)
    else:
        shown = fmt.show_value(value)
    return f"{parameter.label} [{parameter.unit}] = {shown}"


def describe(side: Side) -> str:
    """One side of the comparison in words."""
    if side.preset is not None:
        return f"the scenario with the {preset_label(side.preset)} preset's settings"
    if not side.overrides:
        return "the scenario as it is"
    return "the scenario with " + "; ".join(_setting(k, v) for k, v in side.overrides)


def comparison_line(arg: Argument) -> str:
    return (f"Compared: {describe(arg.with_policy)} (with the policy) against "
            f"{describe(arg.without_policy)} (without it).")


def lever_line(arg: Argument, scenario: Scenario, year: int) -> str:
    """The lever's name, current value and unit, where it is in the sidebar, and whether the
    comparison itself sets it."""
    parameter = registry()[arg.lever]
    value = scenario.values()[arg.lever]
    if parameter.is_yearly:
        shown = f"{_setting(arg.lever, ((year, value[YEARS.index(year)]),))}".replace(
            " from ", " in ")
    else:
        shown = _setting(arg.lever, value)
    text = f"Lever: {shown}. Move it in the sidebar, group {parameter.group.label}."
    with_value, without_value = (dict(side.overrides).get(arg.lever) for side in (
        arg.with_policy, arg.without_policy))
    if with_value is not None and without_value is not None:
        text += (" This comparison sets it on both sides (with the policy: "
                 f"{_setting(arg.lever, with_value).split(' = ')[-1]}; without: "
                 f"{_setting(arg.lever, without_value).split(' = ')[-1]}); the sidebar's value "
                 "counts only where they do not.")
    return text


def effect_frame(effect: ArgumentEffect) -> pd.DataFrame:
    """The metric in the four central runs, monthly (columns: PATH_LABELS' data names)."""
    frame = pd.DataFrame({PATH_LABELS[name][0]: effect.paths[name] for name, *_ in RUNS},
                         index=effect.months)
    frame.index.name = "month"
    out = output(effect.argument.metric)
    frame.attrs.update(metric=out.key, unit=out.unit, policy=effect.argument.policy,
                       mechanism=effect.argument.mechanism)
    return frame


def effect_chart(effect: ArgumentEffect, year: int, source: str,
                 height: int = SCREEN_HEIGHT) -> tuple[go.Figure, pd.DataFrame]:
    """The argument's metric over time with and without the policy, the mechanism on (solid)
    and off (dashed), the chosen year marked; returns (figure, its data)."""
    arg = effect.argument
    out = output(arg.metric)
    frame = effect_frame(effect)
    x = month_axis(frame.index)
    fig = Draft()
    for name, with_policy, on in RUNS:
        column, label = PATH_LABELS[name]
        fig.add_trace(dict(type="scatter", x=x, y=frame[column].to_numpy(), name=label,
                           line=dict(color=WITH_COLOUR if with_policy else WITHOUT_COLOUR,
                                     width=3.5 if on else 2.5, dash="solid" if on else "dash"),
                           hovertemplate=f"{fmt.hover_format(out.unit)}<extra>{label}</extra>"))
    log = out.axis == "log"
    fig.update_layout(yaxis=dict(type="log" if log else "linear"), xaxis=dict(
        range=[x[0], x[-1]]))
    if log:
        set_log_ticks(fig, frame.to_numpy())
    mark_year(fig, x[december(year, len(x))], f"end {year}")
    title = f"{out.label}: {arg.policy}"
    if len(title) > MAX_TITLE:
        title = f"{out.label}, with and without the policy"
    mechanism = f"Mechanism: {MECHANISMS[arg.mechanism].label} (solid on, dashed off)."
    line = " ".join(part for part in (source, f"Policy: {arg.policy}.", mechanism) if part)
    if wrap_source(line, CHART_WIDTH).count("<br>") > 1:  # the house frame holds two lines
        line = f"{source} {mechanism}" if source else mechanism
    figure = finish(fig, title, "Month", out.label_with_unit + (" (log scale)" if log else ""),
                    line, height=height, width_hint=CHART_WIDTH)
    return figure, frame
