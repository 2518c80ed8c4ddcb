"""The briefing pack: every standard chart of a scenario as PNG/SVG with its data, the
assumptions and the scenario, in one zip.
"""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import plotly.graph_objects as go

from lib.analysis import montecarlo, sensitivity
from lib.core.runs import Result
from lib.core.scenario import Scenario
from lib.report import drivers, race, style, supply, tiers, uncertainty
from lib.report.export import (
    IMAGE_FORMATS,
    ExportUnavailable,
    figures_to_images,
    frame_csv,
    frame_parquet,
    safe_name,
)
from lib.report.race import compute_race, waterfall
from lib.report.supply import channel_area, funnel, legal_vs_smuggled
from lib.report.tiers import chip_h100e_bars, tier_scatter


def standard_charts(result, waterfall_frame: pd.DataFrame | None, source_text: str,
                    year: int | None = None) -> dict[str, tuple[go.Figure, pd.DataFrame]]:

    last = result.last_year
    year = min(year or 2027, last)
    values = result.scenario.values()
    out = {}
    frame = race.compute_over_time(result, "total")
    out["compute_race"] = (compute_race(frame, source_text, events=race.events_frame()), frame)
    frame = race.compute_over_time(result, effective=True)
    out["effective_compute_race"] = (compute_race(frame, source_text), frame)
    if waterfall_frame is not None:
        out["race_gap_waterfall"] = (waterfall(waterfall_frame, source_text), waterfall_frame)
    frame = supply.channel_stock(result)
    out["china_compute_by_channel"] = (channel_area(frame, source_text), frame)
    frame = supply.funnel_table(result, result.december_index(year))
    out["ascend_funnel"] = (funnel(frame, source_text), frame)
    frame = supply.channel_arrivals_yearly(result)
    out["legal_vs_smuggled"] = (legal_vs_smuggled(frame, source_text), frame)
    frame = tiers.tier_frame(tiers.TIER_DATES["2026 licensing (Jun 2026)"],
                        values["export_tpp_threshold"], values["export_bw_threshold_gbps"])
    out["chip_tiers"] = (tier_scatter(frame, source_text, values["export_tpp_threshold"]),
                         frame[["name", "tpp", "performance_density", "tier"]])
    frame = tiers.chip_h100e()
    out["chip_h100e"] = (chip_h100e_bars(frame, source_text), frame)
    return out


def all_charts(current: Scenario, res: Result) -> dict[str, tuple[go.Figure, pd.DataFrame]]:
    """Every standard chart of a scenario, for the briefing pack."""
    baseline = Scenario.build("status_quo")
    year = min(2030, res.last_year)
    source_text = style.scenario_source(current)
    out = standard_charts(res, race.waterfall_table(current, baseline, "race_gap_months", year),
                                 source_text=source_text)
    summary = montecarlo.summary(current)  # the uncertainty page's defaults: 2,000 draws, seed 0
    for series in uncertainty.FAN_SERIES:
        frame = uncertainty.fan_frame(summary, res, series)
        out[f"fan_{series}"] = (uncertainty.fan(frame, source_text,
                                            log_y=series in uncertainty.FAN_LOG), frame)
    frame = drivers.tornado_table(sensitivity.tornado(current, "race_gap_months", year))
    out["tornado_race_gap"] = (drivers.tornado(frame, source_text), frame)
    return out


def briefing_pack(figures: dict[str, tuple[go.Figure, pd.DataFrame]], assumptions: pd.DataFrame,
                  scenario_json: str, with_images: bool = True) -> tuple[bytes, list[str]]:
    """A zip with every chart (PNG, SVG), its data (CSV, Parquet), the assumptions table and
    the scenario JSON. Returns (zip bytes, notes about anything left out)."""
    notes = []
    images: dict[tuple[str, str], bytes] = {}
    if with_images:
        try:
            images = figures_to_images({name: fig for name, (fig, _) in figures.items()})
        except ExportUnavailable as exc:
            notes.append(str(exc))
    scenario = Scenario.from_json(scenario_json)  # named on every CSV's first line
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (_fig, frame) in figures.items():
            stem = safe_name(name)
            for fmt in IMAGE_FORMATS:
                if (name, fmt) in images:
                    archive.writestr(f"charts/{stem}.{fmt}", images[(name, fmt)])
            archive.writestr(f"data/{stem}.csv", frame_csv(frame, scenario))
            archive.writestr(f"data/{stem}.parquet", frame_parquet(frame))
        archive.writestr("assumptions.csv", frame_csv(assumptions.set_index("key"), scenario))
        archive.writestr("scenario.json", scenario_json)
        if notes:
            archive.writestr("NOTES.txt", "\n".join(notes) + "\n")
    return buffer.getvalue(), notes
