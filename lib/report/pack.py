"""The briefing pack: every standard chart of a scenario as PNG/SVG with its data, the
Briefing as a slide (PNG, PDF), the assumptions and the scenario, in one zip, with an index
(index.md) naming every file, what it holds and its units, and how to reproduce it.
"""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go

from lib.analysis import montecarlo, sensitivity
from lib.analysis.baseline import DEFAULT_BASELINE
from lib.core.runs import Result, run
from lib.core.scenario import Scenario
from lib.report import drivers, race, style, supply, tiers, uncertainty
from lib.report.assumptions import assumptions_table
from lib.report.briefing_slide import briefing_slide
from lib.report.export import (
    IMAGE_FORMATS,
    ExportUnavailable,
    figures_to_images,
    frame_csv,
    frame_parquet,
    safe_name,
)
from lib.report.race import compute_race, waterfall
from lib.report.slide import HEIGHT as SLIDE_HEIGHT
from lib.report.slide import WIDTH as SLIDE_WIDTH
from lib.report.slide import BriefingSlide, slide_images
from lib.report.supply import channel_area, funnel, legal_vs_smuggled
from lib.report.tiers import chip_h100e_bars, tier_scatter

SLIDE_STEM = "briefing_slide"
DEFAULT_SLIDE_YEAR = 2027  # the Briefing page's year until one is picked


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


def all_charts(current: Scenario, res: Result, baseline: Scenario | None = None
               ) -> dict[str, tuple[go.Figure, pd.DataFrame]]:
    """Every standard chart of a scenario, for the briefing pack (the waterfall against
    `baseline`, by default the status quo)."""
    baseline = baseline or Scenario.build(DEFAULT_BASELINE)
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


def build_pack(scenario: Scenario, year: int, with_images: bool = True,
               name: str | None = None, baseline: Scenario | None = None
               ) -> tuple[bytes, list[str]]:
    """The whole pack for a scenario: every chart, the Briefing slide at end `year` against
    `baseline` (default: the status quo), the assumptions and the scenario (briefing_pack)."""
    baseline = baseline or Scenario.build(DEFAULT_BASELINE)
    slide = briefing_slide(scenario, year, baseline, name=name)
    return briefing_pack(all_charts(scenario, run(scenario), baseline),
                         assumptions_table(scenario),
                         scenario.to_json(), with_images=with_images, slide=slide)


def briefing_pack(figures: dict[str, tuple[go.Figure, pd.DataFrame]], assumptions: pd.DataFrame,
                  scenario_json: str, with_images: bool = True,
                  slide: BriefingSlide | None = None) -> tuple[bytes, list[str]]:
    """A zip with every chart (PNG, SVG), its data (CSV, Parquet), the slide (PNG, PDF) if
    given, the assumptions table, the scenario JSON and index.md listing them all.
    Returns (zip bytes, notes about anything left out)."""
    notes = []
    images: dict[tuple[str, str], bytes] = {}
    slide_files: dict[str, bytes] = {}
    if with_images:
        try:
            images = figures_to_images({name: fig for name, (fig, _) in figures.items()})
            if slide is not None:
                slide_files = slide_images(slide)
        except ExportUnavailable as exc:
            notes.append(str(exc))
    scenario = Scenario.from_json(scenario_json)  # named on every CSV's first line
    files: dict[str, tuple[bytes | str, str, str]] = {}  # path -> (content, what, units)
    sizes = {"png": f"{SLIDE_WIDTH}x{SLIDE_HEIGHT} px",  # Chromium prints 96 px an inch
             "pdf": f"one {SLIDE_WIDTH / 96:g} x {SLIDE_HEIGHT / 96:g} in page"}
    for fmt, data in slide_files.items():
        files[f"{SLIDE_STEM}.{fmt}"] = (data, f"The Briefing at end {slide.year} as one 16:9 "
                                        f"slide ({fmt.upper()}, {sizes[fmt]}): headline cards, "
                                        "two charts, takeaways, changes from the baseline",
                                        "units as labelled")
    for name, (fig, frame) in figures.items():
        stem = safe_name(name)
        title = _title(fig)
        units = _units(fig, frame)
        for fmt in IMAGE_FORMATS:
            if (name, fmt) in images:
                files[f"charts/{stem}.{fmt}"] = (images[(name, fmt)], f"Chart: {title} "
                                                 f"({fmt.upper()}, 1600x900 px)", units)
        columns = ", ".join(str(c) for c in frame.columns)
        for fmt, data in (("csv", frame_csv(frame, scenario)), ("parquet", frame_parquet(frame))):
            files[f"data/{stem}.{fmt}"] = (data, f"Data behind '{title}' "
                                           f"({fmt.upper()}; columns: {columns})", units)
    files["assumptions.csv"] = (frame_csv(assumptions.set_index("key"), scenario), "Every "
                                "parameter of "
                                "the scenario: value, default, range, distribution, source and "
                                "source date", "each row's unit column")
    files["scenario.json"] = (scenario_json, "The scenario (preset plus the overrides that "
                              "differ from it): load it to reproduce the pack",
                              "each parameter's unit (assumptions.csv)")
    if notes:
        files["NOTES.txt"] = ("\n".join(notes) + "\n", "What was left out of this pack and "
                              "why", "-")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(INDEX, pack_index(files, scenario, slide))
        for path, (content, _, _) in files.items():
            archive.writestr(path, content)
    return buffer.getvalue(), notes


INDEX = "index.md"


def pack_index(files: dict[str, tuple], scenario: Scenario,
               slide: BriefingSlide | None) -> str:
    """index.md: what the pack is of, every file with a line on what it holds and its
    units, and how to get the same numbers back."""
    baseline = slide.baseline_name if slide is not None else style.preset_label(
        DEFAULT_BASELINE)
    query = urlencode(scenario.to_query())
    lines = [
        "# Chokepoint briefing pack", "",
        f"- Scenario: {style.scenario_label(scenario)} (preset `{scenario.preset}`, "
        f"{len(scenario.overrides)} parameter(s) changed from it)",
        f"- Baseline: {baseline} (the waterfall and the slide compare against it)",
        *([f"- Slide year: end {slide.year}"] if slide is not None else []),
        f"- Data as of: {style.data_date():%d %b %Y} (the newest dated source behind the "
        "parameters and events)", "",
        "## Files", "", "| file | what it holds | units |", "|---|---|---|",
        f"| `{INDEX}` | This list | - |",
        *(f"| `{path}` | {_cell(what)} | {_cell(units)} |"
          for path, (_, what, units) in files.items()),
        "", "## Reproduce", "",
        f"- Link: open the dashboard with `?{query}` after its address (e.g. "
        f"`http://localhost:8501/briefing?{query}`).",
        "- JSON: load `scenario.json` with the sidebar's \"Load a scenario (JSON)\", or run "
        "`python -m lib run --scenario scenario.json` for the numbers.", "",
    ]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return str(text).replace("|", "/").replace("\n", " ")


def _title(fig: go.Figure) -> str:
    meta = fig.layout.meta
    return (meta.get("title") if isinstance(meta, dict) else None) or fig.layout.title.text or ""


def _units(fig: go.Figure, frame: pd.DataFrame) -> str:
    """The units in the chart's axis titles ([...]), else the frame's declared unit."""
    found = re.findall(r"\[([^\]]+)\]", f"{fig.layout.xaxis.title.text or ''} "
                                         f"{fig.layout.yaxis.title.text or ''}")
    return ", ".join(dict.fromkeys(found)) or frame.attrs.get("unit", "as labelled")
