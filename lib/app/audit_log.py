"""The Audit log page's parts: the library's events as a table (when, who, what, which
scenario), filtered by person and action, and as a CSV file whose text cells are neutralized
for spreadsheets (lib/report/export.py)."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3

import pandas as pd
import streamlit as st

from lib.app import state
from lib.app.markup import md_escape
from lib.core.limits import MAX_EVENTS
from lib.report import export
from lib.store.library import ACTIONS, Event, LibraryError

log = logging.getLogger("chokepoint")
SHOWN = 5000  # events read for the page (the newest); the library keeps MAX_EVENTS
ACTION_LABELS = {  # the store's action names as the page says them
    "save": "saved", "replace": "replaced", "rename": "renamed", "duplicate": "duplicated",
    "delete": "deleted", "restore": "restored", "import": "imported",
    "purge": "forgotten (too many deleted)",
}
assert set(ACTION_LABELS) == set(ACTIONS), "every action the store logs has a label here"


def load_events() -> list[Event]:
    """The newest events; the page stops with a message if the library cannot be read."""
    try:
        return state.library().events(limit=SHOWN)
    except (LibraryError, sqlite3.Error) as exc:  # LibraryError messages name no server path
        log.error("audit log unavailable: %s", exc)
        reason = exc if isinstance(exc, LibraryError) else exc.__class__.__name__
        st.error(f"The audit log cannot be read: {md_escape(reason)}.")
        st.stop()


def events_frame(events: list[Event]) -> pd.DataFrame:
    """One row per event, newest first, with the columns the page and the CSV show."""
    return pd.DataFrame({
        "When (UTC)": pd.to_datetime([e.at for e in events], utc=True,
                                     errors="coerce").tz_localize(None),
        "Who": [e.actor for e in events],
        "Action": [ACTION_LABELS.get(e.action, e.action) for e in events],
        "Scenario": [e.name for e in events],
        "Detail": [e.detail for e in events],
    })


def filtered(frame: pd.DataFrame, people: list[str], actions: list[str]) -> pd.DataFrame:
    if people:
        frame = frame[frame["Who"].isin(people)]
    if actions:
        frame = frame[frame["Action"].isin(actions)]
    return frame


def events_csv(frame: pd.DataFrame) -> bytes:
    """The table as CSV (export.titled_csv: names and details are visitors' text, so a leading
    = + - @ is neutralized), a '# Chokepoint audit log' line first."""
    out = frame.assign(**{"When (UTC)": frame["When (UTC)"].dt.strftime("%Y-%m-%d %H:%M:%S")})
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return export.titled_csv(
        out, f"# Chokepoint audit log of the saved-scenario library; exported {stamp}")


def show(events: list[Event]) -> None:
    """Filters, the table and its CSV download."""
    if not events:
        st.info("Nothing has been changed in the library yet.")
        return
    frame = events_frame(events)
    cols = st.columns(2)
    people = cols[0].multiselect("People", sorted(set(frame["Who"]), key=str.lower),
                                 key="audit_people", placeholder="Everyone")
    actions = cols[1].multiselect("Actions", [a for a in ACTION_LABELS.values()
                                              if a in set(frame["Action"])],
                                  key="audit_actions", placeholder="Every action")
    shown = filtered(frame, people, actions)
    more = f" (the newest {SHOWN:,})" if len(events) >= SHOWN else ""
    st.caption(f"{len(shown):,} of {len(frame):,} events{more}, newest first. The library "
               f"keeps the latest {MAX_EVENTS:,}.")
    st.dataframe(shown, hide_index=True, width="stretch",
                 height="auto" if len(shown) <= 10 else 560, column_config={
                     "When (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
                     "Detail": st.column_config.TextColumn(width="large")})
    st.download_button("Download these events (CSV)", data=events_csv(shown),
                       file_name=f"chokepoint-audit-{dt.date.today():%Y-%m-%d}.csv",
                       mime="text/csv", on_click="ignore", key="audit_csv",
                       icon=":material/download:", disabled=shown.empty)
