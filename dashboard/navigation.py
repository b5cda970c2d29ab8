"""The navigation a visitor gets: the sign-in page alone, or the built pages their role may open."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import SignedInUser
from dashboard.roles import page, pages_for, planned_pages_for
from dashboard.session import current_user, role_label
from dashboard.sign_in import render_sign_in

SIGN_IN_PATH = "sign_in"
NOTHING_YET_PATH = "welcome"


def navigation_for(user: SignedInUser | None) -> st.Page:
    """Register this run's pages with `st.navigation` and return the one to run."""
    if user is None:
        sign_in = st.Page(render_sign_in, title="Sign in", icon=":material/login:", url_path=SIGN_IN_PATH)
        return st.navigation([sign_in], position="hidden")
    keys = pages_for(user.role)
    if not keys:
        welcome = st.Page(
            _nothing_yet, title="Welcome", icon=":material/hourglass_empty:", url_path=NOTHING_YET_PATH
        )
        return st.navigation([welcome])
    sections: dict[str, list[st.Page]] = {}
    for key in keys:
        definition = page(key)
        sections.setdefault(definition.section, []).append(
            st.Page(definition.script_path, title=definition.title, icon=definition.icon, url_path=key)
        )
    return st.navigation(sections)


def _nothing_yet() -> None:
    """For a role none of whose pages is built yet: say so plainly, and what is coming."""
    user = current_user()
    if user is None:
        return
    planned = ", ".join(page(key).title for key in planned_pages_for(user.role))
    st.title(f"Welcome, {user.display_name}")
    st.info(
        f"No page for the {role_label(user.role)} role is in this version of Waypoint yet. "
        f"Coming for your role: {planned or 'nothing planned'}.",
        icon=":material/hourglass_empty:",
    )
