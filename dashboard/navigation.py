"""The navigation a visitor gets: the sign-in page alone, or the built pages their role may open.

Every built page's URL path is registered in every run, so a link to a page never meets Streamlit's
"page not found". Signed out, each path is a hidden "door" to the sign-in form; the sign-in reruns the
same path with the same query parameters, so `/order_timeline?order=SO-…` opens that order once the
agent has signed in. Signed in, the path of a page the role may not open is a hidden page that shows
the refusal of `require_page` and never runs the page script.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

from dashboard.auth import SignedInUser
from dashboard.roles import built_pages, page, pages_for, planned_pages_for
from dashboard.session import confirm_account, current_user, require_page, role_label
from dashboard.sign_in import render_sign_in

SIGN_IN_PATH = "sign_in"
NOTHING_YET_PATH = "welcome"


def navigation_for(user: SignedInUser | None) -> st.Page:
    """Register this run's pages with `st.navigation` and return the one to run."""
    if user is None:
        sign_in = _sign_in_page(SIGN_IN_PATH)
        doors = [_sign_in_page(key, visibility="hidden") for key in built_pages()]
        return st.navigation([sign_in, *doors], position="hidden")
    keys = pages_for(user.role)
    refusals = [_refusal(key) for key in built_pages() if key not in keys]
    if not keys:
        welcome = st.Page(
            _nothing_yet, title="Welcome", icon=":material/hourglass_empty:", url_path=NOTHING_YET_PATH
        )
        return st.navigation([welcome, *refusals])
    sections: dict[str, list[st.Page]] = {}
    for key in keys:
        definition = page(key)
        sections.setdefault(definition.section, []).append(
            st.Page(definition.script_path, title=definition.title, icon=definition.icon, url_path=key)
        )
    # Hidden pages go into a section that has visible ones, so no empty heading shows in the menu.
    next(iter(sections.values())).extend(refusals)
    return st.navigation(sections)


def _sign_in_page(url_path: str, visibility: Literal["visible", "hidden"] = "visible") -> st.Page:
    return st.Page(
        render_sign_in, title="Sign in", icon=":material/login:", url_path=url_path, visibility=visibility
    )


def _refusal(key: str) -> st.Page:
    """Page `key` for a role that may not open it: only the explanation, from `require_page`."""

    def refuse() -> None:
        require_page(key)

    definition = page(key)
    return st.Page(refuse, title=definition.title, icon=definition.icon, url_path=key, visibility="hidden")


def _nothing_yet() -> None:
    """For a role none of whose pages is built yet: say so plainly, and what is coming."""
    user = current_user()
    if user is None:
        return
    confirm_account(user)
    planned = ", ".join(page(key).title for key in planned_pages_for(user.role))
    st.title(f"Welcome, {user.display_name}")
    st.info(
        f"No page for the {role_label(user.role)} role is in this version of Waypoint yet. "
        f"Coming for your role: {planned or 'nothing planned'}.",
        icon=":material/hourglass_empty:",
    )
