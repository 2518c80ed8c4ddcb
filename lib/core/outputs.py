"""What the model reports, declared once: every output series (label, unit, axis, side), which
of them are headline metrics, China's supply channels and the lever groups.

Readers look names up here: output(key), CHANNELS[id], LEVER_GROUPS[id]. Colours are keyed by
the same ids (lib/report/style.py), never by a label, so renaming a label changes only text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Axis = Literal["log", "linear"]


Side = Literal["us", "china", "both"]


@dataclass(frozen=True)
class Output:
    key: str  # the series name in Result.series (or, if derived, the name Result computes)
    label: str
    unit: str
    description: str
    axis: Axis = "linear"  # how a chart of it reads best
    side: Side | None = None  # whose quantity it is ("both": a comparison of the two)
    headline: bool = False  # one of the headline metrics (Result.headline, the CLI's headline)
    derived: bool = False  # computed by Result from the flows, not returned by the model

    @property
    def label_with_unit(self) -> str:
        return f"{self.label} [{self.unit}]"


_COMPUTE = "H100e"
_EFFECTIVE = "2022-algorithm H100e"


# Headline metrics first, in the order tables list them.
OUTPUTS: dict[str, Output] = {o.key: o for o in (
    Output("china_total", "China AI compute (in China)", _COMPUTE,
           "AI compute installed in China, every chip rated by dense 16-bit FLOP/s against an "
           "H100.", "log", "china", True),
    Output("us_total", "U.S. AI compute", _COMPUTE,
           "AI compute U.S. owners hold (Nvidia, Google TPU, AWS Trainium), rated the same way.",
           "log", "us", True),
    Output("ratio", "U.S. / China compute", "x",
           "U.S. compute as a multiple of the compute Chinese labs can use (in China plus "
           "abroad).", "log", "both", True),
    Output("race_gap_months", "Race gap (China behind)", "months",
           "How many months ago the U.S. had the effective compute (hardware times algorithms) "
           "Chinese labs can use now.", "linear", "both", True),
    Output("race_gap_hardware_months", "Race gap: hardware part", "months",
           "The race gap China's hardware alone explains (China given U.S.-level algorithms).",
           "linear", "both", True),
    Output("capability_lag_months", "Capability lag (China behind)", "months",
           "How many months ago the U.S. frontier training run had the effective FLOP China's "
           "has now (times serving compute with deployment feedback on), less what "
           "distillation closes.", "linear", "both", True),
    Output("china_usable", "Compute Chinese labs can use", _COMPUTE,
           "China's compute at home plus what Chinese firms own or rent abroad.",
           "log", "china", True),
    Output("china_offshore", "Chinese compute abroad", _COMPUTE,
           "Compute Chinese firms own or rent outside China (not in the China total).",
           "log", "china", True),
    Output("china_effective", "China effective compute", _EFFECTIVE,
           "China's usable compute after software haircuts, times its algorithmic efficiency "
           "(2022 algorithms = 1).", "log", "china", True),
    Output("us_effective", "U.S. effective compute", _EFFECTIVE,
           "U.S. compute times its algorithmic efficiency (2022 algorithms = 1).",
           "log", "us", True),
    Output("china_training", "China training compute", _COMPUTE,
           "China's usable compute after software haircuts, training share.", "log", "china",
           True),
    Output("largest_run_flop_china", "China's largest training run", "FLOP",
           "Compute of the largest single training run China's largest cluster could do.",
           "log", "china", True),
    Output("largest_run_flop_us", "U.S. largest training run", "FLOP",
           "Compute of the largest single training run the largest U.S. cluster could do.",
           "log", "us", True),
    Output("smuggled_share", "Smuggled share of China's compute", "share",
           "Share of China's installed compute that arrived as smuggled Nvidia chips.",
           "linear", "china", True, derived=True),
    Output("china_delivered", "AI compute delivered to China since 2022", _COMPUTE,
           "Every chip that arrived in China from Jan 2022, before retirement: what supply "
           "levers move one way (installed compute also depends on when chips arrived).",
           "log", "china"),
    Output("race_gap_algorithmic_months", "Race gap: algorithmic part", "months",
           "The rest of the race gap: China's algorithmic lag and efficiency.", "linear", "both"),
    Output("china_working", "China usable compute after haircuts", _COMPUTE,
           "Compute Chinese labs can use, with Ascend software maturity and the A800/H800 "
           "interconnect penalty applied.", "log", "china"),
    Output("china_inference", "China inference compute", _COMPUTE,
           "China's usable compute after haircuts, inference share.", "log", "china"),
    Output("china_inference_bandwidth", "China serving capacity (bandwidth)",
           "H100e of bandwidth", "Memory bandwidth of the chips Chinese labs can use, against "
           "an H100's 3.35 TB/s (decode is bandwidth-bound).", "log", "china"),
    Output("us_training", "U.S. training compute", _COMPUTE,
           "The U.S.'s installed compute used for training.", "log", "us"),
    Output("us_inference", "U.S. inference compute", _COMPUTE,
           "The U.S.'s installed compute used for inference.", "log", "us"),
    Output("us_nvidia", "U.S. compute: Nvidia", _COMPUTE, "Nvidia chips U.S. owners hold.",
           "log", "us"),
    Output("us_tpu", "U.S. compute: Google TPU", _COMPUTE, "Google TPUs in service.", "log",
           "us"),
    Output("us_trainium", "U.S. compute: AWS Trainium", _COMPUTE, "AWS Trainium in service.",
           "log", "us"),
    Output("effective_ratio", "U.S. / China effective compute", "x",
           "U.S. effective compute as a multiple of China's.", "log", "both"),
    Output("ascend_utilization", "Ascend utilization", "share",
           "Share of an Ascend chip's rated performance realised (CANN software maturity).",
           "linear", "china"),
    Output("us_algorithmic_multiplier", "U.S. algorithmic efficiency", "x",
           "What better algorithms multiply U.S. compute by, against 2022.", "log", "us"),
    Output("china_algorithmic_multiplier", "China algorithmic efficiency", "x",
           "What better algorithms multiply China's compute by, against 2022.",
           "log", "china"),
    Output("frontier_effective_flop_us", "U.S. frontier run, effective", "2022-algorithm FLOP",
           "The largest U.S. training run times U.S. algorithmic efficiency.", "log", "us"),
    Output("frontier_effective_flop_china", "China frontier run, effective",
           "2022-algorithm FLOP",
           "China's largest training run times its algorithmic efficiency and its capability "
           "per FLOP.", "log", "china"),
    Output("capability_months_distilled", "Capability months distillation closes", "months",
           "Months of capability lag closed by distilling U.S. models (distillation on).",
           "linear", "china"),
    Output("china_demand", "Chinese demand for AI compute", "H100e/month",
           "AI capex times its accelerator share over the price per H100e, at least what "
           "China was seen to buy (buyers' choice).", "log", "china"),
    Output("domestic_sold_share", "Domestic capacity sold", "share",
           "Share of domestic chip capacity (after learning) that buyers order.", "linear",
           "china"),
    Output("huawei_learning", "Domestic learning factor", "x",
           "What learning by doing multiplies domestic output by, against the status quo.",
           "linear", "china"),
    Output("us_powered_share", "U.S. compute power can run", "share",
           "Share of installed U.S. AI compute its data-center power can feed.", "linear",
           "us"),
    Output("china_powered_share", "China compute power can run", "share",
           "Share of AI compute installed in China its data-center power can feed.", "linear",
           "china"),
    Output("us_power_need_gw", "U.S. AI fleet's power need", "GW",
           "Facility power the installed U.S. AI chips would draw at full use.", "log", "us"),
    Output("china_power_need_gw", "China AI fleet's power need", "GW",
           "Facility power the AI chips installed in China would draw at full use.", "log",
           "china"),
    Output("reallocated_to_us", "Nvidia supply reallocated to U.S. buyers", "H100e/month",
           "Nvidia dies not sold to China (against the status quo) that U.S. buyers take; "
           "negative when China buys more.", "linear", "us"),
    Output("smic_wafers_ascend", "SMIC wafers for Ascend", "wafers/month",
           "7/5 nm wafer starts given to Ascend dies.", "linear", "china"),
    Output("smic_good_dies", "SMIC good dies", "dies/month",
           "Working Ascend dies the wafers could give (gross dies times yield).", "linear",
           "china"),
    Output("smic_yield", "SMIC die yield", "share",
           "Share of SMIC's Ascend dies that work.", "linear", "china"),
    Output("die_bank_dies", "TSMC die-bank dies", "dies/month",
           "TSMC-made Ascend dies offered for packaging.", "linear", "china"),
    Output("package_potential", "Package potential", "packages/month",
           "Ascend packages the available dies could make.", "linear", "china"),
    Output("package_attempts", "Package attempts (incl. TSMC dies)", "packages/month",
           "Ascend packages attempted: what dies and HBM allow.", "linear", "china"),
    Output("ascend_packages", "Working Ascend packages", "packages/month",
           "Package attempts times packaging yield.", "linear", "china"),
    Output("hbm_stockpile_used", "Stockpiled HBM used", "stacks/month",
           "HBM stacks from the pre-control stockpile packaged into 910-class chips.",
           "linear", "china"),
    Output("hbm_domestic_used", "Domestic HBM used", "stacks/month",
           "Domestic HBM stacks packaged into 950-class chips.", "linear", "china"),
    Output("binding_constraint", "Binding constraint on Ascend output", "category",
           "Which limit sets Ascend output: an index into lib/core/model.py BINDING (buyers' "
           "orders where demand takes less than can be made).",
           "linear", "china"),
    Output("smic_generation", "Ascend generation made at SMIC", "index",
           "The newest Ascend generation SMIC makes: an index into lib/core/model.py "
           "SMIC_GENERATIONS.", "linear", "china"),
)}


def output(key: str) -> Output:
    """The declaration of one output (KeyError names an undeclared key)."""
    return OUTPUTS[key]


def headline_metrics() -> list[Output]:
    return [o for o in OUTPUTS.values() if o.headline]


# China's supply channels, id -> label, in lib/core/model.py CHANNELS order.
CHANNELS: dict[str, str] = {
    "legal": "Legal Nvidia exports", "smuggled": "Smuggled Nvidia chips",
    "tsmc_dies": "TSMC-made Ascend dies", "smic": "SMIC-made Ascend",
    "domestic_other": "Other Chinese vendors", "offshore": "Chinese compute abroad",
    "no_controls": "Nvidia (no controls)",
}


# Lever groups attribution splits a change by, id -> label, in lib/core/registry.py LEVERS order.
LEVER_GROUPS: dict[str, str] = {
    "smuggling": "Smuggling", "legal_exports": "Legal exports", "beijing": "Beijing's rules",
    "offshore": "Compute abroad", "tsmc_dies": "TSMC dies",
    "smic_production": "SMIC production", "efficiency": "Efficiency", "us_side": "U.S. side",
    "mechanisms": "Mechanisms", "other": "Other",
}
