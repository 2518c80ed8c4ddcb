"""The sources' arithmetic, worked by hand, reproduced exactly by the model."""

import numpy as np
import pytest

from lib.core.chips import chip, dies_per_wafer
from lib.core.data import table
from lib.core.model import FLOW_LABELS
from lib.core.registry import registry
from lib.core.runs import run
from lib.core.scenario import Scenario


def every_year(value):
    return {year: value for year in range(2022, 2036)}


def month(year, month_number=6):
    return (year - 2022) * 12 + month_number - 1


def test_dies_per_wafer_matches_csis_and_formula():
    # CSIS finding 16: 665.61 mm^2 on a 300 mm wafer gives "roughly 80"; formula gives 80.37.
    assert dies_per_wafer(665.61, 300) == 80
    assert dies_per_wafer(814, 300) == 63  # 63.48 (reference table)


def test_csis_50k_wafers_all_to_ascend():
    # CSIS finding 18: 50,000 wafers/month x 80 dies = 4M dies; 20% yield -> 800,000 good
    # dies -> 400,000 910C a month before packaging losses.
    scenario = Scenario.build(overrides={
        "smic_wafers_per_month": every_year(50000), "smic_ascend_share": every_year(1.0),
        "smic_yield_2025": 0.20, "smic_yield_ceiling": 0.20, "tsmc_die_bank_dies": 0,
    })
    series = run(scenario).series
    m = month(2025)  # 910Cs only (two dies each): the 950 line starts in 2026
    assert 50000 * dies_per_wafer(665.61, 300) == 4_000_000
    assert series["smic_good_dies"][m] == pytest.approx(800_000)
    assert series["package_potential"][m] == pytest.approx(400_000)


def test_two_million_tsmc_dies_make_one_million_910c():
    # CSIS finding 15/20: >2M TSMC dies, enough for ~1M 910C (two dies each), before packaging.
    scenario = Scenario.build(overrides={
        "tsmc_die_bank_dies": 2_000_000, "die_bank_dies_per_year": 3_000_000,
        "packaging_yield": 1.0, "smic_wafers_per_month": every_year(0),
        "hbm_stockpile_stacks": 30_000_000,
        "buyers_choice": False, "learning_by_doing": False,  # the supply arithmetic alone
    })
    result = run(scenario)
    bank = result.flows["arrivals_units"][FLOW_LABELS.index("tsmc_dies:ascend_910c")]
    assert bank.sum() == pytest.approx(1_000_000)


def test_epoch_growth_rates_combine_to_13_8x_and_36000x():
    # CSIS finding 2, citing Epoch: 3x/yr algorithms and 4.6x/yr compute -> 13.8x/yr, and
    # "more than 36,000 times" from the start of 2025 to the end of 2028 (13.8^4 = 36,267).
    series = run(Scenario.build(overrides={"algorithmic_efficiency_growth": 3.0})).series
    start, end = 36, 36 + 48  # Jan 2025 -> Jan 2029 (end of 2028)
    algorithms = series["us_algorithmic_multiplier"]
    assert algorithms[start + 12] / algorithms[start] == pytest.approx(3.0)
    assert (4.6 * algorithms[end] ** 0.25 / algorithms[start] ** 0.25) ** 4 == pytest.approx(
        36_267, rel=1e-3)  # "more than 36,000 times"
    effective = series["us_effective"] / series["us_total"]
    assert effective[end] / effective[start] == pytest.approx(81.0)


def test_pre_control_share_is_chinas_fy2022_share_of_nvidia_revenue():
    revenue = table("history/nvidia_revenue_by_location.csv")
    fy2022 = revenue[revenue["fiscal_quarter"].str.endswith("FY2022")]
    china = fy2022.loc[fy2022["location"] == "China (including Hong Kong)", "revenue_musd"].sum()
    total = fy2022.loc[fy2022["location"] == "Total (Given)", "revenue_musd"].sum()
    assert (china, total) == (7111, 26914)
    # all-product share: the top of the no-controls range (data-center share: 20-25%, CFO)
    assert registry()["china_nocontrols_share"].high == round(china / total, 2)
    assert (registry()["china_precontrol_dc_share"].low,
            registry()["china_precontrol_dc_share"].high) == (0.20, 0.25)


def test_chip_metrics_from_specs():
    assert chip("h100")["h100e"] == 1.0
    assert chip("h100")["inference_h100e"] == pytest.approx(1.0)
    # one rating: 16-bit FLOP; bandwidth separately, no override (CSIS finding 20's measured
    # ~0.6 for the 910C includes software, which the model applies once, as utilization)
    assert chip("ascend_910c")["inference_h100e"] == pytest.approx(3.2 / 3.35)
    assert chip("h20")["h100e"] == pytest.approx(148 / 989.4)
    assert chip("h20")["inference_h100e"] == pytest.approx(4.0 / 3.35)
    assert chip("h100")["performance_density"] == pytest.approx(19.45, abs=0.01)
    assert chip("ascend_910b")["performance_density"] == pytest.approx(9.04, abs=0.01)
    assert chip("a100")["performance_density"] == pytest.approx(6.04, abs=0.01)
    assert not chip("h100")["die_area_estimated"]
    # no published die area: the flagged estimate (2 reticle-limited dies x 800 mm^2)
    assert chip("b200")["die_area_estimated"] and np.isnan(chip("b200")["die_area_mm2"])
    assert chip("b200")["performance_density"] == pytest.approx(36000 / 1600)
    assert np.isnan(chip("mlu590")["performance_density"])  # no area, no estimate: unknown
    # the shipped Atlas 350 (1.56 PF FP4 -> 390 TFLOPS 16-bit), not the roadmap's 2 PF
    assert chip("ascend_950pr")["h100e"] == pytest.approx(390 / 989.4)
    assert chip("ascend_910c")["h100e"] > chip("ascend_950pr")["h100e"]


def test_h800_penalty_and_recovery():
    # CSIS finding 12: 2-4x; with full recovery (seed 002) the H800 trains like an H100.
    base = dict(h800_training_penalty=4.0, china_efficiency_multiplier=1.0)
    full = run(Scenario.build(overrides=base | {"h800_penalty_recovered": 1.0}))
    none = run(Scenario.build(overrides=base | {"h800_penalty_recovered": 0.0}))
    m = 20  # Sep 2023: A800/H800 are most of China's legal stock
    assert full.series["china_training"][m] > none.series["china_training"][m]
    assert full.series["china_total"][m] == pytest.approx(none.series["china_total"][m])


def test_chips_needing_their_own_approval_are_not_licensable_by_threshold():
    # the B30A sits under the 2026 ceilings (TPP 18,000 < 21,000) but was never approved
    # (CBS, The Information, OSTP); only the b30a_approved lever licenses it
    import datetime as dt

    from lib.core.chips import tier
    assert tier("h200", dt.date(2026, 6, 1)) == "licensable case by case"
    assert tier("b30a", dt.date(2026, 6, 1)) == "controlled"
    assert tier("b300", dt.date(2026, 6, 1), 60000, 20000) == "controlled"
