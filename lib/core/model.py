"""The vectorized model core: China's and the U.S.'s AI compute, month by month.

`simulate(inputs, n_months)` takes every parameter as an array with a leading batch axis
(scalars (B,), yearly parameters (B, years)) and returns named arrays (B, months), so one
scenario and 10,000 variants run through the same code. There is no Python loop over months,
chips or samples. Units are in square brackets. Months start in January 2022.

China's supply, by channel (see FLOWS):
  legal      Nvidia sales the rules allowed: pre-control purchases (Jan-Sep 2022, at China's
             pre-control share of Nvidia output), A800 and H800 while legal, H20 at its
             annual rate in months it was legal, and from 2026 the best chip under the
             case-by-case licensing ceilings.
  smuggled   attempted smuggling [chips/yr] less extra interdiction, split H100/H200/B200.
  tsmc_dies  the TSMC-made die bank, offered for packaging at a rate until used up.
  smic       SMIC 7 nm wafers x Ascend share x dies per wafer x yield / dies per package.
  Packaging attempts are capped each month by HBM (stockpile release + domestic output) and
  packaging capacity; die-bank packages get HBM first. Working packages = attempts x
  packaging yield. Dies and HBM not used in a month are not carried over (conservative, and
  it keeps every supply lever monotone).
Installed stock = arrivals over the last `chip_useful_life_years`.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np

from lib.core import outputs
from lib.core.calendar import month_of
from lib.core.chips import chip, dies_per_wafer, legal_sale_masks, licensed_candidates
from lib.core.data import table
from lib.core.race_gap import first_reach
from lib.core.registry import registry
from lib.core.scenario import stack_values

H100_BF16_FLOPS = 989.4e12  # [FLOP/s] dense BF16, chips.csv (Epoch AI)
SECONDS_PER_DAY = 86_400.0
YIELD_BASE_MONTH = month_of(dt.date(2025, 1, 1))  # the month the sourced yield and
# utilization describe
US_BASELINE_MONTH = month_of(dt.date(2026, 1, 1))  # the "end of 2025" U.S. baseline
HBM_CONTROL_EVENT = "HBM export control"  # data/events.csv label: imported HBM stops
CHINA_COMPUTE_FLOOR = 1.0  # [H100e] keeps logs finite when every channel is shut

FLOWS = (
    ("legal", "a100_pre2022"), ("legal", "a100"), ("legal", "a800"), ("legal", "h800"),
    ("legal", "h20"), ("legal", "licensed"), ("smuggled", "h100"), ("smuggled", "h200"),
    ("smuggled", "b200"),
    ("tsmc_dies", "ascend_910c"), ("smic", "ascend_910c"), ("smic", "ascend_950pr"),
    ("smic", "ascend_950dt"), ("smic", "ascend_960"), ("no_controls", "nvidia_h100e"),
)
FLOW_LABELS = tuple(f"{channel}:{chip_id}" for channel, chip_id in FLOWS)
CHANNELS = tuple(outputs.CHANNELS)
SMIC_GENERATIONS = ("ascend_910c", "ascend_950pr", "ascend_950dt", "ascend_960")
# Which uncut Nvidia die a China sale uses up (for reallocation to U.S. buyers).
UNCUT = {"a100": "a100", "a800": "a100", "h800": "h100", "h20": "h100", "h100": "h100",
         "h200": "h200", "b200": "b200"}
BINDING = ("wafers", "yield", "packaging", "HBM")


@cache
def _static(n_months: int) -> dict[str, np.ndarray]:
    """Per-chip constants and per-month masks that do not depend on parameters."""
    masks = legal_sale_masks(n_months)
    train = np.zeros(len(FLOWS))
    infer = np.zeros(len(FLOWS))
    uncut = np.zeros(len(FLOWS))
    for i, (_channel, chip_id) in enumerate(FLOWS):
        if chip_id in ("licensed", "nvidia_h100e"):
            continue
        row = chip(chip_id.removesuffix("_pre2022"))
        train[i], infer[i] = row["training_h100e"], row["inference_h100e"]
        if chip_id in UNCUT:
            uncut[i] = chip(UNCUT[chip_id])["training_h100e"]
    uncut[FLOWS.index(("no_controls", "nvidia_h100e"))] = 1.0
    train[FLOWS.index(("no_controls", "nvidia_h100e"))] = 1.0
    infer[FLOWS.index(("no_controls", "nvidia_h100e"))] = 1.0
    roadmap = table("huawei_roadmap.csv").set_index("chip_id")
    generation_month = np.array([
        month_of(roadmap.loc[g, "available"])
        for g in SMIC_GENERATIONS
    ])
    candidates = licensed_candidates()
    events = table("events.csv").set_index("label")
    return {
        "a100_training_h100e": chip("a100")["training_h100e"],
        # months before the first export rule (data/rules.csv): pre-control purchases
        "pre_control_months": month_of(table("rules.csv")["effective_date"].min()),
        "hbm_control_month": month_of(events.loc[HBM_CONTROL_EVENT, "date"]),
        "mask_a800": masks["a800"], "mask_h800": masks["h800"], "mask_h20": masks["h20"],
        "mask_h20_ban_kept": masks["h20_ban_kept"], "mask_case_by_case": masks["case_by_case"],
        "train": train, "infer": infer, "uncut": uncut, "generation_month": generation_month,
        "cand_tpp": candidates["tpp"].to_numpy(float),
        "cand_bw_gbps": candidates["memory_bw_tbps"].to_numpy(float) * 1000,
        "cand_train": candidates["training_h100e"].to_numpy(float),
        "cand_infer": candidates["inference_h100e"].to_numpy(float),
        "cand_ids": candidates["chip_id"].to_numpy(),
    }


def _monthly(yearly: np.ndarray, n_months: int) -> np.ndarray:
    """(B, years) -> (B, months): each month takes its calendar year's value."""
    return yearly[:, np.arange(n_months) // 12]


def _windowed(arrivals: np.ndarray, life_months: np.ndarray) -> np.ndarray:
    """Installed stock: arrivals over the last life_months months. arrivals (B, ..., T)."""
    n_months = arrivals.shape[-1]
    cumulative = np.concatenate(
        [np.zeros(arrivals.shape[:-1] + (1,)), np.cumsum(arrivals, axis=-1)], axis=-1
    )
    start = np.maximum(np.arange(1, n_months + 1)[None, :] - life_months[:, None], 0)
    start = start.reshape(start.shape[:1] + (1,) * (arrivals.ndim - 2) + start.shape[1:])
    start = np.broadcast_to(start, arrivals.shape)
    return cumulative[..., 1:] - np.take_along_axis(cumulative, start, axis=-1)


def licensed_chip_index(tpp_threshold: np.ndarray, bw_threshold: np.ndarray,
                        h20_reversal: np.ndarray, n_months: int) -> np.ndarray:
    """Per sample, the best candidate chip under the ceilings (-1 if none qualifies).
    Where the H20 ban is kept, the H20 is not licensable either."""
    s = _static(n_months)
    eligible = (s["cand_tpp"][None, :] < tpp_threshold[:, None]) & (
        s["cand_bw_gbps"][None, :] < bw_threshold[:, None]
    ) & ~((s["cand_ids"] == "h20")[None, :] & (h20_reversal[:, None] < 0.5))
    score = s["cand_train"] + s["cand_infer"] + s["cand_tpp"] * 1e-9  # TPP breaks ties
    scored = np.where(eligible, score[None, :], -np.inf)
    best = np.argmax(scored, axis=1)
    return np.where(eligible.any(axis=1), best, -1)


def _china_supply(p: dict[str, np.ndarray], n_months: int) -> dict[str, np.ndarray]:
    """Arrivals [chips/month] for every flow, and the Ascend production funnel."""
    s = _static(n_months)
    batch = p["a800_units_total"].shape[0]
    t = np.arange(n_months)
    arrivals = np.zeros((batch, len(FLOWS), n_months))
    flow = {label: i for i, label in enumerate(FLOW_LABELS)}

    # legal Nvidia sales
    nvidia_pool = _monthly(p["nvidia_shipments_h100e"], n_months) / 12  # [H100e/month]
    pre_control = (t < s["pre_control_months"])[None, :]
    a100_train = s["a100_training_h100e"]
    arrivals[:, flow["legal:a100"]] = (
        pre_control * nvidia_pool * p["china_precontrol_nvidia_share"][:, None] / a100_train
    )
    # China's installed base in Jan 2022: its pre-control share of Nvidia's earlier output
    arrivals[:, flow["legal:a100_pre2022"], 0] = (
        p["nvidia_output_2019_2021_h100e"] * p["china_precontrol_nvidia_share"] / a100_train
    )
    for chip_id in ("a800", "h800"):
        mask = s[f"mask_{chip_id}"]
        arrivals[:, flow[f"legal:{chip_id}"]] = (
            p[f"{chip_id}_units_total"][:, None] * mask[None, :] / max(mask.sum(), 1)
        )
    h20_mask = np.where(p["h20_reversal"][:, None] > 0.5, s["mask_h20"], s["mask_h20_ban_kept"])
    arrivals[:, flow["legal:h20"]] = _monthly(p["h20_units_per_year"], n_months) / 12 * h20_mask
    best = licensed_chip_index(p["export_tpp_threshold"], p["export_bw_threshold_gbps"],
                               p["h20_reversal"], n_months)
    has_chip = (best >= 0)[:, None]
    arrivals[:, flow["legal:licensed"]] = (
        _monthly(p["licensed_units_per_year"], n_months) / 12
        * s["mask_case_by_case"][None, :] * has_chip
    )

    # smuggling
    smuggled = (_monthly(p["smuggling_attempted_per_year"], n_months) / 12
                * (1 - p["smuggling_interdiction_share"])[:, None])
    share_h200 = _monthly(p["smuggled_share_h200"], n_months)
    share_b200 = _monthly(p["smuggled_share_b200"], n_months)
    arrivals[:, flow["smuggled:h200"]] = smuggled * share_h200
    arrivals[:, flow["smuggled:b200"]] = smuggled * share_b200
    arrivals[:, flow["smuggled:h100"]] = smuggled * np.clip(1 - share_h200 - share_b200, 0, 1)

    # Ascend: die bank and SMIC, then HBM and packaging limits
    die_bank_start = s["generation_month"][0]
    months_drawing = np.clip(t - die_bank_start + 1, 0, None)[None, :]
    offered = np.minimum(p["die_bank_dies_per_year"][:, None] / 12 * months_drawing,
                         p["tsmc_die_bank_dies"][:, None])
    bank_dies = np.diff(offered, axis=1, prepend=0.0)
    years_since_base = np.clip(t - YIELD_BASE_MONTH, 0, None)[None, :] / 12
    yield_ceiling = np.maximum(p["smic_yield_ceiling"], p["smic_yield_2025"])[:, None]
    smic_yield = yield_ceiling - (yield_ceiling - p["smic_yield_2025"][:, None]) * (
        (1 - p["smic_yield_learning_per_year"][:, None]) ** years_since_base
    )
    wafers = (_monthly(p["smic_wafers_per_month"], n_months)
              * _monthly(p["smic_ascend_share"], n_months))
    gross_dies = wafers * dies_per_wafer(p["ascend_die_area_mm2"],
                                         p["wafer_diameter_mm"])[:, None]
    good_dies = gross_dies * smic_yield
    per_package = p["dies_per_package"][:, None]
    bank_potential = bank_dies / per_package
    smic_potential = good_dies / per_package
    release_months = np.maximum(p["hbm_stockpile_release_years"] * 12, 1)[:, None]
    releasing = (t[None, :] >= s["hbm_control_month"]) & (
        t[None, :] < s["hbm_control_month"] + release_months
    )
    hbm_stacks = (releasing * p["hbm_stockpile_stacks"][:, None] / release_months
                  + _monthly(p["domestic_hbm_stacks_per_year"], n_months) / 12)
    # before the HBM control, imported HBM did not limit packaging
    hbm_packages = np.where(t[None, :] < s["hbm_control_month"], np.inf,
                            hbm_stacks / p["hbm_stacks_per_package"][:, None])
    capacity = np.broadcast_to(p["packaging_capacity_per_year"][:, None] / 12, hbm_packages.shape)
    potential = bank_potential + smic_potential
    limit = np.minimum(hbm_packages, capacity)
    bank_attempts = np.minimum(bank_potential, limit)
    total_attempts = np.minimum(potential, limit)
    smic_attempts = total_attempts - bank_attempts
    packaging_yield = p["packaging_yield"][:, None]
    arrivals[:, flow["tsmc_dies:ascend_910c"]] = bank_attempts * packaging_yield
    generation = np.zeros((batch, n_months), dtype=int)
    for g, start in enumerate(s["generation_month"][1:], start=1):  # 3 roadmap steps
        generation = np.where(t[None, :] >= start + p["ascend_roadmap_delay_months"][:, None],
                              g, generation)
    for g, chip_id in enumerate(SMIC_GENERATIONS):
        arrivals[:, flow[f"smic:{chip_id}"]] = smic_attempts * packaging_yield * (generation == g)

    die_limited = potential <= limit
    binding = np.where(
        die_limited, np.where(smic_yield < 0.5, 1, 0),
        np.where(hbm_packages <= capacity, 3, 2),
    )
    funnel = {
        "smic_wafers_ascend": wafers, "smic_gross_dies": gross_dies, "smic_good_dies": good_dies,
        "smic_yield": smic_yield, "die_bank_dies": bank_dies,
        # before the HBM control imports covered every package: report the limit as the need
        "package_potential": potential,
        "hbm_package_limit": np.where(np.isinf(hbm_packages), potential, hbm_packages),
        "packaging_capacity": capacity, "package_attempts": total_attempts,
        "ascend_packages": total_attempts * packaging_yield, "binding_constraint": binding,
        "smic_generation": generation,
    }
    return {"arrivals": arrivals, "licensed_index": best, "funnel": funnel,
            "nvidia_pool": nvidia_pool}


@cache
def _reference_nvidia_to_china(n_months: int) -> np.ndarray:
    """Status-quo (declared defaults) Nvidia dies sold to China per month [H100e of uncut die].
    The U.S. baseline already reflects these sales; scenarios reallocate the difference."""
    defaults = stack_values([registry().defaults()])
    supply = _china_supply(defaults, n_months)
    weights = _flow_weights(defaults, supply["licensed_index"], n_months)["uncut"]
    out = np.einsum("bft,bf->bt", supply["arrivals"], weights)[0]
    out.setflags(write=False)
    return out


def _flow_weights(p, licensed_index, n_months):
    s = _static(n_months)
    batch = licensed_index.shape[0]
    weights = {name: np.broadcast_to(s[name], (batch, len(FLOWS))).copy()
               for name in ("train", "infer", "uncut")}
    i = FLOW_LABELS.index("legal:licensed")
    valid = licensed_index >= 0
    safe = np.where(valid, licensed_index, 0)
    weights["train"][:, i] = np.where(valid, s["cand_train"][safe], 0.0)
    weights["infer"][:, i] = np.where(valid, s["cand_infer"][safe], 0.0)
    weights["uncut"][:, i] = weights["train"][:, i]
    return weights


def simulate(p: dict[str, np.ndarray], n_months: int, detail: bool = True) -> dict[str, np.ndarray]:
    """Run B scenarios at once. p: parameter arrays (B,) or (B, years). Returns (B, T) arrays;
    with detail=True also per-flow arrays (B, flows, T)."""
    with np.errstate(invalid="raise", divide="raise", over="raise"):
        return _simulate(p, n_months, detail)


def _simulate(p, n_months, detail):
    t = np.arange(n_months)
    s = _static(n_months)
    supply = _china_supply(p, n_months)
    arrivals = supply["arrivals"]
    weights = _flow_weights(p, supply["licensed_index"], n_months)
    no_controls = p["no_export_controls"][:, None] > 0.5
    nvidia = np.array([channel in ("legal", "smuggled") for channel, _ in FLOWS])
    # Without controls China buys its pre-control share of Nvidia's output from Oct 2022, and at
    # least what it obtained under controls: the top-up flow makes up any difference.
    nvidia_h100e = np.einsum("bft,bf->bt", arrivals[:, nvidia], weights["train"][:, nvidia])
    pool = supply["nvidia_pool"] * p["china_precontrol_nvidia_share"][:, None]
    topup = np.where(no_controls & (t[None, :] >= s["pre_control_months"]),
                     np.maximum(pool - nvidia_h100e, 0.0), 0.0)
    arrivals[:, FLOW_LABELS.index("no_controls:nvidia_h100e")] = topup

    life = (p["chip_useful_life_years"] * 12).astype(int)
    training_share = _monthly(p["training_share"], n_months)

    # effectiveness: Ascend utilization (CANN maturity) and the H800/A800 training penalty
    years_since_base = np.clip(t - YIELD_BASE_MONTH, 0, None)[None, :] / 12
    ceiling = np.maximum(p["ascend_utilization_ceiling"], p["ascend_utilization_2025"])[:, None]
    utilization = ceiling - (ceiling - p["ascend_utilization_2025"][:, None]) * 0.5 ** (
        years_since_base / p["cann_maturity_halflife_years"][:, None]
    )
    penalty = np.where(
        no_controls[:, 0], 1.0,
        p["h800_training_penalty"] ** (1 - p["h800_penalty_recovered"]),
    )
    ascend = np.array([channel in ("tsmc_dies", "smic") for channel, _ in FLOWS])
    interconnect_limited = np.array([c in ("a800", "h800") for _, c in FLOWS])
    other = ~(ascend | interconnect_limited)

    def rated(weight):  # arrivals by effectiveness class, rated in H100e
        return {
            "ascend": np.einsum("bft,bf->bt", arrivals[:, ascend], weight[:, ascend]),
            "limited": np.einsum("bft,bf->bt", arrivals[:, interconnect_limited],
                                 weight[:, interconnect_limited]),
            "other": np.einsum("bft,bf->bt", arrivals[:, other], weight[:, other]),
        }

    train_in, infer_in = rated(weights["train"]), rated(weights["infer"])
    classes = ("ascend", "limited", "other")
    train_stock = _windowed(np.stack([train_in[c] for c in classes], axis=1), life)
    infer_stock = _windowed(np.stack([infer_in[c] for c in classes], axis=1), life)
    train_effect = np.stack([utilization, np.broadcast_to(1 / penalty[:, None], utilization.shape),
                             np.ones_like(utilization)], axis=1)
    infer_effect = np.stack([utilization, np.ones_like(utilization), np.ones_like(utilization)],
                            axis=1)
    china_training = (train_stock * train_effect).sum(axis=1) * training_share
    china_inference = (infer_stock * infer_effect).sum(axis=1) * (1 - training_share)
    china_total = np.maximum(china_training + china_inference, CHINA_COMPUTE_FLOOR)

    # U.S.: sourced baseline and growth, plus reallocation of chips not sold to China
    months_from_base = (t - US_BASELINE_MONTH)[None, :]
    us_baseline = p["us_compute_2025_h100e"][:, None] * p["us_compute_growth"][:, None] ** (
        months_from_base / 12
    )
    sold_to_china = np.einsum("bft,bf->bt", arrivals, weights["uncut"])
    reallocated = p["us_reallocation_share"][:, None] * (
        _reference_nvidia_to_china(n_months)[None, :] - sold_to_china
    )
    us_total = np.maximum(us_baseline + _windowed(reallocated[:, None, :], life)[:, 0],
                          0.05 * us_baseline)
    us_training = us_total * training_share
    us_inference = us_total * (1 - training_share)

    # algorithmic efficiency and the race gap
    log_growth = np.log(p["algorithmic_efficiency_growth"])[:, None]
    us_multiplier = np.exp(log_growth * t[None, :] / 12)
    china_multiplier = np.exp(
        log_growth * (t[None, :] - p["china_diffusion_lag_months"][:, None]) / 12
    ) * p["china_efficiency_multiplier"][:, None]
    us_effective = us_total * us_multiplier
    china_effective = china_total * china_multiplier
    slope = (np.log(p["us_compute_growth"])[:, None] + log_growth) / 12  # [log/month]
    race_gap = t[None, :] - first_reach(np.log(us_effective), np.log(china_effective), slope)

    run_seconds = p["training_run_days"][:, None] * SECONDS_PER_DAY
    flop_per_h100e = H100_BF16_FLOPS * p["model_flops_utilization"][:, None] * run_seconds
    out = {
        "china_training": china_training, "china_inference": china_inference,
        "china_total": china_total, "us_training": us_training, "us_inference": us_inference,
        "us_total": us_total, "china_effective": china_effective, "us_effective": us_effective,
        "ratio": us_total / china_total, "effective_ratio": us_effective / china_effective,
        "race_gap_months": race_gap, "ascend_utilization": utilization,
        "us_algorithmic_multiplier": us_multiplier,
        "china_algorithmic_multiplier": china_multiplier,
        "largest_run_flop_us": us_training * p["largest_cluster_share_us"][:, None]
        * flop_per_h100e,
        "largest_run_flop_china": china_training * p["largest_cluster_share_china"][:, None]
        * flop_per_h100e,
        "reallocated_to_us": reallocated,
        **supply["funnel"],
    }
    if detail:
        stock_units = _windowed(arrivals, life)
        effect_train = np.where(ascend[None, :, None], utilization[:, None, :],
                                np.where(interconnect_limited[None, :, None],
                                         1 / penalty[:, None, None], 1.0))
        effect_infer = np.where(ascend[None, :, None], utilization[:, None, :], 1.0)
        share = training_share[:, None, :]
        out["arrivals_units"] = arrivals
        out["stock_units"] = stock_units
        out["arrivals_h100e"] = arrivals * (weights["train"][:, :, None] * share
                                            + weights["infer"][:, :, None] * (1 - share))
        out["stock_h100e"] = stock_units * (
            weights["train"][:, :, None] * effect_train * share
            + weights["infer"][:, :, None] * effect_infer * (1 - share)
        )
        out["licensed_index"] = supply["licensed_index"]
        out["flow_training_h100e"] = weights["train"]
    return out
