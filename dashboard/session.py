"""Who is signed in to this browser session, kept in Streamlit's server-side session state.

Every page script starts with `require_page("<page>")`: the role check runs on the server for each
run of the page, whichever way it was opened (menu, URL, a test harness), and stops the script with
a clear message before any data is read.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from dashboard.auth import SignedInUser
from dashboard.roles import may_open, page
from db.models.access import ROLES

SIGNED_IN_USER_KEY = "waypoint_signed_in_user"


def current_user() -> SignedInUser | None:
    user = st.session_state.get(SIGNED_IN_USER_KEY)
    return user if isinstance(user, SignedInUser) else None


def remember(user: SignedInUser) -> None:
    st.session_state[SIGNED_IN_USER_KEY] = user


def forget() -> None:
    st.session_state.pop(SIGNED_IN_USER_KEY, None)


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
    if not may_open(user.role, key):
        allowed = ", ".join(sorted(role_label(role) for role in definition.roles))
        st.error(
            f"{definition.title} is not available to the {role_label(user.role)} role "
            f"({ROLES[user.role].lower()}). It is open to: {allowed}. Ask an admin if you need it.",
            icon=":material/lock:",
        )
        st.stop()
    return user
