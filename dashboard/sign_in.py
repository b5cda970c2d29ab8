"""Signing in and out: the password form, single sign-on through `st.login()`, and the sign-out button.

Single sign-on is offered only when `.streamlit/secrets.toml` has an [auth] section (see
.streamlit/secrets.toml.example). The provider proves an e-mail address; Waypoint decides the role,
from the app_user whose username is that address. An unknown address is refused.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import OperationalError

from dashboard.auth import SignedInUser, authenticate, authenticate_sso, record_sign_out
from dashboard.database import DatabaseNotConfigured, main_engine
from dashboard.session import SIGNED_OUT_NOTICE_KEY, current_user, forget, remember, role_label

_SSO_REFUSED_KEY = "waypoint_sso_refused_email"


def sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets.toml at all
        return False


def render_sign_in() -> None:
    """The sign-in page: the only page a visitor who is not signed in can open."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("Waypoint")
        st.caption("Fulfillment visibility for the floor, the help desk and the weekly review.")
        notice = st.session_state.pop(SIGNED_OUT_NOTICE_KEY, None)
        if notice:
            st.warning(notice, icon=":material/logout:")
        refused = st.session_state.get(_SSO_REFUSED_KEY)
        if refused:
            st.error(
                f"Single sign-on says you are {refused}, but no active Waypoint account has that e-mail "
                "as its username. Ask an admin to add you, or sign in another way."
            )
            st.button("Sign out of single sign-on", on_click=_leave_sso, icon=":material/logout:")
        with st.form("sign_in", clear_on_submit=True, enter_to_submit=True):
            username = st.text_input("Username", autocomplete="username")
            password = st.text_input("Password", type="password", autocomplete="current-password")
            submitted = st.form_submit_button("Sign in", type="primary", icon=":material/login:")
        if submitted:
            _password_sign_in(username, password)
        if sso_configured() and not refused:
            st.button("Sign in with SSO", on_click=st.login, icon=":material/key:")


def _password_sign_in(username: str, password: str) -> None:
    if not username.strip() or not password:
        st.error("Enter your username and your password.")
        return
    try:
        with main_engine().begin() as conn:
            user = authenticate(conn, username, password)
    except (DatabaseNotConfigured, OperationalError) as error:
        st.error(f"Cannot check your password: the database is not reachable. {_reason(error)}")
        return
    if user is None:
        st.error("Wrong username or password, or the account is not active.")
        return
    remember(user)
    st.rerun()


def complete_sso_sign_in() -> SignedInUser | None:
    """After the provider redirected back: map its e-mail to an app user, once per browser session."""
    email = str(st.user.get("email") or "")
    if not email or st.session_state.get(_SSO_REFUSED_KEY) == email:
        return None
    with main_engine().begin() as conn:
        user = authenticate_sso(conn, email)
    if user is None:
        st.session_state[_SSO_REFUSED_KEY] = email
        return None
    remember(user)
    return user


def render_account(user: SignedInUser) -> None:
    """Sidebar: who is signed in, with which role, and the way out."""
    with st.sidebar:
        facility = f" · {user.facility_id}" if user.facility_id else ""
        st.markdown(f"**{user.display_name}**  \n{role_label(user.role)}{facility}")
        if st.button("Sign out", icon=":material/logout:"):
            sign_out()


def sign_out() -> None:
    user = current_user()
    if user is not None:
        with main_engine().begin() as conn:
            record_sign_out(conn, user)
    forget()
    if user is not None and user.method == "sso":
        st.logout()
    st.rerun()


def _leave_sso() -> None:
    st.session_state.pop(_SSO_REFUSED_KEY, None)
    st.logout()


def _reason(error: Exception) -> str:
    return str(error) if isinstance(error, DatabaseNotConfigured) else "Is PostgreSQL running?"
