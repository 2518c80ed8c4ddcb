"""What the model reports: output series, headline metrics, channels and lever groups.
"""

from __future__ import annotations

# Headline metrics: key -> (label, unit, series). Read at December of the chosen year.
METRICS = {
    "china_total": ("China AI compute", "H100e", "china_total"),
    "us_total": ("U.S. AI compute", "H100e", "us_total"),
    "ratio": ("U.S. / China compute", "x", "ratio"),
    "race_gap_months": ("Race gap (China behind)", "months", "race_gap_months"),
    "china_effective": ("China effective compute", "2022-algorithm H100e", "china_effective"),
    "us_effective": ("U.S. effective compute", "2022-algorithm H100e", "us_effective"),
    "china_training": ("China training compute", "H100e", "china_training"),
    "largest_run_flop_china": ("China's largest training run", "FLOP", "largest_run_flop_china"),
    "largest_run_flop_us": ("U.S. largest training run", "FLOP", "largest_run_flop_us"),
}


LEVER_LABELS = {
    "smuggling": "Smuggling", "legal_exports": "Legal exports", "tsmc_dies": "TSMC dies",
    "smic_production": "SMIC production", "efficiency": "Efficiency", "us_side": "U.S. side",
    "other": "Other",
}


SERIES_UNITS = {
    "china_training": "H100e", "china_inference": "H100e", "china_total": "H100e",
    "us_training": "H100e", "us_inference": "H100e", "us_total": "H100e",
    "china_effective": "2022-algorithm H100e", "us_effective": "2022-algorithm H100e",
    "ratio": "x", "effective_ratio": "x", "race_gap_months": "months",
    "largest_run_flop_us": "FLOP", "largest_run_flop_china": "FLOP",
    "ascend_utilization": "share", "smic_yield": "share", "smic_wafers_ascend": "wafers/month",
    "smic_gross_dies": "dies/month", "smic_good_dies": "dies/month",
    "die_bank_dies": "dies/month", "package_potential": "packages/month",
    "hbm_package_limit": "packages/month", "packaging_capacity": "packages/month",
    "package_attempts": "packages/month", "ascend_packages": "packages/month",
    "reallocated_to_us": "H100e/month", "us_algorithmic_multiplier": "x",
    "china_algorithmic_multiplier": "x",
}


CHANNEL_LABELS = {
    "legal": "Legal Nvidia exports", "smuggled": "Smuggled Nvidia chips",
    "tsmc_dies": "TSMC-made Ascend dies", "smic": "SMIC-made Ascend",
    "no_controls": "Nvidia (no controls)",
}
