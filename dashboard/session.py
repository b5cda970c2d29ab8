"""Who is signed in to this browser session, kept in Streamlit's server-side session state.

Every page script starts with `require_page("<page>")`: the role check runs on the server for each
run of the page, whichever way it was opened (menu, URL, a test harness), and stops the script with
a clear message before any data is read.

The role remembered at sign-in is checked against app_user again, at most once per
ACCOUNT_CHECK_SECONDS: a user an admin has deactivated, or whose role has changed, is signed out at
their next run of a page, and the sign-in form says why.
"""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st
import structlog
from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError

from dashboard.auth import SignedInUser
from dashboard.database import DatabaseNotConfigured, main_engine
from dashboard.roles import may_open, page
from db.models.access import ROLES, AppUser

SIGNED_IN_USER_KEY = "waypoint_signed_in_user"
SIGNED_OUT_NOTICE_KEY = "waypoint_signed_out_notice"
ACCOUNT_CHECKED_AT_KEY = "waypoint_account_checked_at"  # time.monotonic() of the last look at app_user
ACCOUNT_CHECK_SECONDS = 60.0

log = structlog.get_logger("dashboard.session")


def current_user() -> SignedInUser | None:
    user = st.session_state.get(SIGNED_IN_USER_KEY)
    return user if isinstance(user, SignedInUser) else None


def remember(user: SignedInUser) -> None:
    """Keep `user` as signed in; their account was read just now, so the next check is due in
    ACCOUNT_CHECK_SECONDS."""
    st.session_state[SIGNED_IN_USER_KEY] = user
    st.session_state[ACCOUNT_CHECKED_AT_KEY] = time.monotonic()


def forget() -> None:
    st.session_state.pop(SIGNED_IN_USER_KEY, None)
    st.session_state.pop(ACCOUNT_CHECKED_AT_KEY, None)


def role_label(role: str) -> str:
    return role.replace("_", " ")


def viewer_zone() -> ZoneInfo:
    """The time zone of the viewer's browser; UTC when the browser does not say."""
    try:
        return ZoneInfo(st.context.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def require_page(key: str) -> SignedInUser:
    """The signed-in user, if their role may open page `key`; otherwise explain and stop the script."""
    definition = page(key)
    user = current_user()
    if user is None:
        st.error(f"Sign in to open {definition.title}.", icon=":material/lock:")
        st.stop()
    confirm_account(user)
    if not may_open(user.role, key):
        allowed = ", ".join(sorted(role_label(role) for role in definition.roles))
        st.error(
            f"{definition.title} is not available to the {role_label(user.role)} role "
            f"({ROLES[user.role].lower()}). It is open to: {allowed}. Ask an admin if you need it.",
            icon=":material/lock:",
        )
        st.stop()
    return user


def account_change(conn: Connection, user: SignedInUser) -> str | None:
    """Why app_user no longer lets `user` in as remembered (a sentence), or None while the account
    is still active with the same role."""
    account = conn.execute(
        select(AppUser.active, AppUser.role).where(AppUser.user_id == user.user_id)
    ).first()
    if account is None:
        return f"The account {user.username} no longer exists."
    if not account.active:
        return f"The account {user.username} has been deactivated. Ask an admin if you still need Waypoint."
    if account.role != user.role:
        return (
            f"The role of {user.username} has changed from {role_label(user.role)} to "
            f"{role_label(account.role)}. Sign in again to continue with the new role."
        )
    return None


def confirm_account(user: SignedInUser) -> None:
    """Sign `user` out, and rerun to the sign-in form with the reason, once app_user no longer has
    them active with the role they signed in with.

    Reads app_user at most once per ACCOUNT_CHECK_SECONDS in a browser session (the clock starts at
    sign-in). When the database cannot be read the user stays signed in and the next run looks
    again: the page reports the database trouble itself.
    """
    now = time.monotonic()
    checked_at = st.session_state.setdefault(ACCOUNT_CHECKED_AT_KEY, now)
    if now - checked_at < ACCOUNT_CHECK_SECONDS:
        return
    try:
        with main_engine().connect() as conn:
            change = account_change(conn, user)
    except (SQLAlchemyError, DatabaseNotConfigured) as error:
        log.warning("account_check_failed", username=user.username, error=str(error))
        return
    st.session_state[ACCOUNT_CHECKED_AT_KEY] = now
    if change is None:
        return
    log.info("signed_out_by_account_check", username=user.username, reason=change)
    forget()
    st.session_state[SIGNED_OUT_NOTICE_KEY] = f"You have been signed out. {change}"
    st.rerun()
