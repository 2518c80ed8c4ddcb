"""Page helpers: header, the chart widget with its export menu, the year picker, the share
link with its copy button.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib.app.markup import problem_list
from lib.app.state import VIEW_KEYS
from lib.core.runs import Result
from lib.report import export, style

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
    # the menu is built only while open (opening reruns the page, whose figures are memoized):
    # drawn under every chart on every rerun it cost ~10% of the rerun
    menu = st.popover("Export chart", icon=":material/download:", key=f"export_{key}",
                      on_change="rerun")
    if menu.open:
        with menu:
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


def year_picker(res: Result, key: str, default: int = 2027, label: str = "Year") -> int:
    years = list(range(2023, res.last_year + 1))
    default = min(default, years[-1])
    return st.select_slider(label, options=years, value=default, key=key, bind="query-params")


# One listener for the whole document: Streamlit may redraw the button without rerunning the
# script. It copies the address bar as it is at the click (view changes included); the
# clipboard needs a secure context (https or localhost), so on plain http it says where the
# link is shown instead.
_COPY_BUTTON = """
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
"""


def share_link(container, scenario_query: dict[str, str]) -> None:
    """The copy-link button and, for when the clipboard is unavailable, the link itself
    (selectable, with the code block's own copy icon): the scenario plus the page's view."""
    container.caption("The link carries this scenario and this page's view (years, toggles, "
                      "selections): share it to reproduce what you see.")
    container.html(_COPY_BUTTON, unsafe_allow_javascript=True)
    view = [(key, value) for key in st.query_params if key in VIEW_KEYS
            for value in st.query_params.get_all(key)]
    link = f"{st.context.url or ''}?{urlencode([*scenario_query.items(), *view])}"
    with container.expander("Show the link"):
        st.code(link, language=None, wrap_lines=True)
