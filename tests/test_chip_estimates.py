"""Chips without a published die area, plotted from an estimate declared in data/chips.csv:
flagged as an estimate in the data, on the chart and in the tables, with how it was derived,
and placed in the tier the rules give."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from lib.core import chips
from lib.core.chips import chip, tier
from lib.core.data import table
from lib.report import tiers

BLACKWELL = {"b200": 36_000, "b300": 56_000}  # TPP [dense TOPS x bits], data/chips.csv
JUN_2026 = tiers.TIER_DATES["2026 licensing (Jun 2026)"]


@pytest.mark.parametrize("chip_id", ["b200", "b300", "b30a", "rubin"])
def test_later_nvidia_chips_carry_a_flagged_dated_die_area_estimate(chip_id):
    row = chip(chip_id)
    assert np.isnan(row["die_area_mm2"])  # nothing published: not written in as if it were
    assert row["die_area_estimated"]
    assert row["die_area_estimate_source"].startswith("Estimate:")
    assert "reticle" in row["die_area_estimate_source"]  # how it was derived
    assert isinstance(row["die_area_estimate_date"], dt.date)
    # no larger than the reticle allows for its dies (858 mm^2 each)
    dies = 1 if chip_id == "b30a" else 2
    assert 800 * dies <= row["die_area_estimate_mm2"] <= 858 * dies


@pytest.mark.parametrize("chip_id, tpp", BLACKWELL.items())
def test_blackwell_performance_density_by_hand(chip_id, tpp):
    row = chip(chip_id)
    assert row["tpp"] == tpp
    assert row["performance_density"] == pytest.approx(tpp / (2 * 800))  # 22.5 and 35.0


def test_published_die_areas_win_and_unknown_stays_unknown():
    frame = chips.chip_table()
    published = frame["die_area_mm2"].notna()
    assert not frame.loc[published, "die_area_estimated"].any()
    pd.testing.assert_series_equal(
        frame.loc[published, "performance_density"],
        frame.loc[published, "tpp"] / frame.loc[published, "die_area_mm2"], check_names=False)
    neither = frame["die_area_mm2"].isna() & frame["die_area_estimate_mm2"].isna()
    assert neither.any() and frame.loc[neither, "performance_density"].isna().all()


def test_an_estimate_must_say_so_and_be_dated():
    good = table("chips.csv")
    bad = good.copy()
    bad.loc[bad["chip_id"] == "b200", "die_area_estimate_source"] = "SemiAnalysis"
    with pytest.raises(ValueError, match="b200.*Estimate:"):
        chips._check_estimates(bad)
    undated = good.copy()
    undated.loc[undated["chip_id"] == "b300", "die_area_estimate_date"] = None
    with pytest.raises(ValueError, match="b300.*date"):
        chips._check_estimates(undated)
    both = good.copy()
    both.loc[both["chip_id"] == "b200", "die_area_mm2"] = 1600.0
    with pytest.raises(ValueError, match="b200.*keep one"):
        chips._check_estimates(both)
    chips._check_estimates(good)


def test_blackwell_tiers_follow_the_rules_text():
    """data/rules.csv as in the reference: Oct 2023, a licence for TPP >= 4,800 (whatever
    the density); 2026, case by case only under TPP 21,000 and 6,500 GB/s, and Blackwell
    needs its own approval (nvidia_china_products.csv)."""
    for chip_id in BLACKWELL:
        assert tier(chip_id, dt.date(2022, 6, 15)) == "exportable"  # before 3A090
        assert tier(chip_id, dt.date(2024, 6, 15)) == "controlled"
        assert tier(chip_id, JUN_2026) == "controlled"
        assert tier(chip_id, JUN_2026, 100_000, 20_000) == "controlled"  # not by threshold
        assert chip(chip_id)["performance_density"] >= 5.92  # dense too: no gray zone
    assert tier("b30a", JUN_2026) == "controlled"  # under the thresholds, never approved


def test_estimated_chips_are_on_the_chart_flagged():
    frame = tiers.tier_frame(JUN_2026, 21000, 6500)
    fig = tiers.tier_scatter(frame, "s", 21000)
    points = {text: (trace, i) for trace in fig.data if trace.meta != "legend"
              for i, text in enumerate(trace.text)}
    for chip_id, tpp in BLACKWELL.items():
        name = chip(chip_id)["name"]
        trace, i = points[f"{name} (die est.)"]
        assert trace.x[i] == tpp and trace.y[i] == pytest.approx(tpp / 1600)
        assert trace.marker.symbol[i].endswith("-open")
        assert "an estimate (2 dies x 800 mm^2" in trace.customdata[i][0]
        assert trace.name == "controlled"
    h100 = points["H100 / H800 / H200"]
    assert not h100[0].marker.symbol[h100[1]].endswith("-open")  # published: filled
    assert "published" in h100[0].customdata[h100[1]][0]
    assert any(t.name == "die area estimated" for t in fig.data)  # the legend says so
    specs = tiers.chip_specs().set_index("name")
    assert specs.loc["B200", "die_area_estimate_source"].startswith("Estimate:")
    assert np.isnan(specs.loc["B200", "die_area_mm2"])


def test_labels_are_placed_apart():
    # three chips nearly on one point: each label goes where the others are not
    places = tiers._label_places([(0.50, 0.50, "first chip"), (0.51, 0.51, "second chip"),
                                  (0.52, 0.50, "third chip")], 600, 300)
    assert len(set(places)) == 3
    assert tiers._label_places([(0.99, 0.5, "a long name at the edge")], 600, 300) \
        == ["middle left"]
