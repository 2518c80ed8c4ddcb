"""Chip metrics and export-control tiers.

Derived metrics (from data/chips.csv, never stored there):
- performance density PD = TPP / die area [TPP/mm^2];
- H100e = dense 16-bit TFLOPS / H100's 989.4 (FP8 / 1,979 where no 16-bit figure is
  known): the one rating for every chip on either side;
- inference H100e = memory bandwidth / H100's 3.35 TB/s (decode is bandwidth-bound), a
  separate measure of serving capacity.
Unknown inputs give an unknown (NaN) result; nothing is invented.

Tiers follow data/rules.csv (the 3A090 thresholds in force at a date), chip-specific actions
in data/chip_actions.csv, and the 2026 case-by-case licensing line, which the user can move.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pandas as pd

from lib.core.calendar import FIRST_YEAR, LAST_YEAR
from lib.core.data import table

REFERENCE_CHIP = "h100"
TIERS = ("controlled", "licensable case by case", "notification (gray zone)", "exportable",
         "Chinese domestic")
LEGAL_TIERS = {"exportable", "notification (gray zone)"}
# The units of chip_table()'s numeric columns (carried in its attrs for exports); a name that
# ends in one (die_area_mm2, memory_bw_tbps) still says it here.
CHIP_UNITS = {"year": "year", "die_area_mm2": "mm²", "tpp": "TPP",
              "performance_density": "TPP/mm²", "bf16_dense_tflops": "TFLOP/s",
              "fp8_tflops": "TFLOP/s", "memory_gb": "GB", "memory_bw_tbps": "TB/s",
              "io_gbps": "GB/s", "int8_tops": "TOPS", "tdp_w": "W",
              "h100e": "H100e", "inference_h100e": "H100e of bandwidth"}


@cache
def chip_table() -> pd.DataFrame:
    """chips.csv with derived PD and H100-equivalents, and how each was derived."""
    chips = table("chips.csv").copy()
    ref = chips.set_index("chip_id").loc[REFERENCE_CHIP]
    chips["performance_density"] = chips["tpp"] / chips["die_area_mm2"]
    bf16 = chips["bf16_dense_tflops"].astype(float)
    fp8 = chips["fp8_tflops"].astype(float)
    rating = bf16 / ref["bf16_dense_tflops"]
    from_fp8 = rating.isna() & fp8.notna()
    chips["h100e"] = rating.where(~from_fp8, fp8 / ref["fp8_tflops"])
    chips["h100e_basis"] = np.where(
        from_fp8, "FP8 / H100 FP8 (16-bit figure unknown)",
        np.where(rating.notna(), "dense 16-bit / H100 dense 16-bit", "unknown"),
    )
    chips["inference_h100e"] = chips["memory_bw_tbps"].astype(float) / ref["memory_bw_tbps"]
    chips["inference_basis"] = np.where(chips["inference_h100e"].notna(),
                                        "memory bandwidth / H100's (decode is bandwidth-bound)",
                                        "unknown")
    chips.attrs["units"] = CHIP_UNITS
    return chips


@cache
def _chips_by_id() -> pd.DataFrame:
    return chip_table().set_index("chip_id")


def chip(chip_id: str) -> pd.Series:
    return _chips_by_id().loc[chip_id]


def _rule_in_force(date: dt.date) -> pd.Series | None:
    rules = table("rules.csv")
    active = rules[rules["effective_date"] <= date]
    return None if active.empty else active.iloc[-1]


def _base_tier(row: pd.Series, rule: pd.Series | None) -> str:
    if rule is None or pd.isna(row["tpp"]):
        return "exportable"
    tpp, pd_value, io = row["tpp"], row["performance_density"], row["io_gbps"]

    def at_least(value, bound):
        return bound is not None and not pd.isna(bound) and not pd.isna(value) and value >= bound

    license_needed = tpp >= rule["license_tpp_min"] and (
        pd.isna(rule["license_io_gbps_min"]) or at_least(io, rule["license_io_gbps_min"])
    )
    if at_least(tpp, rule["license_tpp_min_with_pd"]) and (
        pd.isna(pd_value) or pd_value >= rule["license_pd_min"]
    ):
        license_needed = True  # unknown density counts as dense: the safe reading
    if license_needed:
        return "controlled"
    if not pd.isna(pd_value) and not pd.isna(rule["gray_tpp_min"]):
        gray1 = (rule["gray_tpp_min"] <= tpp < rule["gray_tpp_max"]
                 and rule["gray_pd_min"] <= pd_value < rule["gray_pd_max"])
        gray2 = (tpp >= rule["gray2_tpp_min"]
                 and rule["gray2_pd_min"] <= pd_value < rule["gray2_pd_max"])
        if gray1 or gray2:
            return "notification (gray zone)"
    return "exportable"


def tier(chip_id: str, date: dt.date, tpp_threshold: float = 21000,
         bw_threshold_gbps: float = 6500, keep_h20_ban: bool = False) -> str:
    """The export tier of a chip for China on a date, under the actual rules with the 2026
    case-by-case line at the given (possibly hypothetical) thresholds."""
    row = chip(chip_id)
    if row["origin"] == "china":
        return "Chinese domestic"
    result = _base_tier(row, _rule_in_force(date))
    actions = table("chip_actions.csv")
    for _, action in actions[actions["date"] <= date].iterrows():
        if action["chip_id"] == chip_id:
            if action["action"] == "license_required":
                result = "controlled"
            elif action["action"] == "licensed" and not keep_h20_ban:
                result = "licensable case by case"
        elif action["chip_id"] == "*" and action["action"] == "case_by_case":
            eligible = (
                _licensing(chip_id) == "case_by_case"  # others need their own approval
                and not pd.isna(row["tpp"]) and row["tpp"] < tpp_threshold
                and not pd.isna(row["memory_bw_tbps"])
                and row["memory_bw_tbps"] * 1000 < bw_threshold_gbps
            )
            if result == "controlled" and eligible and not (keep_h20_ban and chip_id == "h20"):
                result = "licensable case by case"
    return result


def _licensing(chip_id: str) -> str:
    """How a chip could be licensed (nvidia_china_products.csv): under the case-by-case
    thresholds, or only by its own approval (the B30A; Blackwell and Rubin if the ban goes)."""
    products = table("nvidia_china_products.csv").set_index("chip_id")
    return products.loc[chip_id, "licensing"] if chip_id in products.index else "case_by_case"


def tier_table(date: dt.date, tpp_threshold: float = 21000,
               bw_threshold_gbps: float = 6500) -> pd.DataFrame:
    chips = chip_table().copy()
    chips["tier"] = [tier(c, date, tpp_threshold, bw_threshold_gbps) for c in chips["chip_id"]]
    return chips


def dies_per_wafer(die_area_mm2, wafer_diameter_mm=300.0):
    """Whole gross dies per wafer: floor(pi (d/2)^2 / A - pi d / sqrt(2 A)).
    665.61 mm^2 on 300 mm gives 80 (80.37 before rounding down), as CSIS estimates."""
    area = np.asarray(die_area_mm2, dtype=float)
    diameter = np.asarray(wafer_diameter_mm, dtype=float)
    gross = np.pi * (diameter / 2) ** 2 / area - np.pi * diameter / np.sqrt(2 * area)
    return np.floor(np.maximum(gross, 0.0))


# ---------------------------------------------------------------------------------------------
# What the model needs, precomputed once per month grid


def month_dates(n_months: int, start: dt.date = dt.date(2022, 1, 1)) -> list[dt.date]:
    """Mid-month dates (the 15th), at which the rules in force are read."""
    return [dt.date(start.year + (start.month - 1 + m) // 12, (start.month - 1 + m) % 12 + 1, 15)
            for m in range(n_months)]


def legal_sale_masks(n_months: int) -> dict[str, np.ndarray]:
    """Per month, may this product be sold to China without a case-by-case license?"""
    return {name: mask[:n_months] for name, mask in _legal_sale_masks_all().items()}


@cache
def _legal_sale_masks_all() -> dict[str, np.ndarray]:
    """The masks over the longest horizon, computed once (~3 s of rule lookups): every
    horizon's grid starts in January 2022, so shorter ones are slices of it."""
    dates = month_dates(12 * (LAST_YEAR - FIRST_YEAR + 1))
    products = table("nvidia_china_products.csv").set_index("chip_id")
    masks = {}
    for chip_id in ("a800", "h800", "h20"):
        first = products.loc[chip_id, "first_sale"]
        masks[chip_id] = np.array([
            d >= first and tier(chip_id, d) in LEGAL_TIERS | {"licensable case by case"}
            and (chip_id == "h20" or tier(chip_id, d) in LEGAL_TIERS)
            for d in dates
        ])
    masks["h20_ban_kept"] = np.array([
        d >= products.loc["h20", "first_sale"] and tier("h20", d, keep_h20_ban=True)
        in LEGAL_TIERS for d in dates
    ])
    actions = table("chip_actions.csv")
    case_start = actions.loc[actions["action"] == "case_by_case", "date"].min()
    masks["case_by_case"] = np.array([d >= case_start for d in dates])
    for chip_id in masks:
        masks[chip_id].setflags(write=False)
    return masks


@cache
def licensed_candidates() -> pd.DataFrame:
    """Nvidia chips that could be licensed case by case, with the metrics the model needs."""
    products = table("nvidia_china_products.csv")
    chips = chip_table().set_index("chip_id")
    rows = chips.loc[products["chip_id"]].reset_index()
    rows["licensing"] = products["licensing"].to_numpy()
    rows = rows[rows["tpp"].notna() & rows["memory_bw_tbps"].notna()
                & rows["h100e"].notna() & rows["inference_h100e"].notna()]
    return rows[["chip_id", "name", "tpp", "memory_bw_tbps", "h100e", "inference_h100e",
                 "licensing"]].reset_index(drop=True)


def licensed_chip_index(p: dict[str, np.ndarray]) -> np.ndarray:
    """Per sample, the candidate chip China is licensed to buy (-1 if none qualifies): the
    highest-rated one under the case-by-case ceilings, or one a lever approves by name."""
    candidates = licensed_candidates()
    tpp = candidates["tpp"].to_numpy(float)
    bandwidth_gbps = candidates["memory_bw_tbps"].to_numpy(float) * 1000
    h100e = candidates["h100e"].to_numpy(float)
    ids, special = candidates["chip_id"].to_numpy(), candidates["licensing"].to_numpy()[None, :]
    under = (tpp[None, :] < p["export_tpp_threshold"][:, None]) & (
        bandwidth_gbps[None, :] < p["export_bw_threshold_gbps"][:, None])
    h20_ban = (ids == "h20")[None, :] & (p["h20_reversal"][:, None] < 0.5)
    eligible = np.where(special == "b30a", p["b30a_approved"][:, None] > 0.5,
                        np.where(special == "blackwell_rubin",
                                 p["blackwell_rubin_ban"][:, None] < 0.5, under & ~h20_ban))
    score = h100e + tpp * 1e-9  # TPP breaks ties
    scored = np.where(eligible, score[None, :], -np.inf)
    best = np.argmax(scored, axis=1)
    return np.where(eligible.any(axis=1), best, -1)
