"""The mechanisms the arguments about export controls rest on, declared once, and their
arithmetic (batch arrays (B, months), no loops over samples).

Each mechanism is a switch parameter with strength parameters (data/parameters.yaml). Turned
off, the model is exactly the one without it. Mechanisms that respond to a scenario's
departure from the status quo (learning, scarcity, the smuggling response, the demand China
was seen to buy) compare with the declared defaults' own path, so with the switch on the
status quo, whose history is sourced, stays as it is; only departures from it change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.core.calendar import monthly

LEARNING_LAG_MONTHS = 12  # yield and software learning show up about a year after deployment
TINY = 1e-9


@dataclass(frozen=True)
class Mechanism:
    id: str
    label: str
    switch: str  # the boolean parameter that turns it on
    strengths: tuple[str, ...]  # parameters that set how strong it is
    acts_on: tuple[str, ...]  # the outputs it changes (lib/core/outputs.py keys)
    summary: str  # what it does in the model, one line

    @property
    def parameters(self) -> tuple[str, ...]:
        return (self.switch, *self.strengths)


MECHANISMS: dict[str, Mechanism] = {m.id: m for m in (
    Mechanism("buyers_choice", "Buyers' choice and substitution", "buyers_choice",
              ("domestic_share_without_controls", "smuggling_demand_elasticity",
               "smuggling_premium", "domestic_chip_subsidy"),
              ("china_total", "domestic_sold_share", "china_demand"),
              "Chinese demand is filled by Nvidia first, domestic chips take the rest; Huawei "
              "sells only what is ordered."),
    Mechanism("learning_by_doing", "Learning by doing (backfire)", "learning_by_doing",
              ("learning_elasticity",), ("china_total", "huawei_learning",
                                         "ascend_utilization"),
              "Domestic output and Ascend software maturity grow with cumulative domestic "
              "deployment."),
    Mechanism("scarcity_efficiency", "Scarcity sparks efficiency", "scarcity_efficiency",
              ("scarcity_elasticity",), ("china_algorithmic_multiplier", "race_gap_months"),
              "China's algorithmic progress speeds up when its compute is scarcer."),
    Mechanism("distillation", "Distillation from U.S. models", "distillation",
              ("distillation_months", "distillation_half_compute_h100e",
               "anti_distillation_enforcement"),
              ("capability_lag_months", "capability_months_distilled"),
              "China's capability lag shrinks with access to U.S. models' outputs, limited by "
              "its serving compute and by enforcement."),
    Mechanism("deployment_feedback", "Deployment feedback", "deployment_feedback",
              ("feedback_elasticity",), ("capability_lag_months",),
              "Capability grows with serving compute: users give feedback data."),
    Mechanism("power_limits", "Power and data centers", "power_limits",
              ("us_ai_power_growth", "us_grid_shortfall", "china_dc_power_gw",
               "china_ai_power_share", "kw_per_h100e_2025", "power_efficiency_doubling_years",
               "domestic_power_penalty"),
              ("us_powered_share", "china_powered_share", "race_gap_months"),
              "Each side runs only the compute its data-center power can feed."),
    Mechanism("train_serve_split", "Train on Nvidia, serve on domestic chips",
              "train_serve_split", ("domestic_training_share",),
              ("china_training", "largest_run_flop_china", "capability_lag_months"),
              "Domestic chips give training only part of their compute and serve the rest."),
)}


# Mechanisms through which demand answers a change in supply: with them on, substitution and
# learning can offset a supply lever (declared directions hold with them off).
DEMAND_FEEDBACK = ("buyers_choice", "learning_by_doing")


def owner(key: str) -> Mechanism | None:
    """The mechanism a parameter belongs to (its switch or a strength), if any."""
    return next((m for m in MECHANISMS.values() if key in m.parameters), None)


def switches(values: dict, on_ids=(), off_ids=()) -> dict:
    """Resolved parameter values with the named mechanisms switched on or off."""
    return values | {MECHANISMS[i].switch: True for i in on_ids} | {
        MECHANISMS[i].switch: False for i in off_ids}


def on(p: dict[str, np.ndarray], mechanism: str) -> np.ndarray:
    """(B, 1) True where the mechanism's switch is on."""
    return (p[MECHANISMS[mechanism].switch] > 0.5)[:, None]


def relative(value: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
    """value / reference, 1 where there is no reference (the reference run itself) or it is 0."""
    if reference is None:
        return np.ones_like(value)
    return np.divide(value, reference, out=np.ones_like(value), where=reference > TINY)


def lagged(series: np.ndarray, months: int) -> np.ndarray:
    """The series `months` earlier (zero before the first month)."""
    out = np.zeros_like(series)
    out[:, months:] = series[:, :-months]
    return out


def learning_factor(p, cumulative: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
    """Wright's law against the status quo: (cumulative deployment a year earlier / the status
    quo's) ** elasticity where learning is on, else 1. (B, T)."""
    ratio = relative(lagged(cumulative, LEARNING_LAG_MONTHS),
                     None if reference is None else lagged(reference, LEARNING_LAG_MONTHS))
    factor = np.maximum(ratio, 1e-3) ** p["learning_elasticity"][:, None]
    return np.where(on(p, "learning_by_doing"), factor, 1.0)


@dataclass(frozen=True)
class Filled:
    """What each channel sells once demand is filled [H100e/month, (B, T)]."""

    legal: np.ndarray
    smuggled: np.ndarray
    topup: np.ndarray  # the no-controls top-up of Nvidia chips
    domestic: np.ndarray
    learning: np.ndarray  # the learning factor applied to domestic capacity
    demand: np.ndarray  # the budget used, in H100e at Nvidia's price
    spend_seen: np.ndarray  # [$/month] what every channel's offer would cost
    unmet_before_smuggling: np.ndarray  # [$/month]


CHANNEL_COSTS = ("legal", "smuggled", "offshore", "domestic")


def channel_costs(p, price: np.ndarray, no_controls: np.ndarray) -> dict[str, np.ndarray]:
    """What Chinese buyers pay per H100e from each channel [$, (B, T)]: Nvidia's price with
    the U.S. take passed on (licensed), the smuggling premium (smuggled), Nvidia's price
    (abroad), and the domestic price, falling at the same rate, less the subsidy. Without
    controls there is no U.S. take and nothing to smuggle: Nvidia's chips cost its price."""
    domestic = price * (p["domestic_price_per_h100e_usd"]
                        / p["nvidia_price_per_h100e_usd"])[:, None]  # the same decline
    markup = {"legal": p["us_revenue_share"], "smuggled": p["smuggling_premium"]}
    return {**{k: price * (1 + np.where(no_controls, 0.0, v[:, None])) for k, v in markup.items()},
            "offshore": price, "domestic": domestic * (1 - p["domestic_chip_subsidy"][:, None])}


def fill_demand(p, offered: dict[str, np.ndarray], budget: np.ndarray, price: np.ndarray,
                cost: dict[str, np.ndarray], wanted_nvidia: np.ndarray, floor: np.ndarray,
                no_controls: np.ndarray, reference: dict | None) -> Filled:
    """Buyers' choice: spend the AI-chip budget [$/month] on the channels in order (compute
    abroad, already committed; licensed Nvidia; smuggled chips; then domestic), each at its
    own price, then learning by doing on the domestic capacity the orders leave. `offered`:
    legal, smuggled, offshore, domestic [H100e/month] as the supply side allows;
    `wanted_nvidia`: the no-controls purchase target [H100e/month]; `floor`: the least
    domestic share of the budget. The budget is at least what the status quo's offer cost
    (China bought all it could get)."""
    choice = on(p, "buyers_choice")
    legal, smuggled, offshore, capacity = (offered[k] for k in CHANNEL_COSTS)
    spend_offshore = offshore * cost["offshore"]
    seen = sum(offered[k] * cost[k] for k in CHANNEL_COSTS)
    wanted = np.maximum(budget, seen if reference is None else reference["spend_seen"])
    foreign_room = wanted * (1 - floor)
    # compute abroad is already committed; licensed chips fill what is left of the room
    legal_sold = np.where(choice, np.minimum(legal, np.maximum(
        foreign_room - spend_offshore, 0.0) / cost["legal"]), legal)
    spend_legal = legal_sold * cost["legal"]
    unmet = np.maximum(wanted - spend_legal - spend_offshore - capacity * cost["domestic"], 1.0)
    response = relative(unmet, None if reference is None else reference[
        "unmet_before_smuggling"]) ** p["smuggling_demand_elasticity"][:, None]
    room_left = np.maximum(foreign_room - spend_legal - spend_offshore, 0.0)
    smuggled_sold = np.where(choice, np.minimum(smuggled * response,
                                                room_left / cost["smuggled"]), smuggled)
    spend_nvidia = spend_legal + smuggled_sold * cost["smuggled"] + spend_offshore
    nvidia = legal_sold + smuggled_sold + offshore
    target = np.where(choice, np.minimum(wanted_nvidia, foreign_room / price), wanted_nvidia)
    topup = np.where(no_controls, np.maximum(target - nvidia, 0.0), 0.0)
    orders = np.maximum(wanted - spend_nvidia - topup * price, floor * wanted) / cost[
        "domestic"]
    first = np.where(choice, np.minimum(capacity, orders), capacity)
    learning = learning_factor(p, np.cumsum(first, axis=1),
                               None if reference is None else reference["domestic_cumulative"])
    domestic = np.where(choice, np.minimum(capacity * learning, orders), capacity * learning)
    return Filled(legal_sold, smuggled_sold, topup, domestic, learning, wanted / price, seen,
                  unmet)


def scarcity_multiplier(p, ratio: np.ndarray, reference: np.ndarray | None,
                        log_growth: np.ndarray) -> np.ndarray:
    """Extra factor on China's algorithmic efficiency: its monthly progress is scaled by
    (hardware ratio / the status quo's) ** elasticity. (B, T)."""
    scale = np.maximum(relative(ratio, reference), 1e-3) ** p["scarcity_elasticity"][:, None]
    extra = np.cumsum(log_growth / 12 * (scale - 1), axis=1)
    return np.where(on(p, "scarcity_efficiency"), np.exp(np.clip(extra, -50, 50)), 1.0)


def nvidia_price(p, months_from_base: np.ndarray) -> np.ndarray:
    """Nvidia's price per H100e [$], halving every price-performance doubling time (from the
    2025 figure). (B, T)"""
    return p["nvidia_price_per_h100e_usd"][:, None] * 0.5 ** (
        months_from_base[None, :] / 12 / p["price_performance_doubling_years"][:, None])


def chip_budget(p, n_months: int) -> np.ndarray:
    """Chinese firms' AI-chip budget [$/month]: AI capex times its accelerator share."""
    return (monthly(p["china_ai_capex_busd"], n_months) * 1e9 / 12
            * p["accelerator_share_of_capex"][:, None])


def kw_per_h100e(p, months_from_base: np.ndarray) -> np.ndarray:
    """Facility power per H100e of chips arriving each month [kW]: the 2025 figure, halving
    every energy-efficiency doubling time. (B, T)"""
    return p["kw_per_h100e_2025"][:, None] * 0.5 ** (
        months_from_base[None, :] / 12 / p["power_efficiency_doubling_years"][:, None])


def us_power_kw(p, need_kw: np.ndarray, t: np.ndarray, last_recorded_month: int) -> np.ndarray:
    """U.S. AI data-center power [kW] by month: what the fleet needed through the record
    (it ran), then growing at the sourced rate, less the grid shortfall's share of the growth."""
    base = need_kw[:, last_recorded_month:last_recorded_month + 1]
    years = np.maximum(t - last_recorded_month, 0)[None, :] / 12
    grown = base * p["us_ai_power_growth"][:, None] ** years
    path = base + (grown - base) * (1 - p["us_grid_shortfall"][:, None])
    return np.where(t[None, :] <= last_recorded_month, need_kw, path)


def powered_share(p, need_kw: np.ndarray, available_kw: np.ndarray) -> np.ndarray:
    """Share of installed compute the data-center power can run (1 where power is off)."""
    share = np.minimum(1.0, np.divide(available_kw, need_kw, out=np.ones_like(need_kw),
                                      where=need_kw > TINY))
    return np.where(on(p, "power_limits"), share, 1.0)


def distilled_months(p, lag: np.ndarray, serving: np.ndarray) -> np.ndarray:
    """Months of capability lag distillation closes: its months times access times a
    saturating share of China's serving compute, never more than the lag."""
    access = 1 - p["anti_distillation_enforcement"][:, None]
    compute = serving / (serving + p["distillation_half_compute_h100e"][:, None])
    months = p["distillation_months"][:, None] * access * compute
    return np.where(on(p, "distillation"), np.minimum(months, np.maximum(lag, 0.0)), 0.0)
