"""The app layer shared by every page: the scenario in session state, the sidebar of levers
generated from the parameter declarations, share links, upload/download, cached runs, and
one helper that draws a chart with its export buttons.

Pages stay thin: they read a Result through `result()` and draw tables from lib.dashboard_data
with figure builders from lib.charts.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib import charts, export, uncertainty
from lib import dashboard_data as dd
from lib import uncertainty_charts as ucharts
from lib.data import DataError, data_folder
from lib.library import LibraryError, ScenarioLibrary
from lib.params import (
    YEARS,
    Scenario,
    ScenarioError,
    preset_values,
    presets,
    registry,
    validate_data,
)
from lib.runs import Result, run

log = logging.getLogger("chokepoint")

PLOTLY_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "width": charts.EXPORT_WIDTH,
                             "height": charts.EXPORT_HEIGHT, "scale": 2,
                             "filename": "chokepoint-chart"},
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}
MARK = "● "
ROOT = Path(__file__).resolve().parent
# scripts/serve.py starts the server; it keeps Streamlit from treating pages/ as the legacy
# multipage folder, which would break deep links for the first visitor after a restart.
PAGES = (  # (file, title, icon, url path)
    ("pages/race_overview.py", "Race overview", ":material/trending_up:", "race"),
    ("pages/supply_channels.py", "Supply channels", ":material/factory:", "supply"),
    ("pages/chip_tiers.py", "Chip tiers", ":material/memory:", "tiers"),
    ("pages/compare.py", "Compare scenarios", ":material/compare_arrows:", "compare"),
    ("pages/uncertainty.py", "Uncertainty", ":material/ssid_chart:", "uncertainty"),
    ("pages/library.py", "Saved scenarios", ":material/bookmarks:", "library"),
    ("pages/assumptions.py", "Assumptions and sources", ":material/menu_book:", "assumptions"),
    ("pages/briefing.py", "Briefing", ":material/slideshow:", "briefing"),
)


def main(default_page: str = PAGES[0][0]) -> None:
    """The whole app: page config, navigation, the shared sidebar, then the chosen page.
    (Tests pass another default page to render it through the full app.)"""
    st.set_page_config(page_title="Chokepoint: AI-chip export controls", page_icon="⛓",
                       layout="wide", initial_sidebar_state="expanded")
    check_data()
    pages = [st.Page(str(ROOT / path), title=title, icon=icon, url_path=url,
                     default=path == default_page) for path, title, icon, url in PAGES]
    navigation = st.navigation(pages)
    timer = Timer(navigation.title)
    sidebar()
    footer = st.sidebar.empty()
    navigation.run()
    footer.caption(f"Server render: {timer.done():.0f} ms")


# ---------------------------------------------------------------------------------------------
# Start-up check of the data files, and plain text in Markdown


@st.cache_resource(show_spinner=False)
def _validated(folder: str) -> bool:
    """Read every data file once per folder and process (a failure is not cached)."""
    validate_data(Path(folder))
    return True


def check_data() -> None:
    """Stop the app, naming file, row and column, if a data file is damaged: no page draws
    charts from bad data."""
    try:
        _validated(str(data_folder()))
    except DataError as exc:
        log.error("data check failed: %s", exc)
        st.error("Chokepoint cannot start: a data file is damaged. Fix it and reload.\n\n"
                 + md_escape(str(exc)), icon=":material/error:")
        st.stop()


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&=^])")


_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=(?i:www))(?=\.)|(?<=@)")  # where to break autolinks


def problem_list(problems) -> str:
    """(key, message) pairs as a Markdown list; both may come from a visitor, so escaped."""
    return "\n".join(f"- **{md_escape(key)}**: {md_escape(message)}" for key, message in problems)


def md_escape(text: object) -> str:
    """User or file text made literal inside Markdown (no links, emphasis, HTML, directives
    or LaTeX); line breaks are kept. Bare URLs and e-mail addresses get an invisible word
    joiner, since GitHub-flavoured autolinks are found after backslash escapes are read."""
    text = _AUTOLINK.sub("\u2060", str(text))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


# ---------------------------------------------------------------------------------------------
# Cached runs, keyed on the scenario's small canonical JSON


@st.cache_data(max_entries=64, show_spinner=False)
def _run_json(scenario_json: str) -> Result:
    return run(Scenario.from_json(scenario_json))


@st.cache_data(max_entries=64, show_spinner=False)
def _waterfall_json(scenario_json: str, baseline_json: str, year: int) -> pd.DataFrame:
    return dd.waterfall(Scenario.from_json(scenario_json), Scenario.from_json(baseline_json),
                        "race_gap_months", year)


# Uncertainty: cached as small summaries (percentile frames, December values per draw), never
# as the draws' monthly paths; keys are the scenario's JSON and a few scalars.


@st.cache_data(max_entries=24, show_spinner=False)
def _uncertainty_json(scenario_json: str, draws: int, seed: int) -> dd.UncertaintySummary:
    return dd.uncertainty_summary(Scenario.from_json(scenario_json), draws, seed)


@st.cache_data(max_entries=64, show_spinner=False)
def _tornado_json(scenario_json: str, metric: str, year: int) -> pd.DataFrame:
    return uncertainty.tornado(Scenario.from_json(scenario_json), metric, year)


@st.cache_data(max_entries=16, show_spinner=False)
def _sobol_json(scenario_json: str, metric: str, year: int) -> pd.DataFrame:
    return uncertainty.sobol_indices(Scenario.from_json(scenario_json), metric, year)


@st.cache_data(max_entries=64, show_spinner=False)
def _goal_seek_json(scenario_json: str, lever: str, metric: str, year: int, target: float
                    ) -> uncertainty.GoalSeek:
    return uncertainty.goal_seek(Scenario.from_json(scenario_json), lever, metric, year, target,
                                 from_year=dd.GOAL_FROM_YEAR)


@st.cache_data(max_entries=2, show_spinner=False)
def _uncertainty_big_json(scenario_json: str, draws: int, seed: int) -> dd.UncertaintySummary:
    """Runs of more than 10,000 draws (up to ~22 MB each): few kept."""
    return dd.uncertainty_summary(Scenario.from_json(scenario_json), draws, seed)


def uncertainty_for(scenario: Scenario, draws: int = 2000, seed: int = 0
                    ) -> dd.UncertaintySummary:
    cached = _uncertainty_json if draws <= 10_000 else _uncertainty_big_json
    return cached(scenario.to_json(), int(draws), int(seed))


def tornado_for(scenario: Scenario, metric: str, year: int) -> pd.DataFrame:
    return _tornado_json(scenario.to_json(), metric, int(year))


def sobol_for(scenario: Scenario, metric: str, year: int) -> pd.DataFrame:
    return _sobol_json(scenario.to_json(), metric, int(year))


def goal_seek_for(scenario: Scenario, lever: str, metric: str, year: int, target: float
                  ) -> uncertainty.GoalSeek:
    return _goal_seek_json(scenario.to_json(), lever, metric, int(year), float(target))


def result_for(scenario: Scenario) -> Result:
    return _run_json(scenario.to_json())


def waterfall_for(scenario: Scenario, baseline: Scenario, year: int) -> pd.DataFrame:
    return _waterfall_json(scenario.to_json(), baseline.to_json(), year)


def scenario() -> Scenario:
    return st.session_state["scenario"]


def result() -> Result:
    return result_for(scenario())


def source(extra: str = "") -> str:
    return charts.source_line(dd.scenario_label(scenario()), dd.data_date(), extra)


# ---------------------------------------------------------------------------------------------
# The saved-scenario library (one SQLite file per deployment, shared by every session)

SAVED_PREFIX = "Saved: "


def library() -> ScenarioLibrary:
    """The library at $CHOKEPOINT_DB, opened per use (cheap: one read when the schema is up
    to date), so a database file replaced or deleted while the app runs is simply reopened."""
    return ScenarioLibrary()


def saved_label(name: str) -> str:
    """A saved scenario's option label on the Compare page. No angle brackets: labels become
    chart legend text, where Plotly reads tags."""
    return SAVED_PREFIX + name.replace("<", "‹").replace(">", "›")


def saved_scenarios() -> dict[str, Scenario]:
    """Every saved scenario as saved_label(name) -> scenario (for the Compare page); empty,
    with a logged error, if the library cannot be read."""
    try:
        return {saved_label(saved.name): saved.scenario for saved in library().all()}
    except (LibraryError, sqlite3.Error) as exc:
        log.error("saved scenarios unavailable: %s", exc)
        return {}


# ---------------------------------------------------------------------------------------------
# Scenario state


def _set_base(new: Scenario) -> None:
    """Replace the scenario the controls start from; new widget keys reset every control."""
    st.session_state["base"] = new
    st.session_state["gen"] = st.session_state.get("gen", 0) + 1


def init_state() -> None:
    """First run of a session: read the share link (leniently) into the base scenario."""
    if "base" in st.session_state:
        return
    query = st.query_params.to_dict()
    problems: list[tuple[str, str]] = []
    if query:
        base, problems = Scenario.from_query(query)
    else:
        base = Scenario()
    st.session_state["base"] = base
    st.session_state["gen"] = 0
    st.session_state["link_problems"] = problems


def _on_preset_change() -> None:
    name = st.session_state[f"preset_{st.session_state['gen']}"]
    _set_base(Scenario.build(name))


def _on_reset() -> None:
    _set_base(Scenario.build(scenario().preset))


def _on_upload() -> None:
    key = f"upload_{st.session_state.get('upload_gen', 0)}"
    file = st.session_state.get(key)
    if file is not None:
        st.session_state["pending_upload"] = file.getvalue()


def apply_pending_upload() -> None:
    """Validate uploaded scenario bytes; on success make them the base scenario."""
    data = st.session_state.pop("pending_upload", None)
    if data is None:
        return
    try:
        if len(data) > 256 * 1024:
            raise ScenarioError([("file", "larger than 256 KiB; a scenario is a few kB")])
        new = Scenario.from_json(data)
    except ScenarioError as exc:
        st.session_state["upload_problems"] = exc.problems
        return
    st.session_state["upload_problems"] = []
    st.session_state["upload_ok"] = dd.scenario_label(new)
    st.session_state["upload_gen"] = st.session_state.get("upload_gen", 0) + 1
    _set_base(new)


# ---------------------------------------------------------------------------------------------
# Controls generated from the parameter declarations


def _help(parameter) -> str:
    text = (f"{parameter.description}\n\n**Source:** {parameter.source} "
            f"({parameter.source_date.isoformat()})")
    if parameter.estimate:
        text += "\n\n*Derived or assumed estimate, not stated directly by the source.*"
    return text + f"\n\nAllowed {parameter.min:g} to {parameter.max:g} {parameter.unit}; " \
                  f"plausible {parameter.low:g} to {parameter.high:g}."


def _format(parameter) -> str | None:
    step = parameter.step
    if parameter.kind == "integer" or float(step).is_integer():
        return "%d" if parameter.kind == "integer" else "%.0f"
    decimals = max(0, min(3, len(f"{step:g}".split(".")[-1])))
    return f"%.{decimals}f"


def _yearly_current(key: str, base_values: tuple) -> tuple:
    state = st.session_state.get(key)
    values = list(base_values)
    if isinstance(state, dict):
        for row, change in state.get("edited_rows", {}).items():
            if "value" in change and change["value"] is not None:
                values[int(row)] = float(change["value"])
    return tuple(values)


def _control(parameter, base_value: Any, preset_value: Any, gen: int) -> Any:
    """One widget for one parameter; returns its current value."""
    key = f"p_{parameter.key}_{gen}"
    label = f"{parameter.label} [{parameter.unit}]"
    if parameter.is_yearly:
        current = _yearly_current(key, base_value)
        changed = tuple(current) != tuple(preset_value)
        with st.expander(f"{MARK if changed else ''}{label}, per year", expanded=False):
            frame = pd.DataFrame({"year": [str(y) for y in YEARS],
                                  "value": [float(v) for v in base_value]})
            edited = st.data_editor(
                frame, key=key, hide_index=True, num_rows="fixed", width="stretch",
                height=35 * (len(YEARS) + 1) + 3,
                column_config={
                    "year": st.column_config.TextColumn("Year", disabled=True),
                    "value": st.column_config.NumberColumn(
                        parameter.unit, min_value=parameter.min, max_value=parameter.max,
                        step=parameter.step, help=_help(parameter), required=True),
                },
            )
            if changed:
                st.caption(f"{MARK}differs from the preset")
        values = [float(v) if pd.notna(v) else float(b)
                  for v, b in zip(edited["value"], base_value, strict=True)]
        return {year: v for year, v in zip(YEARS, values, strict=True)}
    current = st.session_state.get(key, base_value)
    changed = current != preset_value
    shown = f"{MARK if changed else ''}{label}"
    # a value already in session state (a moved widget, or a page control mirroring this
    # one) wins; passing value= as well would make Streamlit warn
    if parameter.kind == "boolean":
        value = {} if key in st.session_state else {"value": bool(base_value)}
        return st.toggle(shown, key=key, help=_help(parameter), **value)
    if parameter.kind == "integer":
        value = {} if key in st.session_state else {"value": int(base_value)}
        return st.slider(shown, min_value=int(parameter.min), max_value=int(parameter.max),
                         step=max(1, int(parameter.step)), key=key, help=_help(parameter),
                         **value)
    value = {} if key in st.session_state else {"value": float(base_value)}
    return st.slider(shown, min_value=float(parameter.min), max_value=float(parameter.max),
                     step=float(parameter.step), key=key, help=_help(parameter),
                     format=_format(parameter), **value)


def _on_page_control(key: str) -> None:
    st.session_state[f"p_{key}_{st.session_state['gen']}"] = st.session_state[f"page_{key}"]


def threshold_slider(container, parameter) -> float:
    """A page copy of a sidebar slider (same parameter, kept in sync both ways)."""
    key = f"page_{parameter.key}"
    st.session_state[key] = float(scenario().values()[parameter.key])
    return container.slider(
        f"Hypothetical: {parameter.label} [{parameter.unit}]",
        min_value=float(parameter.min), max_value=float(parameter.max),
        step=float(parameter.step), key=key, help=_help(parameter) + "\n\nSame control as "
        "in the sidebar.", on_change=_on_page_control, args=(parameter.key,), format="%.0f")


def sidebar() -> Scenario:
    """Draw the shared sidebar; return the scenario the controls describe."""
    init_state()
    apply_pending_upload()
    base: Scenario = st.session_state["base"]
    gen = st.session_state["gen"]
    all_presets = presets()
    reg = registry()
    sb = st.sidebar
    sb.markdown("### Scenario")
    names = list(all_presets)
    sb.selectbox("Preset", names, index=names.index(base.preset), key=f"preset_{gen}",
                 format_func=lambda n: all_presets[n].label, on_change=_on_preset_change,
                 help="Named scenarios from data/presets.yaml; choosing one resets every "
                      "control to it.")
    preset = all_presets[base.preset]
    sb.caption(preset.rationale)
    base_values = base.values()
    preset_vals = preset_values(base.preset)
    overrides: dict[str, Any] = {}
    policy = [g for g in reg.groups.values() if g.kind == "policy"]
    assumption = [g for g in reg.groups.values() if g.kind == "assumption"]
    status = sb.empty()
    for heading, groups, expanded in (("Policy levers", policy, True),
                                      ("Assumptions", assumption, False)):
        sb.markdown(f"### {heading}")
        for group in groups:
            params = [p for p in reg if p.group.key == group.key]
            with sb.expander(group.label, expanded=expanded):
                for parameter in params:
                    overrides[parameter.key] = _control(
                        parameter, base_values[parameter.key], preset_vals[parameter.key], gen)
    current, problems = Scenario.build(base.preset, overrides, lenient=True)
    st.session_state["scenario"] = current
    with status.container():
        n = len(current.overrides)
        st.markdown(f"**{n}** control{'s differ' if n != 1 else ' differs'} from the preset "
                    f"({MARK.strip()} marks them)" if n else "All controls at the preset")
        st.button("Reset to preset", on_click=_on_reset, disabled=n == 0, key="reset",
                  width="stretch", icon=":material/restart_alt:")
        for key, message in problems:
            st.warning(f"{md_escape(key)}: {md_escape(message)}. That change is ignored.")
    _share_section(current)
    _sync_query(current)
    return current


def _sync_query(current: Scenario) -> None:
    wanted = current.to_query()
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def _share_section(current: Scenario) -> None:
    sb = st.sidebar
    sb.markdown("### Share and save")
    sb.caption("The address bar link carries this scenario: copy it to share.")
    sb.download_button("Download scenario (JSON)", data=current.to_json(name=dd.scenario_label(
        current)), file_name=f"chokepoint-{current.preset}.json", mime="application/json",
        on_click="ignore", key="download_scenario", width="stretch")
    sb.file_uploader("Load a scenario (JSON)", type=["json"],
                     key=f"upload_{st.session_state.get('upload_gen', 0)}",
                     on_change=_on_upload, help="A file saved with the button above.")
    problems = st.session_state.get("upload_problems")
    if problems:
        sb.error("The uploaded scenario was not loaded:\n\n" + problem_list(problems))
    ok = st.session_state.pop("upload_ok", None)
    if ok:
        sb.success(f"Loaded: {ok}")
    _briefing_pack_section(current)


def _briefing_pack_section(current: Scenario) -> None:
    sb = st.sidebar
    sb.markdown("### Briefing pack")
    token = current.to_json()
    pack = st.session_state.get("pack")
    if sb.button("Build briefing pack (zip)", key="build_pack", width="stretch",
                 help="Every chart of this scenario as PNG and SVG, their data as CSV and "
                      "Parquet, the assumptions table and the scenario JSON. Takes ~10 s."):
        with st.spinner("Rendering charts..."):
            res = result_for(current)
            pack_charts = all_charts(current, res)
            data, notes = export.briefing_pack(pack_charts, dd.assumptions(current),
                                               current.to_json(),
                                               with_images=export.images_available())
            if not export.images_available():
                notes = notes or ["Chromium is not installed here, so the pack has data but "
                                  "no PNG/SVG images."]
        pack = {"token": token, "data": data, "notes": notes}
        st.session_state["pack"] = pack
    if pack and pack["token"] == token:
        for note in pack["notes"]:
            sb.warning(note)
        sb.download_button("Download briefing pack", data=pack["data"],
                           file_name=f"chokepoint-briefing-{current.preset}.zip",
                           mime="application/zip", on_click="ignore", key="download_pack",
                           width="stretch")


def all_charts(current: Scenario, res: Result) -> dict[str, tuple[go.Figure, pd.DataFrame]]:
    """Every standard chart of a scenario, for the briefing pack."""
    baseline = Scenario.build("status_quo")
    year = min(2030, dd.last_year(res))
    source_text = charts.source_line(dd.scenario_label(current), dd.data_date())
    out = charts.standard_charts(res, waterfall_for(current, baseline, year),
                                 source_text=source_text)
    summary = uncertainty_for(current)  # the uncertainty page's defaults: 2,000 draws, seed 0
    for series in dd.FAN_SERIES:
        frame = dd.fan_frame(summary, res, series)
        out[f"fan_{series}"] = (ucharts.fan(frame, source_text,
                                            log_y=series in dd.FAN_LOG), frame)
    frame = dd.tornado_table(tornado_for(current, "race_gap_months", year))
    out["tornado_race_gap"] = (ucharts.tornado(frame, source_text), frame)
    return out


# ---------------------------------------------------------------------------------------------
# Page helpers


def link_warnings() -> None:
    """Once per session: what the share link carried that could not be used, and why."""
    problems = st.session_state.pop("link_problems", None)
    if problems:
        st.warning("Parts of the shared link could not be read; those settings fall back to "
                   "the preset:\n\n" + problem_list(problems))


def page_header(title: str, subtitle: str = "") -> None:
    link_warnings()
    st.title(title)
    if subtitle:
        st.caption(subtitle)


def _token(name: str, fig: go.Figure, frame: pd.DataFrame) -> str:
    digest = hashlib.md5()
    digest.update(name.encode())
    digest.update(str(fig.layout.title.text).encode())
    digest.update(pd.util.hash_pandas_object(frame.reset_index(), index=False).values.tobytes())
    return digest.hexdigest()


def chart(name: str, fig: go.Figure, frame: pd.DataFrame, key: str | None = None) -> None:
    """Draw a chart, and under it downloads: data as CSV/Parquet, images on request."""
    key = key or name
    st.plotly_chart(fig, config=PLOTLY_CONFIG, key=f"chart_{key}", width="stretch")
    _export_controls(name, fig, frame, key)


def _export_controls(name: str, fig: go.Figure, frame: pd.DataFrame, key: str) -> None:
    with st.popover("Export chart", icon=":material/download:"):
        _export_menu(name, fig, frame, key)


@st.fragment
def _export_menu(name: str, fig: go.Figure, frame: pd.DataFrame, key: str) -> None:
    """Data downloads at once; images only when asked (each batch starts Chromium)."""
    stem = export.safe_name(name)
    st.markdown("**Data**")
    cols = st.columns(2)
    cols[0].download_button("CSV", data=lambda: export.frame_csv(frame),
                            file_name=f"{stem}.csv", mime="text/csv", on_click="ignore",
                            key=f"csv_{key}", icon=":material/table:", width="stretch")
    cols[1].download_button("Parquet", data=lambda: export.frame_parquet(frame),
                            file_name=f"{stem}.parquet", mime="application/octet-stream",
                            on_click="ignore", key=f"parquet_{key}", icon=":material/table:",
                            width="stretch")
    st.markdown("**Image** (1600x900, title, units and source included)")
    if not export.images_available():
        st.caption("PNG/SVG export needs Chromium, which is not installed here; the data "
                   "downloads above still work.")
        return
    token = _token(name, fig, frame)
    store = st.session_state.setdefault("images", {})
    if st.button("Make PNG + SVG", key=f"img_{key}", width="stretch",
                 help="Renders both images in one batch (a few seconds)."):
        with st.spinner("Rendering images..."):
            try:
                store[key] = (token, export.figures_to_images({name: fig}))
            except export.ExportUnavailable as exc:
                store.pop(key, None)
                st.error(str(exc))
    saved = store.get(key)
    if saved and saved[0] == token:
        cols = st.columns(2)
        for column, fmt in zip(cols, export.IMAGE_FORMATS, strict=True):
            column.download_button(fmt.upper(), data=saved[1][(name, fmt)],
                                   file_name=f"{stem}.{fmt}",
                                   mime="image/png" if fmt == "png" else "image/svg+xml",
                                   on_click="ignore", key=f"dl_{fmt}_{key}",
                                   icon=":material/image:", width="stretch")


def year_picker(res: Result, key: str, default: int = 2027, label: str = "Year") -> int:
    years = list(range(2023, dd.last_year(res) + 1))
    default = min(default, years[-1])
    return st.select_slider(label, options=years, value=default, key=key)


class Timer:
    """Server render time of one script run, logged and kept for the sidebar footer."""

    def __init__(self, page: str):
        self.page, self.start = page, time.perf_counter()

    def done(self) -> float:
        ms = 1000 * (time.perf_counter() - self.start)
        log.info("render %s %.0f ms", self.page, ms)
        st.session_state.setdefault("render_ms", {})[self.page] = ms
        return ms
