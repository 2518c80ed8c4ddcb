"""The vectorized model core: China's and the U.S.'s AI compute, month by month.

`simulate(inputs, n_months)` takes every parameter as an array with a leading batch axis
(scalars (B,), yearly parameters (B, years)) and returns named arrays (B, months), so one
scenario and 10,000 variants run through the same code. There is no Python loop over months,
chips or samples. Units are in square brackets. Months start in January 2022.

One rating on both sides: H100e = dense 16-bit FLOP/s relative to an H100 (data/chips.csv);
inference capacity is a separate, bandwidth-weighted output. Haircuts (Ascend software maturity,
the A800/H800 penalty) apply once, to usable compute, never to H100e. Mechanisms: mechanisms.py.

China's supply, by channel (see FLOWS):
  legal          Nvidia sales the rules allowed: the 2021 installed base and Jan-Sep 2022
                 purchases (China's pre-control share of Nvidia's data-center output), A800
                 and H800 while legal, H20 in months it was legal, and from 2026 the best
                 licensable chip, each times the share Beijing lets in.
  smuggled       attempted smuggling less interdiction, split H100/H200/B200.
  tsmc_dies      TSMC-made die bank; smic: SMIC-made Ascend (lib/core/domestic.py).
  domestic_other Cambricon, Hygon, T-Head, Kunlunxin (lib/core/domestic.py).
  offshore       compute Chinese firms own or rent abroad: not in China, but usable.
  no_controls    the counterfactual top-up to China's no-controls share of Nvidia output.
Stocks retire gradually (lib/core/stock.py surviving) on both sides.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np

from lib.core import capability, domestic, mechanisms, outputs, us_side
from lib.core.calendar import event_month, from_year, grown_after, month_of, monthly
from lib.core.chips import chip, legal_sale_masks, licensed_candidates, licensed_chip_index
from lib.core.data import table
from lib.core.registry import registry
from lib.core.scenario import stack_values
from lib.core.stock import surviving

YIELD_BASE_MONTH = month_of(dt.date(2025, 1, 1))  # the month the sourced yield and
# utilization describe
HISTORY_LAST_YEAR = us_side.HISTORY_LAST_YEAR  # Nvidia's output: the record, then growth
BEIJING_EVENT = "Beijing halts H20 orders"  # data/events.csv: Beijing's admission applies
MANDATE_EVENT = "Domestic-chip mandate"  # state-funded data centers must use domestic chips
GUIDANCE_EVENT = "BIS subsidiary guidance"  # China-parented firms abroad need licences
CHINA_COMPUTE_FLOOR = 1.0  # [H100e] keeps logs finite when every channel is shut
CHUNK_ROWS = 1000  # rows simulated at once (measured: 1,000 beats 10,000 by ~20%)

FLOWS = (
    ("legal", "installed_2021"), ("legal", "a100"), ("legal", "a800"), ("legal", "h800"),
    ("legal", "h20"), ("legal", "licensed"),
    ("smuggled", "h100"), ("smuggled", "h200"), ("smuggled", "b200"),
    ("tsmc_dies", "ascend_910b"), ("tsmc_dies", "ascend_910c"),
    ("smic", "ascend_910b"), ("smic", "ascend_910c"), ("smic", "ascend_950pr"),
    ("smic", "ascend_950dt"), ("smic", "ascend_960"),
    ("domestic_other", domestic.OTHER_VENDOR_CHIP),
    ("offshore", "owned"), ("offshore", "rented"),
    ("no_controls", "nvidia_h100e"),
)
FLOW_LABELS = tuple(f"{channel}:{chip_id}" for channel, chip_id in FLOWS)
CHANNELS = tuple(outputs.CHANNELS)
SMIC_GENERATIONS = tuple(c for ch, c in FLOWS if ch == "smic")
BINDING = (*domestic.BINDING, "buyers' orders")  # orders bind where demand takes less
OFFSHORE_CHIP = "b300"  # offshore compute is counted in B300s (SemiAnalysis's unit)
# The chip each flow's units are; "licensed" is chosen per scenario.
RATED_AS = {"installed_2021": "a100", "owned": OFFSHORE_CHIP, "rented": OFFSHORE_CHIP}
# Which uncut Nvidia die a China sale uses up (for reallocation to U.S. buyers).
UNCUT = {"a100": "a100", "a800": "a100", "h800": "h100", "h20": "h100", "h100": "h100",
         "h200": "h200", "b200": "b200", "owned": OFFSHORE_CHIP, "rented": OFFSHORE_CHIP}
DOMESTIC = np.array([c in ("tsmc_dies", "smic", "domestic_other") for c, _ in FLOWS])
LIMITED = np.array([c in ("a800", "h800") for _, c in FLOWS])  # interconnect-limited
OFFSHORE = np.array([c == "offshore" for c, _ in FLOWS])
RENTED = np.array([f == ("offshore", "rented") for f in FLOWS])
# classes of flows that share a haircut (and where they are): their stocks are kept apart
CLASS_MASKS = {"domestic": DOMESTIC, "limited": LIMITED, "other": ~(DOMESTIC | LIMITED | OFFSHORE),
               "owned": OFFSHORE & ~RENTED, "rented": RENTED}
IN_CHINA = ("domestic", "limited", "other")
# serving capacity needs fewer classes: only the Ascend haircut and the remote-access rule
BANDWIDTH_MASKS = {"domestic": DOMESTIC, "rented": RENTED, "rest": ~(DOMESTIC | RENTED)}
# (rating or bandwidth, class) stocks, in the order their weights are stacked below
STOCKS = ([("rating", c) for c in CLASS_MASKS] + [("bandwidth", c) for c in BANDWIDTH_MASKS])
STOCK_MATRIX = np.stack([(CLASS_MASKS if w == "rating" else BANDWIDTH_MASKS)[c]
                         for w, c in STOCKS], axis=1).astype(float)  # (F, stocks)
RATED = np.array([w == "rating" for w, _ in STOCKS])
DOMESTIC_STOCK = STOCKS.index(("rating", "domestic"))
OTHER_IN_CHINA = [STOCKS.index(("rating", c)) for c in IN_CHINA if c != "domestic"]


def _flow_slice(pick) -> slice:
    """The flows a predicate picks, as one contiguous slice of FLOWS (a view, never a copy)."""
    index = [i for i, flow in enumerate(FLOWS) if pick(*flow)]
    assert index == list(range(index[0], index[-1] + 1)), "keep these flows together in FLOWS"
    return slice(index[0], index[-1] + 1)


# what buyers' choice fills demand from [H100e/month]: the offered supply of each part
OFFERED = {
    "legal": _flow_slice(lambda c, x: c == "legal" and x != "installed_2021"),
    "smuggled": _flow_slice(lambda c, _: c == "smuggled"),
    "offshore": _flow_slice(lambda c, _: c == "offshore"),
    "domestic": _flow_slice(lambda c, _: c in ("tsmc_dies", "smic", "domestic_other")),
}


@cache
def _static(n_months: int) -> dict[str, np.ndarray]:
    """Per-chip constants and per-month masks that do not depend on parameters."""
    assert set(SMIC_GENERATIONS) | {"ascend_910b", "ascend_910c"} == {
        c for _, c in domestic.generation_flows()}, "huawei_roadmap.csv and FLOWS disagree"
    masks = legal_sale_masks(n_months)
    rating = np.zeros(len(FLOWS))
    bandwidth = np.zeros(len(FLOWS))
    uncut = np.zeros(len(FLOWS))
    for i, (_channel, chip_id) in enumerate(FLOWS):
        if chip_id in ("licensed", "nvidia_h100e"):
            continue
        row = chip(RATED_AS.get(chip_id, chip_id))
        rating[i] = row["h100e"]
        # bandwidth unknown (the MLU590's): count it at its FLOP rating rather than as none
        bandwidth[i] = row["h100e"] if np.isnan(row["inference_h100e"]) else row[
            "inference_h100e"]
        if chip_id in UNCUT:
            uncut[i] = chip(UNCUT[chip_id])["h100e"]
    i = FLOWS.index(("no_controls", "nvidia_h100e"))
    rating[i] = bandwidth[i] = uncut[i] = 1.0
    candidates = licensed_candidates()
    t = np.arange(n_months)
    return {
        # months before the first export rule (data/rules.csv): pre-control purchases
        "pre_control_months": month_of(table("rules.csv")["effective_date"].min()),
        "beijing": t >= event_month(BEIJING_EVENT),
        "mandate": t >= event_month(MANDATE_EVENT),
        "guidance": t > event_month(GUIDANCE_EVENT),  # in force from 31 May: June on
        "mask_a800": masks["a800"], "mask_h800": masks["h800"], "mask_h20": masks["h20"],
        "mask_h20_ban_kept": masks["h20_ban_kept"], "mask_case_by_case": masks["case_by_case"],
        "rating": rating, "bandwidth": bandwidth, "uncut": uncut,
        "cand_h100e": candidates["h100e"].to_numpy(float),
        "cand_inference": candidates["inference_h100e"].to_numpy(float),
        "a100_h100e": chip("a100")["h100e"], "offshore_h100e": chip(OFFSHORE_CHIP)["h100e"],
    }


def _china_supply(p: dict[str, np.ndarray], n_months: int) -> dict:
    """Arrivals [chips/month] for every flow, and the Ascend funnel."""
    s = _static(n_months)
    batch = p["a800_units_total"].shape[0]
    t = np.arange(n_months)
    arrivals = np.zeros((batch, len(FLOWS), n_months))
    flow = {f: i for i, f in enumerate(FLOWS)}

    # what Beijing lets in: all until it first restricted, then its share, less the part of
    # demand that state funding obliges to buy domestic
    mandate = p["domestic_mandate"][:, None] * s["mandate"][None, :] * p["state_funded_share"][
        :, None]
    admitted = np.where(s["beijing"][None, :],
                        monthly(p["beijing_admission_share"], n_months), 1.0) * (1 - mandate)

    nvidia_pool = grown_after(p["nvidia_shipments_h100e"], p["nvidia_shipment_growth"],
                              n_months, HISTORY_LAST_YEAR)
    share = p["china_precontrol_dc_share"][:, None]
    a100 = s["a100_h100e"]
    arrivals[:, flow["legal", "a100"]] = (t < s["pre_control_months"])[None, :] * (
        nvidia_pool * share / a100)
    arrivals[:, flow["legal", "installed_2021"], 0] = (
        p["nvidia_output_2019_2021_h100e"] * p["china_precontrol_dc_share"] / a100)
    for chip_id in ("a800", "h800"):
        mask = s[f"mask_{chip_id}"]
        arrivals[:, flow["legal", chip_id]] = (
            p[f"{chip_id}_units_total"][:, None] * mask[None, :] / max(mask.sum(), 1))
    h20_mask = np.where(p["h20_reversal"][:, None] > 0.5, s["mask_h20"], s["mask_h20_ban_kept"])
    arrivals[:, flow["legal", "h20"]] = (monthly(p["h20_units_per_year"], n_months) / 12
                                         * h20_mask * admitted)
    best = licensed_chip_index(p)
    price_factor = ((1 + p["us_revenue_share"]) / (1 + p["reference_revenue_share"])) ** (
        -p["licensed_price_elasticity"])
    wanted = monthly(p["china_licensed_demand_per_year"], n_months) * price_factor[:, None]
    allowed = np.minimum(monthly(p["licensed_units_per_year"], n_months),
                         monthly(p["us_volume_licensed_chip_per_year"], n_months)
                         * p["china_volume_cap_share"][:, None])
    arrivals[:, flow["legal", "licensed"]] = (
        np.minimum(wanted, allowed) / 12 * s["mask_case_by_case"][None, :]
        * (best >= 0)[:, None] * admitted)

    # smuggling, less interdiction (more with location verification once it applies)
    verified = p["location_verification"][:, None] * from_year(p["us_rules_from_year"],
                                                                  n_months)
    caught = 1 - (1 - p["smuggling_interdiction_share"][:, None]) * (
        1 - verified * p["location_verification_interdiction"][:, None])
    smuggled = monthly(p["smuggling_attempted_per_year"], n_months) / 12 * (1 - caught)
    share_h200 = monthly(p["smuggled_share_h200"], n_months)
    share_b200 = monthly(p["smuggled_share_b200"], n_months)
    arrivals[:, flow["smuggled", "h200"]] = smuggled * share_h200
    arrivals[:, flow["smuggled", "b200"]] = smuggled * share_b200
    arrivals[:, flow["smuggled", "h100"]] = smuggled * np.clip(1 - share_h200 - share_b200, 0, 1)

    ascend = domestic.ascend(p, n_months, YIELD_BASE_MONTH)
    for key, packages in ascend["flows"].items():
        arrivals[:, flow[key]] = packages
    arrivals[:, flow["domestic_other", domestic.OTHER_VENDOR_CHIP]] = domestic.other_vendors(
        p, n_months, ascend["funnel"]["smic_yield"])

    # offshore: subsidiaries buy until the guidance (when it is in force); rentals go on
    owning = 1 - p["subsidiary_guidance"][:, None] * s["guidance"][None, :]
    arrivals[:, flow["offshore", "owned"]] = (
        monthly(p["offshore_owned_h100e_per_year"], n_months) / 12 * owning
        / s["offshore_h100e"])
    arrivals[:, flow["offshore", "rented"]] = (
        monthly(p["offshore_rented_h100e_per_year"], n_months) / 12 / s["offshore_h100e"])
    return {"arrivals": arrivals, "licensed_index": best, "funnel": ascend["funnel"],
            "nvidia_pool": nvidia_pool, "mandate": mandate}


def _flow_weights(licensed_index: np.ndarray, n_months: int) -> dict[str, np.ndarray]:
    s = _static(n_months)
    batch = licensed_index.shape[0]
    weights = {name: np.broadcast_to(s[name], (batch, len(FLOWS))).copy()
               for name in ("rating", "bandwidth", "uncut")}
    i = FLOWS.index(("legal", "licensed"))
    valid = licensed_index >= 0
    safe = np.where(valid, licensed_index, 0)
    weights["rating"][:, i] = np.where(valid, s["cand_h100e"][safe], 0.0)
    weights["bandwidth"][:, i] = np.where(valid, s["cand_inference"][safe], 0.0)
    weights["uncut"][:, i] = weights["rating"][:, i]
    return weights


def simulate(p: dict[str, np.ndarray], n_months: int, detail: bool = True,
             keep: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """Run B scenarios at once. p: parameter arrays (B,) or (B, years). Returns (B, T) arrays
    (only the `keep` ones if given); with detail=True also per-flow arrays (B, flows, T)."""
    batch = len(next(iter(p.values())))
    reference = _reference(n_months)
    out: dict[str, np.ndarray] = {}
    # big batches in chunks: arrays that fit in cache run ~20% faster than one pass
    for start in range(0, batch, CHUNK_ROWS):
        rows = slice(start, start + CHUNK_ROWS)
        with np.errstate(invalid="raise", divide="raise", over="raise"):
            part = _simulate(p if batch <= CHUNK_ROWS else {k: v[rows] for k, v in p.items()},
                             n_months, detail, reference)[0]
        if batch <= CHUNK_ROWS:
            return part if keep is None else {k: part[k] for k in keep}
        for key in keep or part:
            if key not in out:
                out[key] = np.empty((batch, *part[key].shape[1:]), part[key].dtype)
            out[key][rows] = part[key]
    return out


@cache
def _reference(n_months: int) -> dict[str, np.ndarray]:
    """The status quo's (declared defaults') own path of what mechanisms compare with, and the
    Nvidia dies it sells to China (the U.S. record already reflects those sales; scenarios
    reallocate the difference). Each (1, T), read-only."""
    with np.errstate(invalid="raise", divide="raise", over="raise"):
        reference = _simulate(stack_values([registry().defaults()]), n_months, False, None)[1]
    for array in reference.values():
        array.setflags(write=False)
    return reference


def _fill(p, s, supply, weights, no_controls, reference, n_months):
    """Buyers' choice and learning by doing (lib/core/mechanisms.py): arrivals scaled to what
    each channel sells, and the no-controls top-up [H100e/month] set."""
    t, months_from_base = np.arange(n_months), np.arange(n_months) - YIELD_BASE_MONTH
    arrivals = supply["arrivals"]
    offered = {key: np.matmul(weights["rating"][:, None, flows], arrivals[:, flows])[:, 0]
               for key, flows in OFFERED.items()}  # batched matmul: BLAS, unlike einsum
    price, budget = mechanisms.nvidia_price(p, months_from_base), mechanisms.chip_budget(
        p, n_months)  # [$/H100e], [$/month]
    base = p["domestic_share_without_controls"][:, None]
    floor = np.where(no_controls, base, np.maximum(base, supply["mandate"]))
    wanted_nvidia = np.minimum(supply["nvidia_pool"] * p["china_nocontrols_share"][:, None],
                               budget / price)
    after_controls = no_controls & (t[None, :] >= s["pre_control_months"])
    filled = mechanisms.fill_demand(
        p, offered, budget, price, mechanisms.channel_costs(p, price, no_controls),
        wanted_nvidia, floor, after_controls, reference)
    for key, sold in (("legal", filled.legal), ("smuggled", filled.smuggled),
                      ("domestic", filled.domestic)):
        arrivals[:, OFFERED[key]] *= mechanisms.relative(sold, offered[key])[:, None, :]
    arrivals[:, FLOWS.index(("no_controls", "nvidia_h100e"))] = filled.topup
    return filled, offered


def _simulate(p, n_months, detail, reference):
    t = np.arange(n_months)
    s = _static(n_months)
    supply = _china_supply(p, n_months)
    arrivals = supply["arrivals"]
    weights = _flow_weights(supply["licensed_index"], n_months)
    no_controls = p["no_export_controls"][:, None] > 0.5
    filled, offered = _fill(p, s, supply, weights, no_controls, reference, n_months)
    # One contraction over the flows gives every class's inflow rated by FLOP and by
    # bandwidth (for the stocks), Nvidia's H100e and the uncut dies sold to China.
    per_stock = np.where(RATED[None, None, :], weights["rating"][:, :, None],
                         weights["bandwidth"][:, :, None]) * STOCK_MATRIX  # (B, F, stocks)
    summed = np.matmul(np.concatenate([per_stock, weights["uncut"][:, :, None]], axis=2)
                       .transpose(0, 2, 1), arrivals)  # (B, K, F) @ (B, F, T)
    inflow, sold_to_china = summed[:, :len(STOCKS)], summed[:, -1]

    life = p["chip_mean_life_years"] * 12
    training_share = monthly(p["training_share"], n_months)
    years_since_base = np.clip(t - YIELD_BASE_MONTH, 0, None)[None, :] / 12
    ceiling = np.maximum(p["ascend_utilization_ceiling"], p["ascend_utilization_2025"])[:, None]
    # software maturity: the gap to the ceiling halves every half-life, faster with learning
    utilization = np.maximum(ceiling - (ceiling - p["ascend_utilization_2025"][:, None]) * 0.5 ** (
        years_since_base / p["cann_maturity_halflife_years"][:, None]) / filled.learning, 0.05)
    penalty = np.where(no_controls[:, 0], 1.0,
                       p["h800_training_penalty"] ** (1 - p["h800_penalty_recovered"]))
    remote_ban = p["remote_access_rule"][:, None] * from_year(p["us_rules_from_year"], n_months)

    # stocks by class: retirement is linear in arrivals, so each class retires as one; the
    # power the chips in China draw is one more stock, weighted by each arrival's kW
    kw = mechanisms.kw_per_h100e(p, t - YIELD_BASE_MONTH)
    power_in = kw * ((1 + p["domestic_power_penalty"][:, None]) * inflow[:, DOMESTIC_STOCK]
                     + inflow[:, OTHER_IN_CHINA].sum(axis=1))
    stock = surviving(np.concatenate([inflow, power_in[:, None]], axis=1), life)
    hw = {c: stock[:, k] for k, (w, c) in enumerate(STOCKS) if w == "rating"}
    bw = {c: stock[:, k] for k, (w, c) in enumerate(STOCKS) if w == "bandwidth"}
    china_power_kw = monthly(p["china_dc_power_gw"], n_months) * 1e6 * p[
        "china_ai_power_share"][:, None]
    china_powered = mechanisms.powered_share(p, stock[:, -1], china_power_kw)
    usable_rented = 1 - remote_ban
    china_total = np.maximum(hw["domestic"] + hw["limited"] + hw["other"], CHINA_COMPUTE_FLOOR)
    delivered = np.cumsum(inflow[:, [STOCKS.index(("rating", c)) for c in IN_CHINA]].sum(
        axis=1), axis=1)
    china_offshore = hw["owned"] + hw["rented"] * usable_rented
    china_usable = china_total + china_offshore
    # usable compute after the haircuts, each applied once, and what power can run
    domestic_working = hw["domestic"] * utilization * china_powered
    china_working = np.maximum(domestic_working + (hw["limited"] / penalty[:, None] + hw[
        "other"]) * china_powered + china_offshore, CHINA_COMPUTE_FLOOR)
    china_bandwidth = np.maximum((bw["domestic"] * utilization + bw["rest"]) * china_powered
                                 + bw["rented"] * usable_rented, CHINA_COMPUTE_FLOOR)
    # train on Nvidia, serve on domestic chips: domestic chips train at a reduced share
    domestic_training = np.where(mechanisms.on(p, "train_serve_split"),
                                 p["domestic_training_share"][:, None], 1.0)
    china_training = training_share * (china_working - (1 - domestic_training)
                                       * domestic_working)

    # U.S.: owned compute by vendor, plus Nvidia dies not sold to China
    reallocated = 0.0 if reference is None else p["us_reallocation_share"][:, None] * (
        reference["nvidia_to_china"] - sold_to_china)
    us = us_side.us_compute(p, supply["nvidia_pool"], reallocated, kw, life)
    us_by_vendor, us_total, us_powered = us["by_vendor"], us["total"], us["powered"]
    us_working = us_total * us_powered
    ratio = us_total / china_usable

    compute = {"us_working": us_working, "us_training": us_working * training_share,
               "us_inference": np.maximum(us_working * (1 - training_share), 1.0),
               "china_working": china_working, "china_training": np.maximum(
                   china_training, CHINA_COMPUTE_FLOOR),
               "china_inference": np.maximum(china_working - china_training,
                                             CHINA_COMPUTE_FLOOR),
               "china_bandwidth": china_bandwidth, "ratio": ratio}
    race = capability.race(p, t, compute, None if reference is None else reference["ratio"])
    out = {
        "china_total": china_total, "china_delivered": delivered,
        "china_offshore": china_offshore,
        "china_usable": china_usable, "china_working": china_working,
        "china_training": compute["china_training"],
        "china_inference": compute["china_inference"],
        "china_inference_bandwidth": china_bandwidth,
        "us_total": us_total, "us_training": compute["us_training"],
        "us_inference": compute["us_inference"],
        "us_nvidia": us_by_vendor[:, 0], "us_tpu": us_by_vendor[:, 1],
        "us_trainium": us_by_vendor[:, 2],
        "ratio": ratio, "ascend_utilization": utilization,
        "reallocated_to_us": np.broadcast_to(reallocated, us_total.shape),
        "china_demand": filled.demand,
        "domestic_sold_share": mechanisms.relative(filled.domestic, offered["domestic"]),
        "huawei_learning": filled.learning,
        "us_powered_share": us_powered, "china_powered_share": china_powered,
        "us_power_need_gw": us["need_kw"] / 1e6, "china_power_need_gw": stock[:, -1] / 1e6,
        **race, **supply["funnel"],
    }
    sold_share = out["domestic_sold_share"]
    out["binding_constraint"] = np.where(sold_share < 1 - 1e-9, len(BINDING) - 1,
                                         out["binding_constraint"])
    if detail:
        stock_units = surviving(arrivals, life)
        stock_units[:, RENTED] *= usable_rented[:, None, :]
        out["arrivals_units"] = arrivals
        out["stock_units"] = stock_units
        out["arrivals_h100e"] = arrivals * weights["rating"][:, :, None]
        out["stock_h100e"] = stock_units * weights["rating"][:, :, None]
        out["licensed_index"] = supply["licensed_index"]
        out["flow_h100e"] = weights["rating"]
    if reference is not None:  # only the reference run's path is kept for comparison
        return out, {}
    return out, {"spend_seen": filled.spend_seen,
                 "unmet_before_smuggling": filled.unmet_before_smuggling,
                 "domestic_cumulative": np.cumsum(offered["domestic"], axis=1),
                 "ratio": ratio, "nvidia_to_china": sold_to_china}
