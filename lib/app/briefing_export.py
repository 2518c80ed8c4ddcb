"""The Briefing's exports where a briefer looks for them: the slide (PNG and PDF) and the
briefing pack, each built on click (with a spinner) and offered for download while the
scenario and year stay as they were. The sidebar's pack section draws the same pack control
(same build, kept in the session once for both).
"""

from __future__ import annotations

import streamlit as st

from lib.core.runs import run
from lib.core.scenario import Scenario
from lib.report import export, pack
from lib.report.briefing_slide import briefing_slide
from lib.report.slide import SLIDE_FORMATS, slide_images

MIME = {"png": "image/png", "pdf": "application/pdf"}
NO_CHROMIUM = ("Slide export needs Chromium (/usr/bin/chromium), which is not installed on "
               "this server; the briefing pack still carries every chart's data.")


def default_year(scenario: Scenario) -> int:
    """The Briefing page's year before anyone picks one (its year box starts there too)."""
    return min(pack.DEFAULT_SLIDE_YEAR, run(scenario).last_year)


def export_controls(scenario: Scenario, year: int, baseline: Scenario) -> None:
    """The slide and pack controls, each one button that becomes its downloads once built."""
    with st.container(key="briefing-export", gap="small", horizontal=True):
        slide_control(scenario, year, baseline)
        pack_control(st, scenario, year, baseline, key_prefix="briefing_")


def slide_control(scenario: Scenario, year: int, baseline: Scenario) -> None:
    """'Export slide': renders the Briefing as a 16:9 slide once, then offers PNG and PDF in
    the button's place."""
    if not export.images_available():
        st.button("Export slide", key="export_slide", disabled=True,
                  icon=":material/slideshow:", help=NO_CHROMIUM)
        st.caption(NO_CHROMIUM)
        return
    token = (scenario.to_json(), year, baseline.to_json())
    slot = st.empty()
    if slot.button("Export slide", key="export_slide", icon=":material/slideshow:",
                   help="The Briefing as one 16:9 slide (1920x1080): headline cards, both "
                        "charts, takeaways, the changes from the baseline and the sources, "
                        "as PNG and PDF. Takes ~5 s."):
        with st.spinner("Rendering the slide..."):
            try:
                built = {"token": token, "error": None,
                         "files": slide_images(briefing_slide(scenario, year, baseline))}
            except export.ExportUnavailable as exc:
                built = {"token": token, "error": str(exc), "files": {}}
        st.session_state["slide"] = built
    built = st.session_state.get("slide")
    if not built or built["token"] != token:
        return
    if built["error"]:
        st.error(built["error"])
        return
    with slot.container(horizontal=True, gap="small"):
        for fmt in SLIDE_FORMATS:
            st.download_button(f"Slide {fmt.upper()}", data=built["files"][fmt],
                               file_name=f"chokepoint-briefing-{scenario.preset}-{year}.{fmt}",
                               mime=MIME[fmt], on_click="ignore", key=f"download_slide_{fmt}",
                               icon=":material/download:")


def pack_control(where, scenario: Scenario, year: int, baseline: Scenario,
                 key_prefix: str = "", width: str = "content") -> None:
    """'Build briefing pack' and, once built for this scenario and year, its download in the
    button's place. `where` is the container to draw in (st or st.sidebar)."""
    token = (scenario.to_json(), year, baseline.to_json())
    slot = where.empty()
    if slot.button("Build briefing pack (zip)", key=f"{key_prefix}build_pack", width=width,
                   icon=":material/folder_zip:",
                   help="Every chart of this scenario as PNG and SVG, their data as CSV and "
                        "Parquet, the Briefing slide (PNG, PDF), the assumptions table, the "
                        "scenario JSON and an index of every file. Takes ~15-30 s."):
        with st.spinner("Rendering charts..."):
            images = export.images_available()
            data, notes = pack.build_pack(scenario, year, with_images=images,
                                          baseline=baseline)
            if not images:
                notes = notes or ["Chromium is not installed here, so the pack has data but "
                                  "no PNG/SVG images and no slide."]
        st.session_state["pack"] = {"token": token, "data": data, "notes": notes}
    built = st.session_state.get("pack")
    if built and built["token"] == token:
        slot.download_button("Download briefing pack", data=built["data"],
                             file_name=f"chokepoint-briefing-{scenario.preset}.zip",
                             mime="application/zip", on_click="ignore",
                             key=f"{key_prefix}download_pack", width=width,
                             icon=":material/download:")
        for note in built["notes"]:
            where.warning(note)
