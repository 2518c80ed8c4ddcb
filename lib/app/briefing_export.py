"""The Briefing's exports where a briefer looks for them: the slide (PNG and PDF) and the
briefing pack, each built on click in the process-wide render queue (lib/app/jobs.py; the
visitor sees their place in line while waiting) and offered for download while the scenario
and year stay as they were. The sidebar's pack section draws the same pack control (same
build, kept in the session once for both).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lib.app.jobs import AlreadyQueued, Job, RenderQueue, place_in_line, slots_from_env
from lib.core.runs import run
from lib.core.scenario import Scenario
from lib.report import export, pack
from lib.report.briefing_slide import briefing_slide
from lib.report.slide import SLIDE_FORMATS, slide_images

MIME = {"png": "image/png", "pdf": "application/pdf"}
NO_CHROMIUM = ("Slide export needs Chromium (/usr/bin/chromium), which is not installed on "
               "this server; the briefing pack still carries every chart's data.")
POLL_SECONDS = 1  # how often a waiting visitor's place in line is redrawn


def default_year(scenario: Scenario) -> int:
    """The Briefing page's year before anyone picks one (its year box starts there too)."""
    return min(pack.DEFAULT_SLIDE_YEAR, run(scenario).last_year)


def export_controls(scenario: Scenario, year: int, baseline: Scenario) -> None:
    """The slide and pack controls, each one button that becomes its downloads once built."""
    with st.container(key="briefing-export", gap="small", horizontal=True):
        slide_control(scenario, year, baseline)
        pack_control(st, scenario, year, baseline, key_prefix="briefing_")


def _session_alive(session_id: str) -> bool:
    # no Runtime under AppTest: its one session is alive for as long as the test runs
    return not Runtime.exists() or Runtime.instance().is_active_session(session_id)


@st.cache_resource
def renders() -> RenderQueue:
    """The one render queue of this server process, shared by every session."""
    return RenderQueue(slots_from_env(), is_alive=_session_alive)


def _queued(where, slot, name: str, token: tuple, clicked: bool, label: str,
            work: Callable[[], Any]) -> Job | None:
    """The session's render `name` for this token: queued on click, its place in line shown
    in `slot` while it waits or runs; returns the job once it has ended, else None."""
    held = st.session_state.get(name)
    if held and held["token"] != token:  # the scenario or year moved on: no longer wanted
        renders().cancel(held["job"])
        del st.session_state[name]
        held = None
    if clicked:
        try:
            job = renders().submit(get_script_run_ctx().session_id, label, work)
        except AlreadyQueued as exc:
            where.warning(str(exc), icon=":material/hourglass_top:")
        else:
            held = st.session_state[name] = {"token": token, "job": job}
    if not held:
        return None
    if held["job"].live:
        with slot.container():
            _waiting(held["job"])
        return None
    return held["job"]


@st.fragment(run_every=POLL_SECONDS)
def _waiting(job: Job) -> None:
    if not job.live:
        st.rerun()  # the whole run draws the finished job's downloads in the button's place
    st.info(place_in_line(job, renders().ahead(job)), icon=":material/hourglass_top:")


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
    clicked = slot.button("Export slide", key="export_slide", icon=":material/slideshow:",
                          help="The Briefing as one 16:9 slide (1920x1080): headline cards, "
                               "both charts, takeaways, the changes from the baseline and the "
                               "sources, as PNG and PDF. Takes ~5 s, plus any wait in line.")
    job = _queued(st, slot, "slide", token, clicked, "slide",
                  lambda: slide_images(briefing_slide(scenario, year, baseline)))
    if job is None:
        return
    if job.error is not None:
        st.error(job.error)
        return
    with slot.container(horizontal=True, gap="small"):
        for fmt in SLIDE_FORMATS:
            st.download_button(f"Slide {fmt.upper()}", data=job.result[fmt],
                               file_name=f"chokepoint-briefing-{scenario.preset}-{year}.{fmt}",
                               mime=MIME[fmt], on_click="ignore", key=f"download_slide_{fmt}",
                               icon=":material/download:")


def _build_pack(scenario: Scenario, year: int, baseline: Scenario) -> dict:
    images = export.images_available()
    data, notes = pack.build_pack(scenario, year, with_images=images, baseline=baseline)
    if not images:
        notes = notes or ["Chromium is not installed here, so the pack has data but no "
                          "PNG/SVG images and no slide."]
    return {"data": data, "notes": notes}


def pack_control(where, scenario: Scenario, year: int, baseline: Scenario,
                 key_prefix: str = "", width: str = "content") -> None:
    """'Build briefing pack' and, once built for this scenario and year, its download in the
    button's place. `where` is the container to draw in (st or st.sidebar)."""
    token = (scenario.to_json(), year, baseline.to_json())
    slot = where.empty()
    clicked = slot.button(
        "Build briefing pack (zip)", key=f"{key_prefix}build_pack", width=width,
        icon=":material/folder_zip:",
        help="Every chart of this scenario as PNG and SVG, their data as CSV and Parquet, the "
             "Briefing slide (PNG, PDF), the assumptions table, the scenario JSON and an index "
             "of every file. Takes ~15-30 s, plus any wait in line behind other visitors.")
    job = _queued(where, slot, "pack", token, clicked, "briefing pack",
                  lambda: _build_pack(scenario, year, baseline))
    if job is None:
        return
    if job.error is not None:
        where.error(f"The briefing pack could not be built: {job.error}")
        return
    slot.download_button("Download briefing pack", data=job.result["data"],
                         file_name=f"chokepoint-briefing-{scenario.preset}.zip",
                         mime="application/zip", on_click="ignore",
                         key=f"{key_prefix}download_pack", width=width,
                         icon=":material/download:")
    for note in job.result["notes"]:
        where.warning(note)
