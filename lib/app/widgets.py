"""Page helpers: header, the chart widget with its export menu, the year picker, the share
link with its copy button.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib.app import state
from lib.app.markup import md_escape, problem_list
from lib.core.runs import Result
from lib.core.scenario import Scenario
from lib.report import export, glossary, style

PLOTLY_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "width": style.EXPORT_WIDTH,
                             "height": style.EXPORT_HEIGHT, "scale": 2,
                             "filename": "chokepoint-chart"},
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}


def link_warnings() -> None:
    """Once per session: what the share link carried that could not be used, and why."""
    problems = st.session_state.pop("link_problems", None)
    if problems:
        st.warning("Parts of the shared link could not be read; those settings fall back to "
                   "the preset:\n\n" + problem_list(problems))


def page_header(title: str, subtitle: str = "") -> None:
    link_warnings()
    st.session_state[DEFINED] = set()  # a new page run: no term defined on it yet
    st.title(title)
    if subtitle:
        st.caption(subtitle)


DEFINED = "defined_terms"  # session key: glossary terms this page run has defined


def _new_terms(terms) -> list[str]:
    defined = st.session_state.setdefault(DEFINED, set())
    new = [term for term in terms if term not in defined]
    defined.update(new)
    return new


def define(*terms: str) -> None:
    """A caption with the glossary's definition of each term not yet defined on this page
    (call it where the terms first appear)."""
    new = _new_terms(terms)
    if new:
        st.caption(" ".join(glossary.sentence(term) for term in new))


def caption(text: str) -> None:
    """st.caption, noting the glossary definitions it quotes as given on this page."""
    st.caption(text)
    _new_terms([t for t in glossary.mentioned(text) if glossary.sentence(t) in text])


def define_named(*texts: str) -> None:
    """define() the glossary terms `texts` name (labels, headers, cells)."""
    define(*glossary.mentioned(" ".join(texts)))


def term_help(*terms: str) -> str:
    """A hover (help=) defining the terms, which count as defined on this page from here."""
    _new_terms(terms)
    return glossary.help_text(*terms)


def named_help(*texts: str) -> str | None:
    """A hover (help=) defining the glossary terms `texts` name (None if they name none)."""
    terms = glossary.mentioned(" ".join(texts))
    return term_help(*terms) if terms else None


def chart_terms(fig: go.Figure) -> list[str]:
    """The glossary terms a chart's title, axis titles and legend entries name."""
    layout = fig.layout
    texts = [layout.title.text, layout.xaxis.title.text, layout.yaxis.title.text,
             *(trace.name for trace in fig.data if trace.showlegend is not False)]
    return glossary.mentioned(" ".join(t for t in texts if t))


def _token(name: str, fig: go.Figure, frame: pd.DataFrame) -> str:
    digest = hashlib.md5()
    digest.update(name.encode())
    digest.update(str(fig.layout.title.text).encode())
    digest.update(pd.util.hash_pandas_object(frame.reset_index(), index=False).values.tobytes())
    return digest.hexdigest()


def chart(name: str, fig: go.Figure, frame: pd.DataFrame, key: str | None = None,
          scenarios: Scenario | Mapping[str, Scenario] | None = None) -> None:
    """Draw a chart, and under it downloads: data as CSV/Parquet, images on request. The CSV
    names `scenarios` (default: the sidebar's) on its first line."""
    key = key or name
    st.plotly_chart(fig, config=PLOTLY_CONFIG, key=f"chart_{key}", width="stretch")
    _export_controls(name, fig, frame, key, scenarios or state.scenario())
    define(*chart_terms(fig))  # the terms it names, where they first appear on the page


def _export_controls(name: str, fig: go.Figure, frame: pd.DataFrame, key: str,
                     scenarios: Scenario | Mapping[str, Scenario]) -> None:
    # the menu is built only while open (opening reruns the page, whose figures are memoized):
    # drawn under every chart on every rerun it cost ~10% of the rerun
    menu = st.popover("Export chart", icon=":material/download:", key=f"export_{key}",
                      on_change="rerun")
    if menu.open:
        with menu:
            _export_menu(name, fig, frame, key, scenarios)


@st.fragment
def _export_menu(name: str, fig: go.Figure, frame: pd.DataFrame, key: str,
                 scenarios: Scenario | Mapping[str, Scenario]) -> None:
    """Data downloads at once; images only when asked (each batch starts Chromium)."""
    stem = export.safe_name(name)
    st.markdown("**Data**")
    cols = st.columns(2)
    cols[0].download_button("CSV", data=lambda: export.frame_csv(frame, scenarios),
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
    store = st.session_state.setdefault("images", {})
    if st.button("Make PNG + SVG", key=f"img_{key}", width="stretch",
                 help="Renders both images in one batch (a few seconds)."):
        with st.spinner("Rendering images..."):
            try:
                store[key] = (_token(name, fig, frame), export.figures_to_images({name: fig}))
            except export.ExportUnavailable as exc:
                store.pop(key, None)
                st.error(str(exc))
    saved = store.get(key)
    if saved and saved[0] == _token(name, fig, frame):  # images of this very chart
        cols = st.columns(2)
        for column, fmt in zip(cols, export.IMAGE_FORMATS, strict=True):
            column.download_button(fmt.upper(), data=saved[1][(name, fmt)],
                                   file_name=f"{stem}.{fmt}",
                                   mime="image/png" if fmt == "png" else "image/svg+xml",
                                   on_click="ignore", key=f"dl_{fmt}_{key}",
                                   icon=":material/image:", width="stretch")


def static_table(frame: pd.DataFrame, height: int | str = "content") -> None:
    """A table that wraps its text instead of clipping it (st.table; scrolls inside `height`
    pixels if given), every cell and header literal: st.table reads them as Markdown, and
    names may come from files."""
    define_named(*map(str, frame.columns))
    shown = frame.astype(object).where(frame.notna(), "").map(  # no 'nan', 'True' or 'False'
        lambda v: ("yes" if v else "no") if isinstance(v, bool) else md_escape(v))
    shown.columns = [md_escape(c) for c in frame.columns]
    st.table(shown, hide_index=True, height=height)


def year_picker(res: Result, key: str, default: int = 2027, label: str = "Year") -> int:
    years = list(range(2023, res.last_year + 1))
    default = min(default, years[-1])
    return st.select_slider(label, options=years, value=default, key=key, bind="query-params")


def share_link(container, scenario_query: dict[str, str]) -> None:
    """The copy-link button and, for when the clipboard is unavailable, the link itself
    (selectable, with the code block's own copy icon): the scenario plus the page's view."""
    container.caption("The link carries this scenario and this page's view (years, toggles, "
                      "selections): share it to reproduce what you see.")
    # One listener for the whole document: Streamlit may redraw the button without rerunning the
    # script. It copies the address bar as it is at the click (view changes included); the
    # clipboard needs a secure context (https or localhost), so on plain http it says where the
    # link is shown instead.
    container.html("""
<style>
.chokepoint-copy button {display: flex; align-items: center; justify-content: center;
  width: 100%; min-height: 2.5rem; font: inherit; font-size: 0.875rem;
  padding: 0.25rem 0.75rem; border-radius: 0.5rem; border: 1px solid rgba(26, 26, 26, 0.2);
  background: #FFFFFF; color: inherit; cursor: pointer;}
.chokepoint-copy button:hover {border-color: #0072B2; color: #0072B2;}
.chokepoint-copy span {display: block; font-size: 0.85rem; opacity: 0.75; margin-top: 0.25rem;}
</style>
<div class="chokepoint-copy"><button type="button" title="Copy the address bar's link: this
scenario and this page's view">Copy link</button><span role="status"></span></div>
<script>
if (!window.chokepointCopyLink) {
  window.chokepointCopyLink = true;
  document.addEventListener("click", (event) => {
    const button = event.target.closest(".chokepoint-copy button");
    if (!button) return;
    const note = button.parentElement.querySelector("span");
    const manual = "Copying needs https here: open Show the link below.";
    if (!navigator.clipboard || !window.isSecureContext) { note.textContent = manual; return; }
    navigator.clipboard.writeText(window.location.href).then(
      () => { note.textContent = "Copied"; },
      () => { note.textContent = manual; });
  });
}
</script>
""", unsafe_allow_javascript=True)  # a literal: nothing built
    view = [(key, value) for key in st.query_params if key in state.VIEW_KEYS
            for value in st.query_params.get_all(key)]
    link = f"{st.context.url or ''}?{urlencode([*scenario_query.items(), *view])}"
    with container.expander("Show the link"):
        st.code(link, language=None, wrap_lines=True)
