"""Page helpers: header, the chart widget with its export menu, the year picker.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib.app.markup import problem_list
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
    return st.select_slider(label, options=years, value=default, key=key)
