"""A scenario against a baseline: the change split into policy and assumptions (exactly), the
words that name the changes, the note that says why a change moved nothing, the policy-only
twins of mixed presets, and the cards and takeaways on the Race and Briefing pages."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lib.analysis import baseline as split_analysis
from lib.core.outputs import output
from lib.core.registry import registry
from lib.core.runs import run
from lib.core.scenario import POLICY_TWIN_SUFFIX, Scenario, presets
from lib.report import baseline as versus
from lib.report import briefing
from tests.helpers import ROOT, make_app, plain

STATUS_QUO = Scenario.build("status_quo")
HALF_SMUGGLING = STATUS_QUO.with_overrides(smuggling_interdiction_share=0.5)
METRICS = ("china_total", "us_total", "ratio", "race_gap_months", "capability_lag_months")
PAIRS = [("csis_mar2025", "status_quo"), ("leaky_controls", "status_quo"),
         ("rollback", "csis_mar2025"), ("ft_yield_40", "strict_enforcement"),
         ("status_quo", "nikkei_targets")]


@pytest.mark.parametrize(("name", "base"), PAIRS)
def test_policy_and_assumptions_sum_to_the_change(name, base):
    scenario, baseline = Scenario.build(name), Scenario.build(base)
    for metric in METRICS:
        for year in (2025, 2027, 2030):
            part = split_analysis.split(scenario, baseline, metric, year, with_range=False)
            expected = run(scenario).value(metric, year) - run(baseline).value(metric, year)
            assert part.total == pytest.approx(expected, rel=1e-12, abs=1e-12)
            assert part.policy + part.assumptions == pytest.approx(expected, rel=1e-9,
                                                                   abs=1e-9)


def test_the_twin_keeps_the_baselines_policy_and_takes_the_scenarios_assumptions():
    scenario, baseline = Scenario.build("csis_mar2025"), STATUS_QUO
    twin = split_analysis.twin(scenario, baseline).values()
    for key, value in twin.items():
        source = baseline if registry()[key].group.kind == "policy" else scenario
        assert np.array_equal(np.atleast_1d(value), np.atleast_1d(source.values()[key])), key


def test_a_pure_policy_change_has_no_assumption_part_and_the_reverse():
    policy = split_analysis.split(HALF_SMUGGLING, STATUS_QUO, "race_gap_months", 2027)
    assert policy.assumptions == 0 and policy.policy > 0.5
    low, mid, high = policy.policy_range
    assert low <= mid <= high and low > 0  # stopping smuggling widens the gap in every draw
    assumption = split_analysis.split(Scenario.build("nikkei_targets"), STATUS_QUO,
                                      "china_total", 2030, with_range=False)
    assert assumption.policy == 0 and assumption.assumptions > 0


def test_mixed_preset_splits_both_ways():
    """CSIS (Mar 2025): Beijing admitting U.S. chips (policy) narrows the gap; the slower SMIC
    ramp and no compute abroad (assumptions) widen it."""
    part = split_analysis.split(Scenario.build("csis_mar2025"), STATUS_QUO, "race_gap_months",
                                2027, with_range=False)
    assert part.policy < -0.5 and part.assumptions > 0.5


def test_waterfall_by_kind_sums_stage_by_stage():
    scenario = Scenario.build("csis_mar2025")
    frame = split_analysis.attribute_by_kind(scenario, STATUS_QUO, "race_gap_months", 2027)
    part = split_analysis.split(scenario, STATUS_QUO, "race_gap_months", 2027, with_range=False)
    by_kind = frame.groupby("kind")["contribution"].sum()
    assert by_kind["policy"] == pytest.approx(part.policy, abs=1e-9)
    assert by_kind["assumption"] == pytest.approx(part.assumptions, abs=1e-9)
    assert all(label.startswith(("Policy: ", "Assumptions: ")) for label in frame["label"])


def test_changes_are_named_with_their_baseline_values():
    assert versus.change_lines(HALF_SMUGGLING, STATUS_QUO) == [
        ("policy", "Extra interdiction by enforcement [share]: 0.5 (baseline 0)")]
    assert versus.title(HALF_SMUGGLING, STATUS_QUO) == \
        "Now (Nov 2026) with Extra interdiction by enforcement 0.5"
    yearly = STATUS_QUO.with_overrides(smic_wafers_per_month={2027: 85000, 2028: 85000})
    assert "2027-2028: 85k" in versus.change_lines(yearly, STATUS_QUO)[0][1]
    assert versus.title(Scenario.build("csis_mar2025"), STATUS_QUO) == \
        "CSIS (Mar 2025): 9 changes vs baseline (5 policy, 4 assumptions)"
    assert versus.title(STATUS_QUO, STATUS_QUO) == "Now (Nov 2026) (the baseline)"


def test_why_nothing_moved_names_what_holds_the_lever():
    more_wafers = STATUS_QUO.with_overrides(smic_wafers_per_month={2027: 85000, 2028: 85000})
    [note] = versus.why_unmoved(more_wafers, STATUS_QUO, 2027)
    assert "SMIC 7 nm wafer capacity" in note and "HBM" in note
    licensed = STATUS_QUO.with_overrides(licensed_units_per_year={2026: 2_000_000})
    [note] = versus.why_unmoved(licensed, STATUS_QUO, 2027)
    assert "Beijing admits none" in note
    later = STATUS_QUO.with_overrides(smic_wafers_per_month={2029: 300_000})
    [note] = versus.why_unmoved(later, STATUS_QUO, 2027)
    assert "from 2029, after the headline year 2027" in note
    switched_off = STATUS_QUO.with_overrides(scarcity_elasticity=0.4)
    [note] = versus.why_unmoved(switched_off, STATUS_QUO, 2027)
    assert "switched off" in note
    assert versus.why_unmoved(HALF_SMUGGLING, STATUS_QUO, 2027) == []


def test_mixed_presets_get_policy_only_twins():
    reg, all_presets = registry(), presets()
    for name, preset in all_presets.items():
        kinds = {reg[k].group.kind for k, _ in preset.overrides}
        twin = all_presets.get(name + POLICY_TWIN_SUFFIX)
        if kinds == {"policy", "assumption"}:
            assert twin is not None, name
            assert dict(twin.overrides) == {k: v for k, v in preset.overrides
                                            if reg[k].group.kind == "policy"}
        elif not name.endswith(POLICY_TWIN_SUFFIX):
            assert twin is None, name
    assert {"csis_mar2025_policy_only", "leaky_controls_policy_only"} <= set(all_presets)


def test_takeaways_lead_with_the_change_against_the_baseline():
    frame = versus.headline(Scenario.build("rollback"), STATUS_QUO, 2027)
    lines = briefing.takeaways(run(Scenario.build("rollback")), 2027, frame)
    gap = frame.set_index("metric").loc["race_gap_months"]
    assert lines[0].startswith("Against **Now (Nov 2026)**")
    assert f"({gap.baseline:.1f} to {gap.scenario:.1f})" in lines[0]
    assert "(all of it policy)" in lines[0]
    assert f"(baseline {gap.baseline:.0f})" in lines[1]


NUMBER = r"([+\-−±]?[\d.]+)"


def _number(text: str) -> float:
    return float(text.replace("−", "-").replace("±", ""))


def _card_numbers(at) -> dict[str, tuple[float, float, float]]:
    """label -> (delta, policy, assumptions) read from the Race page's cards (months only)."""
    captions = [plain(c.value) for c in at.caption if c.value.startswith("policy ")]
    out = {}
    for metric, caption in zip(at.metric, captions, strict=False):
        if "months" not in metric.value:
            continue
        delta = _number(re.match(NUMBER, metric.proto.delta).group(1))
        policy = _number(re.search(r"policy " + NUMBER, caption).group(1))
        assumptions = _number(re.search(r"assumptions " + NUMBER, caption).group(1))
        out[metric.label] = (delta, policy, assumptions)
    return out


def test_race_cards_show_the_split_and_it_sums():
    at = make_app(query={"preset": "csis_mar2025"}, run=True)
    numbers = _card_numbers(at)
    assert set(numbers) == {output("race_gap_months").label,
                            output("capability_lag_months").label}
    for delta, policy, assumptions in numbers.values():
        assert policy != 0 and assumptions != 0
        assert policy + assumptions == pytest.approx(delta, abs=0.11)  # one-decimal rounding
    assert any("against the baseline" in plain(c.value) for c in at.caption)


def test_baseline_picker_moves_the_deltas():
    at = make_app(query={"preset": "rollback"}, run=True)
    before = [m.proto.delta for m in at.metric]
    at.selectbox(key="baseline").set_value("no_controls").run()
    after = [m.proto.delta for m in at.metric]
    assert before != after and all("vs baseline" in d for d in after)
    assert at.session_state["baseline"] == "no_controls"
    # (bound to the link: the browser writes the change into it, tests/browser)


def test_baseline_is_read_from_the_link():
    label = presets()["no_controls"].label  # a bound widget's link value is the option shown
    for linked in (label, "no_controls"):  # (links made before it was bound: the preset id)
        at = make_app(query={"preset": "rollback", "baseline": linked}, run=True)
        assert at.session_state["baseline"] == "no_controls" and not at.warning
        assert at.session_state["scenario"] == Scenario.build("rollback")


def _time_charts(scenario, baseline):
    from lib.app import figures
    return {
        "compute race": figures.compute_race(scenario, "total", False, True, True, baseline),
        "briefing race": figures.briefing_race(scenario, baseline),
        "largest run": figures.largest_run(scenario, baseline),
        "channels": figures.channel_area(scenario, baseline),
        "briefing channels": figures.briefing_channels(scenario, 2027, baseline),
        "demand": figures.demand_and_supply(scenario, baseline),
        "fan": _fan(scenario, baseline),
    }


def _fan(scenario, baseline):
    from lib.analysis import montecarlo
    from lib.report import uncertainty
    frame = uncertainty.fan_frame(montecarlo.summary(scenario, 50), run(scenario),
                                  "race_gap_months",
                                  None if baseline == scenario else run(baseline))
    return uncertainty.fan(frame, "Source: test."), frame


def test_every_time_chart_draws_the_baseline_when_it_differs():
    scenario = Scenario.build("rollback")
    for name, (fig, frame) in _time_charts(scenario, STATUS_QUO).items():
        lines = [t for t in fig.data if "aseline" in (t.name or "")]
        assert lines, name
        assert "aseline" in fig.layout.meta["source"], name  # said in the source line too
        assert any("baseline" in str(c) for c in frame.columns), name  # and in the data
        drawn = np.concatenate([np.asarray(t.y, dtype=float) for t in lines])
        assert np.nanmax(drawn) > 0, name
    for name, (fig, _) in _time_charts(STATUS_QUO, STATUS_QUO).items():
        assert not [t for t in fig.data if "aseline" in (t.name or "")], name


def test_briefing_stacks_its_charts_where_two_no_longer_fit():
    from lib.app import figures
    css = (ROOT / "pages" / "briefing.py").read_text()
    assert f"@container (max-width: {2 * figures.BRIEFING_CHART_WIDTH + 60}px)" in css
