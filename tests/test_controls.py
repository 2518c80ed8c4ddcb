"""The value of export controls as a range: scenario and counterfactual on the same draws."""

import numpy as np

from lib.analysis.controls import controls_range
from lib.core.runs import run
from lib.core.scenario import Scenario
from lib.report import glossary
from tests.helpers import make_app, no_exception


def test_with_controls_already_off_they_are_worth_nothing():
    ranges = controls_range(Scenario.build("no_controls"), draws=200)
    for series in ranges.value:
        np.testing.assert_allclose(ranges.value[series], 0.0, atol=1e-9)


def test_ranges_are_ordered_and_bracket_the_scenarios_own_counterfactual():
    ranges = controls_range(Scenario(), draws=400)
    result = run(Scenario())
    for series in ranges.no_controls:
        assert np.all(np.diff(ranges.no_controls[series], axis=1) >= 0), series
        assert np.all(np.diff(ranges.value[series], axis=1) >= 0), series
    for year in (2027, 2030):
        low, _, high = ranges.at(ranges.no_controls, "china_total", year)
        assert low < result.counterfactual.at("china_total", year) < high
        low, mid, high = ranges.at(ranges.value, "race_gap_months", year)
        assert 0 < low < mid < high  # controls widen the gap in every draw's middle 90%
        assert high - low > 2  # a range, not one number: the no-controls share is drawn


def test_same_seed_same_range_other_seed_close():
    a = controls_range(Scenario(), draws=300, seed=1)
    b = controls_range(Scenario(), draws=300, seed=1)
    c = controls_range(Scenario(), draws=300, seed=2)
    np.testing.assert_array_equal(a.value["race_gap_months"], b.value["race_gap_months"])
    assert not np.array_equal(a.value["race_gap_months"], c.value["race_gap_months"])


def test_race_page_cards_carry_ranges_and_the_gap_is_explained():
    at = make_app("pages/race_overview.py", run=True)
    no_exception(at)
    deltas = [m.proto.delta for m in at.main.metric]
    assert len(deltas) == 5 and all(d.startswith("= baseline (") for d in deltas)
    no_controls = [c.value for c in at.main.caption if c.value.startswith("no controls: ")]
    assert len(no_controls) == 5 and all(" to " in c for c in no_controls)
    caption = " ".join(c.value for c in at.main.caption)
    assert glossary.sentence("Race gap") in caption and "from hardware" in caption
    assert "5-95% over 300 draws" in caption
