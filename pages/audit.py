"""Audit log: every change to the team's saved-scenario library, newest first (when, who,
what, which scenario), filtered by person and action, as a CSV. Team deployments only, for
signed-in visitors (lib/app/access.py); lib/app/audit_log.py draws it."""

from __future__ import annotations

import streamlit as st

from lib.app import access, audit_log, widgets

widgets.page_header("Audit log", "Every change to the team's saved scenarios: when, who, what "
                    "and which scenario. Deleted scenarios can be restored on the Saved "
                    "scenarios page.")
if access.mode() != access.TEAM:  # not in the navigation; a direct address ends here
    st.info("The audit log is kept on team deployments only; on this public deployment the "
            "library is read-only.")
    st.stop()
if not access.library_readable():
    access.sign_in_panel("to read the audit log")
    st.stop()
audit_log.show(audit_log.load_events())
