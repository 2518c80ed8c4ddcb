"""The Briefing slide filled from a scenario's results: a thin adapter over what the Briefing
page shows (race.headline and no_controls_text for the cards, briefing.takeaways, the compute
race and China's compute by channel). Cards are data: a caller with other card texts passes
its own.
"""

from __future__ import annotations

from lib.analysis.baseline import DEFAULT_BASELINE
from lib.analysis.controls import controls_range
from lib.core.runs import Result, run
from lib.core.scenario import Scenario
from lib.report import baseline as versus
from lib.report import briefing, fmt, race, style, supply
from lib.report.slide import BriefingSlide, Card, EventKey

SLIDE_CHART_HEIGHT, SLIDE_CHART_WIDTH = 440, 900  # [px] a chart's box on the slide


def briefing_slide(scenario: Scenario, year: int, baseline: Scenario | None = None,
                   cards: list[Card] | None = None, name: str | None = None,
                   takeaways: list[str] | None = None) -> BriefingSlide:
    """The slide for `scenario` at end `year` against `baseline` (default: the status quo):
    the Briefing page's cards, title, takeaways and list of changes (lib/report/baseline.py).
    `cards` and `takeaways` replace the page's; `name` (e.g. a saved scenario's) replaces the
    generated title."""
    baseline = baseline or Scenario.build(DEFAULT_BASELINE)
    result = run(scenario)
    frame = versus.headline(scenario, baseline, year, controls_range(scenario))
    events = key_events()
    return BriefingSlide(
        title=f"Briefing: {name or versus.title(scenario, baseline)}",
        scenario_name=style.scenario_label(scenario),
        baseline_name=versus.baseline_name(baseline), year=year,
        cards=tuple(cards if cards is not None else default_cards(result, frame, year)),
        charts=slide_charts(result, year, events, run(baseline) if baseline != scenario
                            else None),
        takeaways=tuple(takeaways if takeaways is not None
                        else briefing.takeaways(result, year, frame)),
        changes=tuple(f"{versus.KIND_TAGS[kind]} {text}"
                      for kind, text in versus.change_lines(scenario, baseline)),
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


def slide_charts(result: Result, year: int, events, baseline: Result | None = None):
    """The Briefing's two charts as the page builds them (lib/app/figures.py), sized for the
    slide and with the events numbered rather than labelled (the key spells them out)."""
    source = style.scenario_source(result.scenario)
    frame = race.compute_over_time(result, "total", baseline=baseline)
    compute = race.compute_race(frame, source, events=events, height=SLIDE_CHART_HEIGHT,
                                width_hint=SLIDE_CHART_WIDTH,
                                title="AI compute installed, U.S. vs China")
    stock = supply.channel_stock(result, baseline)
    mark = (style.month_axis(stock.index)[result.december_index(year)], f"end {year}")
    channels = supply.channel_area(stock, source, height=SLIDE_CHART_HEIGHT,
                                   width_hint=SLIDE_CHART_WIDTH,
                                   title="Where China's compute comes from", mark=mark)
    return compute, channels


def default_cards(result: Result, frame, year: int) -> list[Card]:
    """The Briefing page's cards: each headline number, its signed change from the baseline,
    and that change split into policy (with its 5-95% range) and assumptions, or, when
    nothing changed, the no-controls figure with its range; then the smuggled share."""
    rows = frame.set_index("metric", drop=False)
    cards = []
    for metric in briefing.CARD_METRICS:
        row = next(rows.loc[[metric]].itertuples())
        split = " · ".join(versus.split_lines(row))
        cards.append(Card(row.label, fmt.fmt_with_unit(row.scenario, row.unit),
                          versus.delta_text(row), split or race.no_controls_text(row)))
    cards.append(Card(*briefing.smuggled_card(result, year)))
    return cards
