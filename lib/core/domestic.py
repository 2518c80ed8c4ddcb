"""China's domestic AI chips: Huawei Ascend by generation, and the other vendors.

Ascend (data/huawei_roadmap.csv gives each generation's die area, dies and HBM stacks per
package and the HBM it uses; data/chips.csv its rating):
  910 class (910B, then 910C): TSMC die-bank dies and SMIC dies, packaged with the HBM
      stockpiled before the Dec 2024 control (imports met demand until then).
  950 class (950PR, 950DT, then 960): SMIC dies packaged with domestic HBM, from each
      launch date plus the roadmap delay.
  SMIC's Ascend wafers go to the 950 class first, as far as domestic HBM allows (Huawei's
  newest line, and its way around the HBM control); the 910 class takes the wafers left.
  (Packaging capacity is not modelled: no figure is published and none is reported to
  bind.) On the shipped ratings a 950 die gives ~2.5% less 16-bit
  FLOP than a 910C die, so the 950s' gain is memory the stockpile does not limit (and
  FP8/FP4 formats the rating ignores).
  Unused stockpiled HBM is kept for later months (lib/core/stock.py carried_use); domestic
  HBM is an output capacity, used or not made. Die-bank dies are packaged before new SMIC
  910-class dies, so neither channel can lower the other's total.
Other vendors (Cambricon, Hygon, T-Head, Kunlunxin): their revenue buys H100e at a domestic
price, limited by the SMIC wafers left to them (counted in MLU590-class chips).
Every array is (B, T) unless noted; units in square brackets.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from lib.core.calendar import event_month, month_of, monthly
from lib.core.chips import chip, dies_per_wafer
from lib.core.data import table
from lib.core.stock import carried_use

CLASSES = {"910": "stockpile", "950": "domestic"}  # Ascend class -> HBM pool it draws on
OTHER_VENDOR_CHIP = "mlu590"  # the representative chip of the other vendors
HBM_CONTROL_EVENT = "HBM export control"  # data/events.csv label: imported HBM stops
BINDING = ("wafers and yield", "HBM")
DIE_BANK_CHIP = "ascend_910c"  # TSMC die-bank dies were packaged as 910Cs, from its launch


@cache
def generations() -> dict[str, list[dict]]:
    """Per Ascend class, its generations in launch order with their per-package facts."""
    roadmap = table("huawei_roadmap.csv")
    out: dict[str, list[dict]] = {c: [] for c in CLASSES}
    for row in roadmap.sort_values("available").itertuples():
        rating = chip(row.chip_id)
        out[row.ascend_class].append({
            "chip_id": row.chip_id, "month": month_of(row.available),
            "die_area_mm2": row.die_area_mm2, "dies": row.dies_per_package,
            "stacks": row.hbm_stacks_per_package, "h100e": rating["h100e"],
            "delayed": bool(row.roadmap_delay_applies),
        })
    return out


def generation_flows() -> list[tuple[str, str]]:
    """(channel, chip_id) of every Ascend flow: die-bank packages, then SMIC's."""
    bank = [("tsmc_dies", g["chip_id"]) for g in generations()["910"]]
    smic = [("smic", g["chip_id"]) for c in CLASSES for g in generations()[c]]
    return bank + smic


def _generation_index(gens, t, delay):
    """(B, T) index of each class's newest launched generation (-1 before the first)."""
    index = np.full((delay.shape[0], t.size), -1)
    for i, g in enumerate(gens):
        launched = t[None, :] >= g["month"] + (delay[:, None] if g["delayed"] else 0)
        index = np.where(launched, i, index)
    return index


def smic_yield(p, t, base_month):
    """SMIC's die yield: from its 2025 value toward its ceiling, closing a share of the gap a
    year (flat before 2025)."""
    years = np.clip(t - base_month, 0, None)[None, :] / 12
    ceiling = np.maximum(p["smic_yield_ceiling"], p["smic_yield_2025"])[:, None]
    return ceiling - (ceiling - p["smic_yield_2025"][:, None]) * (
        (1 - p["smic_yield_learning_per_year"][:, None]) ** years)


def ascend(p: dict[str, np.ndarray], n_months: int, yield_base_month: int) -> dict:
    """Working Ascend packages per month by flow [packages/month] and the funnel series."""
    t = np.arange(n_months)
    batch = p["smic_yield_2025"].shape[0]
    gens = generations()
    delay = p["ascend_roadmap_delay_months"].astype(float)
    hbm_control = event_month(HBM_CONTROL_EVENT)
    y = smic_yield(p, t, yield_base_month)
    wafers = monthly(p["smic_wafers_per_month"], n_months) * monthly(p["smic_ascend_share"],
                                                                         n_months)
    diameter = p["wafer_diameter_mm"][:, None]

    index = {cls: _generation_index(gens[cls], t, delay) for cls in CLASSES}

    def per_wafer(cls):  # working dies per wafer, dies per package, stacks per package
        def field(name, before):  # the current generation's value; `before` before the first
            return np.array([g[name] for g in gens[cls]] + [before])[index[cls]]
        # gross dies per wafer for each generation (and none before the first), then per month
        gross = np.stack([dies_per_wafer(g["die_area_mm2"], diameter[:, 0]) for g in gens[cls]]
                         + [np.zeros(batch)], axis=1)  # (B, generations + 1)
        dies = np.take_along_axis(gross, index[cls], axis=1) * y
        return dies, field("dies", 1.0), field("stacks", 0.0)

    # 950 class: Huawei's newest line claims SMIC wafers first, as far as domestic HBM output
    # allows. That output is a capacity, not a stock: stacks nobody orders are not made (the
    # lines make DRAM), so it is not carried forward, unlike the stockpile.
    dies_950, per_package_950, stacks_950 = per_wafer("950")
    domestic = monthly(p["domestic_hbm_stacks_per_year"], n_months) / 12
    packages_950 = np.minimum(wafers * dies_950 / per_package_950,  # [packages/month]
                              np.divide(domestic, stacks_950, out=np.zeros_like(domestic),
                                        where=stacks_950 > 0))
    wafers_950 = np.divide(packages_950 * per_package_950, dies_950,
                           out=np.zeros_like(packages_950), where=dies_950 > 0)

    # 910 class: the TSMC die bank (drawn at a rate from the 910C's launch until used up)
    # and the wafers the 950s left, with the HBM stockpiled before the control. Bank dies,
    # which exist already, go before new SMIC dies, so neither channel can lower the other's
    # total. (Bank dies drawn once the stockpile is gone are stranded either way: no HBM
    # reaches the 910 class after the control but the stockpile.)
    bank_start = next(g["month"] for g in gens["910"] if g["chip_id"] == DIE_BANK_CHIP)
    rate = np.where(t[None, :] >= bank_start, p["die_bank_dies_per_year"][:, None] / 12, 0.0)
    bank_dies = np.diff(np.minimum(np.cumsum(rate, axis=1), p["tsmc_die_bank_dies"][:, None]),
                        axis=1, prepend=0.0)  # drawn at the rate until the bank is empty
    dies_910, per_package_910, stacks_910 = per_wafer("910")
    smic_dies_910 = (wafers - wafers_950) * dies_910
    stacks_per_die_910 = stacks_910 / per_package_910
    demand_dies = bank_dies + smic_dies_910
    need = demand_dies * stacks_per_die_910
    imported = t[None, :] < hbm_control
    supply = np.where(imported, need, 0.0)
    supply[:, hbm_control] += p["hbm_stockpile_stacks"] if hbm_control < n_months else 0.0
    used = carried_use(need, supply)
    dies_used_910 = np.divide(used, stacks_per_die_910, out=np.zeros_like(used),
                              where=stacks_per_die_910 > 0)
    bank_used = np.minimum(bank_dies, dies_used_910)
    packages_910 = dies_used_910 / per_package_910
    used_950 = packages_950 * stacks_950

    packaging_yield = p["packaging_yield"][:, None]
    flows = {}
    index_910, index_950 = index["910"], index["950"]
    for i, g in enumerate(gens["910"]):
        mine = (index_910 == i) * packaging_yield / per_package_910
        flows[("tsmc_dies", g["chip_id"])] = mine * bank_used
        flows[("smic", g["chip_id"])] = mine * (dies_used_910 - bank_used)
    for i, g in enumerate(gens["950"]):
        flows[("smic", g["chip_id"])] = (index_950 == i) * packages_950 * packaging_yield

    potential = (bank_dies + wafers * dies_910) / per_package_910
    hbm_short = (used < need - 1e-9) | (packages_950 < wafers * dies_950 / per_package_950
                                        - 1e-9)
    binding = np.where(hbm_short, 1, 0)
    attempts = packages_910 + packages_950
    funnel = {
        "smic_wafers_ascend": wafers, "smic_yield": y,
        "smic_good_dies": smic_dies_910 + wafers_950 * dies_950,
        "die_bank_dies": bank_dies, "package_potential": potential,
        "package_attempts": attempts,
        "ascend_packages": attempts * packaging_yield, "binding_constraint": binding,
        "hbm_stockpile_used": used, "hbm_domestic_used": used_950,
        # index into generation_flows()'s SMIC part: the newest generation SMIC makes
        "smic_generation": np.where(index_950 >= 0, index_950 + len(gens["910"]), index_910),
    }
    return {"flows": flows, "funnel": funnel}


def other_vendors(p: dict[str, np.ndarray], n_months: int, yield_now: np.ndarray) -> np.ndarray:
    """The other vendors' chips per month [MLU590-class units]: what their revenue buys at the
    domestic price, capped by the SMIC wafers set aside for them."""
    rating = chip(OTHER_VENDOR_CHIP)["h100e"]
    bought = (monthly(p["other_vendor_revenue_busd"], n_months) * 1e9 / 12
              / p["domestic_price_per_h100e_usd"][:, None])  # [H100e/month]
    wafers = monthly(p["smic_wafers_per_month"], n_months) * monthly(
        p["smic_other_vendor_share"], n_months)
    made = wafers * dies_per_wafer(p["other_vendor_die_area_mm2"],
                                   p["wafer_diameter_mm"])[:, None] * yield_now * rating
    return np.minimum(bought, made) / rating
