"""The Briefing slide filled from a scenario's results: a thin adapter over what the Briefing
page shows (race.headline and no_controls_text for the cards, briefing.takeaways, the compute
race and China's compute by channel). Cards are data: a caller with other card texts passes
its own.
"""

from __future__ import annotations

from lib.analysis.controls import controls_range
from lib.core.outputs import output
from lib.core.runs import Result, run
from lib.core.scenario import Scenario
from lib.report import briefing, compare, fmt, race, style, supply
from lib.report.slide import BriefingSlide, Card, EventKey

CARD_METRICS = ("china_total", "us_total", "race_gap_months", "capability_lag_months")
SLIDE_CHART_HEIGHT, SLIDE_CHART_WIDTH = 440, 900  # [px] a chart's box on the slide


def briefing_slide(scenario: Scenario, year: int, baseline: Scenario | None = None,
                   cards: list[Card] | None = None, name: str | None = None,
                   takeaways: list[str] | None = None) -> BriefingSlide:
    """The slide for `scenario` at end `year` against `baseline` (default: the status quo).
    `cards` and `takeaways` default to today's (default_cards, briefing.takeaways); `name`
    (e.g. a saved scenario's) replaces the generated scenario label in the title."""
    baseline = baseline or Scenario.build("status_quo")
    result, base = run(scenario), run(baseline)
    label, base_label = style.scenario_label(scenario), style.scenario_label(baseline)
    events = key_events()
    return BriefingSlide(
        title=f"Briefing: {name or label}",
        scenario_name=label,
        baseline_name=base_label, year=year,
        cards=tuple(cards if cards is not None else default_cards(result, base, year)),
        charts=slide_charts(result, year, events),
        takeaways=tuple(takeaways if takeaways is not None
                        else briefing.takeaways(result, year)),
        changes=tuple(changes(scenario, baseline)),
        events=tuple(EventKey(int(row.number), row.label, row.date.date())
                     for row in events.itertuples()),
        sources=(style.scenario_source(scenario),
                 "Events: data/events.csv (" + "; ".join(dict.fromkeys(events["source"]))
                 + ")."),
        data_date=style.data_date())


def key_events():
    """The few events the Briefing's compute chart marks (race.KEY_EVENTS), numbered in date
    order for the slide's key."""
    events = race.events_frame()
    chosen = events[events["label"].isin(race.KEY_EVENTS)].sort_values("date").copy()
    chosen["number"] = range(1, len(chosen) + 1)
    return chosen


def slide_charts(result: Result, year: int, events):
    """The Briefing's two charts as the page builds them (lib/app/figures.py), sized for the
    slide and with the events numbered rather than labelled (the key spells them out)."""
    source = style.scenario_source(result.scenario)
    frame = race.compute_over_time(result, "total")
    compute = race.compute_race(frame, source, events=events, height=SLIDE_CHART_HEIGHT,
                                width_hint=SLIDE_CHART_WIDTH,
                                title="AI compute installed, U.S. vs China")
    stock = supply.channel_stock(result)
    mark = (style.month_axis(stock.index)[result.december_index(year)], f"end {year}")
    channels = supply.channel_area(stock, source, height=SLIDE_CHART_HEIGHT,
                                   width_hint=SLIDE_CHART_WIDTH,
                                   title="Where China's compute comes from", mark=mark)
    return compute, channels


def default_cards(result: Result, base: Result, year: int) -> list[Card]:
    """The Briefing page's cards: each headline number, its change from the baseline and the
    no-controls figure with its 5-95% range; then the smuggled share."""
    rows = {row.metric: row for row in race.headline(
        result, year, controls_range(result.scenario)).itertuples()}
    cards = [Card(rows[k].label, fmt.fmt_with_unit(rows[k].scenario, rows[k].unit),
                  delta_text(rows[k].scenario, base.value(k, year), rows[k].unit,
                             style.scenario_label(base.scenario)),
                  race.no_controls_text(rows[k])) for k in CARD_METRICS]
    smuggled = output("smuggled_share")
    cards.append(Card(smuggled.label, f"{result.value('smuggled_share', year):.0%}",
                      delta_text(result.value("smuggled_share", year),
                                 base.value("smuggled_share", year), smuggled.unit,
                                 style.scenario_label(base.scenario))))
    return cards


def delta_text(value: float, baseline: float, unit: str, baseline_name: str) -> str:
    """'+1.2M H100e vs Now (Nov 2026)'; shares in percentage points."""
    diff = value - baseline
    if abs(diff) <= 1e-9 * max(abs(baseline), 1):
        return f"same as {baseline_name}"
    sign = "+" if diff > 0 else "-"
    if unit == "share":
        amount = f"{100 * abs(diff):.0f} pp"
    else:
        amount = fmt.fmt_with_unit(abs(diff), unit)
    return f"{sign}{amount} vs {baseline_name}"


def changes(scenario: Scenario, baseline: Scenario) -> list[str]:
    """One line per parameter whose value differs: 'label [unit]: baseline -> scenario'."""
    table = compare.differing_parameters({"scenario": scenario, "baseline": baseline})
    return [f"{row.parameter}: {row.baseline} → {row.scenario}" for row in table.itertuples()]
