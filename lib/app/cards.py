"""Headline cards: each metric's value, its signed change against the baseline, that change
split into policy and assumptions, and the no-controls figure. As wide as their text, wrapping
onto another row on a narrow screen, never clipped.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.app import widgets
from lib.core.outputs import output
from lib.report import baseline, fmt, race


def headline_cards(frame: pd.DataFrame, key: str, metrics: tuple[str, ...] | None = None,
                   extra: tuple[tuple[str, str, str], ...] = (),
                   no_controls: bool = True) -> None:
    """Cards for `frame` (lib/report/baseline.headline) rows, optionally only `metrics`, then
    `extra` (label, value, caption) cards. The year is the page's: labels do not repeat it."""
    rows = frame.set_index("metric", drop=False)
    chosen = rows.loc[list(metrics)] if metrics else rows
    with st.container(horizontal=True, key=key):
        for row in chosen.itertuples():
            same = baseline.negligible(row.change, row.unit, row.baseline)
            lines = baseline.split_lines(row)
            if no_controls:
                lines.append(race.no_controls_text(row))
            with st.container(border=True, width="content"):
                st.metric(row.label, fmt.fmt_with_unit(row.scenario, row.unit),
                          delta=baseline.delta_text(row), delta_color="off",
                          delta_arrow="off" if same else "up" if row.change > 0 else "down",
                          help=_help(row, no_controls))
                if lines:
                    st.caption("  \n".join(lines))
        for label, value, caption in extra:
            with st.container(border=True, width="content"):
                st.metric(label, value, help=widgets.named_help(label))
                st.caption(caption)


def _help(row, no_controls: bool) -> str:
    """The metric's description, the glossary's definitions of the terms its label names
    (so they count as defined on the page), and the no-controls figure when the card does not
    show it."""
    text = output(row.metric).description + (widgets.named_help(row.label) or "")
    return text if no_controls else f"{text}\n\n{race.no_controls_text(row)}"


def why_nothing_moved(scenario, reference, year: int, compact: bool = False) -> None:
    """A note beside the headline for each change that moves no headline number, and why
    (`compact`: as one small caption, for the Briefing)."""
    notes = baseline.why_unmoved(scenario, reference, year)
    if notes and compact:
        st.caption(":material/info: " + " ".join(notes))
    elif notes:
        st.info("\n".join(f"- {note}" for note in notes), icon=":material/info:")
