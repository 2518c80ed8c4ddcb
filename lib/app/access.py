"""Who may read and change the saved-scenario library: the deployment's mode and sign-in.

CHOKEPOINT_MODE chooses the mode, declared once here:
- public (the default, so a forgotten setting never opens a writable library): the library is
  read-only for everyone: saved scenarios (curated by the operator) can be listed, opened,
  compared and exported; nothing can be saved, changed, deleted, restored or imported.
- team: the library (names, notes, the audit log) is shown only to signed-in visitors, and
  every write names them. Sign-in is Streamlit's st.login when an OIDC provider is configured
  (an [auth] section in .streamlit/secrets.toml), else the embedded accounts file
  (lib/store/accounts.py, managed with `python -m lib users`).

Every write checks writer() itself: a control that is not drawn can still be sent.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping

import streamlit as st

from lib.app.markup import md_escape
from lib.store.accounts import Accounts, AccountsError

log = logging.getLogger("chokepoint")

MODE_VARIABLE = "CHOKEPOINT_MODE"
PUBLIC, TEAM = "public", "team"
MODES = (PUBLIC, TEAM)  # the first is the default
READ_ONLY = ("This is a public deployment: the library is read-only. Saved scenarios can be "
             "opened, compared and exported; nothing can be saved, changed, deleted or "
             "imported here.")
PUBLIC_REFUSAL = "this is a public deployment, where the library is read-only"
SIGN_IN_FIRST = "sign in to change the team's library"

USER = "access_user"  # session key: the embedded sign-in's user name
FAILURES = "access_failures"  # session key: (failed sign-ins in a row, locked until)
FREE_FAILURES = 5  # failed sign-ins in a row before each further one makes the session wait
FIRST_LOCK_S, MAX_LOCK_S = 30, 15 * 60  # seconds: the wait doubles with each failure after
NAME_FAILURES, NAME_WINDOW_S = 20, 15 * 60  # per user name, across sessions of this process
_name_failures: dict[str, list[float]] = {}
_name_lock = threading.Lock()


class ModeError(ValueError):
    pass


def mode() -> str:
    value = os.environ.get(MODE_VARIABLE, "").strip().lower() or MODES[0]
    if value not in MODES:
        raise ModeError(f"{MODE_VARIABLE} is '{value[:40]}'; it must be 'public' (the default: "
                        "a read-only library) or 'team' (sign-in, a shared library)")
    return value


def check_mode() -> None:
    """Stop the app with a message if the mode setting is not one the app knows."""
    try:
        mode()
    except ModeError as exc:
        log.error("%s", exc)
        st.error(f"Chokepoint cannot start: {md_escape(exc)}.", icon=":material/error:")
        st.stop()


def oidc_providers() -> list[str | None]:
    """The OIDC providers configured in st.secrets' [auth] section: [None] for one unnamed
    provider, else the names of its [auth.<name>] sections; [] without one."""
    try:  # there is normally no secrets file; a missing or unreadable one means no provider
        if not st.secrets.load_if_toml_exists():
            return []
        auth = st.secrets.get("auth")
    except Exception as exc:  # noqa: BLE001 - Streamlit raises several kinds for bad files
        log.error("secrets unreadable, OIDC sign-in off: %s", exc.__class__.__name__)
        return []
    if not isinstance(auth, Mapping):
        return []
    if "client_id" in auth:
        return [None]
    return [name for name, section in auth.items() if isinstance(section, Mapping)]


def user() -> str | None:
    """The signed-in visitor (e-mail or name for OIDC, the user name for the accounts file),
    or None (always None in public mode). An account removed from the file signs out."""
    if mode() != TEAM:
        return None
    if oidc_providers():
        if not st.user.get("is_logged_in"):  # absent until the provider has answered
            return None
        who = st.user.get("email") or st.user.get("name") or st.user.get("sub")
        return str(who) if who else None
    name = st.session_state.get(USER)
    try:
        if name and name in Accounts().names():
            return name
    except AccountsError as exc:
        log.error("accounts unreadable: %s", exc)
    st.session_state.pop(USER, None)
    return None


def library_readable() -> bool:
    """Names, notes and the library: everyone in public mode, signed-in visitors in team."""
    return mode() == PUBLIC or user() is not None


def writer() -> tuple[str | None, str]:
    """(who may write now, else None and why not), checked by every write itself."""
    if mode() != TEAM:
        return None, PUBLIC_REFUSAL
    who = user()
    return (who, "") if who else (None, SIGN_IN_FIRST)


# -- the embedded sign-in ---------------------------------------------------------------------


def _wait_s(now: float) -> int:
    """Seconds this session must still wait before another try."""
    return max(0, int(st.session_state.get(FAILURES, (0, 0.0))[1] - now + 0.999))


def _name_blocked(name: str, now: float) -> bool:
    with _name_lock:
        recent = [t for t in _name_failures.get(name, []) if now - t < NAME_WINDOW_S]
        _name_failures[name] = recent
        return len(recent) >= NAME_FAILURES


def _failed(name: str, now: float) -> None:
    count = st.session_state.get(FAILURES, (0, 0.0))[0] + 1
    lock = 0 if count < FREE_FAILURES else min(FIRST_LOCK_S * 2 ** (count - FREE_FAILURES),
                                                MAX_LOCK_S)
    st.session_state[FAILURES] = (count, now + lock)
    with _name_lock:
        _name_failures.setdefault(name, []).append(now)
    log.warning("failed sign-in for %r (%d in a row in this session)", name[:64], count)


def sign_in() -> None:
    """The sign-in form's callback: the user name and password against the accounts file."""
    name = str(st.session_state.get("signin_name", "")).strip()
    password = st.session_state.get("signin_password", "")
    st.session_state["signin_password"] = ""  # never kept in the session
    now = time.time()
    if mode() != TEAM or oidc_providers():
        return
    if wait := _wait_s(now):
        st.session_state["signin_message"] = ("error", f"Too many failed sign-ins: try again "
                                                       f"in {wait} s.")
        return
    if _name_blocked(name.lower(), now):
        st.session_state["signin_message"] = ("error", "Too many failed sign-ins for this user "
                                                       f"name: try again in {NAME_WINDOW_S // 60}"
                                                       " minutes.")
        return
    try:
        found = Accounts().verify(name, password)
    except AccountsError as exc:
        log.error("accounts unreadable: %s", exc)
        st.session_state["signin_message"] = ("error", "Sign-in is unavailable: the accounts "
                                                       "file cannot be read. Tell the operator.")
        return
    if found is None:
        _failed(name.lower(), now)
        text = "Wrong user name or password."
        if wait := _wait_s(now):
            text += f" Too many failed sign-ins: try again in {wait} s."
        st.session_state["signin_message"] = ("error", text)
        return
    st.session_state.pop(FAILURES, None)
    st.session_state[USER] = found
    st.session_state["signin_name"] = ""
    log.info("sign-in %s", found)


def sign_out() -> None:
    log.info("sign-out %s", st.session_state.pop(USER, None) or "(oidc)")


def sign_in_panel(why: str) -> None:
    """The sign-in controls of a team deployment, for a page that needs a signed-in visitor."""
    st.info(f"Sign in {why}.", icon=":material/lock:")
    providers = oidc_providers()
    if providers:
        for provider in providers:
            label = f"Sign in with {provider.title()}" if provider else "Sign in"
            if st.button(label, key=f"signin_oidc_{provider or 'default'}", type="primary",
                         icon=":material/login:"):
                st.login(provider) if provider else st.login()
        return
    if not Accounts().exists():
        st.warning("No accounts are set up on this server yet. The operator adds one with "
                   "`python -m lib users add NAME` (see the README).")
        return
    with st.form("signin_form", enter_to_submit=True, width=480):
        st.text_input("User name", key="signin_name", autocomplete="username")
        st.text_input("Password", key="signin_password", type="password",
                      autocomplete="current-password")
        message = st.session_state.pop("signin_message", None)
        if message:  # inside the form, beside what it is about
            getattr(st, message[0])(message[1])
        st.form_submit_button("Sign in", on_click=sign_in, type="primary",
                              icon=":material/login:")


def sidebar_status() -> None:
    """Team mode: who is signed in, with a sign-out button, at the top of the sidebar."""
    if mode() != TEAM:
        return
    who = user()
    if who is None:
        st.sidebar.caption("Not signed in: the team's saved scenarios need a sign-in (Saved "
                           "scenarios page).")
        return
    st.sidebar.markdown(f"Signed in as **{md_escape(who)}**")  # stacked: e-mails are long
    if st.sidebar.button("Sign out", key="signout", on_click=sign_out, width="stretch",
                         icon=":material/logout:") and oidc_providers():
        st.logout()
