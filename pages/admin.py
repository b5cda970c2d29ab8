"""Admin: kiosk links for floor screens, and user accounts. Every action is checked on the server
(dashboard.accounts.require_admin, against app_user) and written to the audit log. Layout only:
actions in dashboard.kiosk and dashboard.accounts, lists from dashboard.queries.admin.

Buttons act in callbacks, before the page is drawn again, so the lists below always include the
change. What came of an action is shown once at the top; a new kiosk link or temporary password is
shown that one time and never again.
"""

from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import polars as pl
import streamlit as st
import structlog
from sqlalchemy import Connection

from dashboard import accounts
from dashboard.accounts import AccountError, NotPermitted
from dashboard.database import main_engine
from dashboard.kiosk import issue_kiosk_link, kiosk_url, revoke_kiosk_link
from dashboard.queries.admin import load_admin
from dashboard.session import require_page, role_label, viewer_zone
from db.master_data import facilities, facility
from db.models.access import ROLES
from pipeline.settings import get_settings

user = require_page("admin")
log = structlog.get_logger("pages.admin")
NOTICE = "admin_notice"
NO_FACILITY = "—"
FACILITIES = [item.facility_id for item in facilities()]


def facility_label(facility_id: str) -> str:
    return NO_FACILITY if facility_id == NO_FACILITY else f"{facility_id} · {facility(facility_id).name}"


def app_base_url() -> str:
    """The app's root as the admin's browser reaches it: this page's URL without its own path."""
    url = st.context.url
    if not url:
        return f"http://localhost:{get_settings().app_port}"
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/").removesuffix("/admin"), "", ""))


def act(
    action: Callable[[Connection], object], done: str, secret: Callable[[object], str] | None = None
) -> None:
    """Run one admin action in a transaction of its own and leave a notice of what came of it."""
    try:
        with main_engine().begin() as conn:
            result = action(conn)
    except NotPermitted as refused:
        st.session_state[NOTICE] = ("refused", str(refused), None)
    except AccountError as broken:
        st.session_state[NOTICE] = ("error", f"Not done: {broken}.", None)
    except Exception:
        log.exception("admin action failed", actor=user.username)
        st.session_state[NOTICE] = ("error", "Not done: the database could not be reached. Try again.", None)
    else:
        st.session_state[NOTICE] = ("done", done, secret(result) if secret else None)


def issue_link() -> None:
    chosen, label = st.session_state["kiosk_facility"], st.session_state["kiosk_label"]
    act(
        lambda conn: issue_kiosk_link(conn, user, chosen, label),
        f"Kiosk link issued for {chosen}. Copy it now: it is shown only this once.",
        lambda issued: kiosk_url(app_base_url(), issued.token, issued.facility_id),
    )


def revoke_link(kiosk_id: int, name: str) -> None:
    act(
        lambda conn: revoke_kiosk_link(conn, user, kiosk_id),
        f"{name} revoked: its screens are refused from their next refresh.",
    )


def create_user() -> None:
    state, password = st.session_state, accounts.new_temporary_password()
    act(
        lambda conn: accounts.create_user(
            conn,
            user,
            username=state["new_username"],
            display_name=state["new_display_name"],
            role=state["new_role"] or "",
            facility_id=None if state["new_facility"] == NO_FACILITY else state["new_facility"],
            temporary_password=password,
        ),
        f"User {state['new_username'].strip()} created. Temporary password, shown only this once:",
        lambda _: password,
    )


def set_active(user_id: int, username: str, active: bool) -> None:
    act(
        lambda conn: accounts.set_user_active(conn, user, user_id, active),
        f"{username} {'reactivated' if active else 'deactivated'}.",
    )


def reset_password(user_id: int, username: str) -> None:
    password = accounts.new_temporary_password()
    act(
        lambda conn: accounts.reset_password(conn, user, user_id, password),
        f"Password of {username} reset. Temporary password, shown only this once:",
        lambda _: password,
    )


def local_times(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    zone = str(viewer_zone())
    return frame.with_columns(
        pl.col(column).dt.convert_time_zone(zone).dt.strftime("%Y-%m-%d %H:%M %Z") for column in columns
    )


st.title("Admin")
kind, text, secret = st.session_state.pop(NOTICE, (None, None, None))
if kind == "done":
    st.success(text, icon=":material/check_circle:")
    if secret:
        st.code(secret, language=None, wrap_lines=True)
elif kind is not None:
    st.error(text, icon=":material/lock:" if kind == "refused" else ":material/error:")

try:
    data = load_admin(main_engine(), user)
except NotPermitted as refused:
    st.error(str(refused), icon=":material/lock:")
    st.stop()
except Exception:
    log.exception("admin lists failed", actor=user.username)
    st.error("The lists cannot be read just now: is the database running? Reload the page to try again.")
    st.stop()

kiosk_tab, users_tab = st.tabs(["Kiosk links", "Users"])

with kiosk_tab:
    with st.form("issue_kiosk_link", clear_on_submit=True, border=True):
        st.markdown(
            "**Issue a kiosk link**: a floor screen shows that facility's live flow, with no sign-in."
        )
        where, label = st.columns([1, 2])
        where.selectbox("Facility", FACILITIES, format_func=facility_label, key="kiosk_facility")
        label.text_input("Label", placeholder="Where the screen hangs, e.g. Pack line TV", key="kiosk_label")
        st.form_submit_button("Issue link", type="primary", icon=":material/add_link:", on_click=issue_link)
    links = data.kiosk_links
    st.dataframe(
        local_times(links, ["created_at", "last_seen_at", "revoked_at"]).select(
            pl.col("kiosk_id").alias("ID"),
            pl.col("facility_id").alias("Facility"),
            pl.col("label").alias("Label"),
            pl.col("created_by").alias("Issued by"),
            pl.col("created_at").alias("Issued"),
            pl.col("last_seen_at").alias("Last seen"),
            pl.col("revoked_at").alias("Revoked"),
            pl.col("revoked_by").alias("Revoked by"),
        ),
        hide_index=True,
    )
    active = {
        row["kiosk_id"]: f"#{row['kiosk_id']} {row['facility_id']} · {row['label']}"
        for row in links.filter(pl.col("revoked_at").is_null()).iter_rows(named=True)
    }
    if active:
        pick, button = st.columns([3, 1], vertical_alignment="bottom")
        chosen = pick.selectbox("Kiosk link", list(active), format_func=active.get, key="revoke_kiosk_id")
        button.button(
            "Revoke", icon=":material/link_off:", on_click=revoke_link, args=(chosen, active[chosen])
        )

with users_tab:
    with st.form("create_user", clear_on_submit=True, border=True):
        st.markdown("**Create a user**: a temporary password is shown once, for you to hand over.")
        name, display, role, home = st.columns(4)
        name.text_input("Username", key="new_username")
        display.text_input("Display name", key="new_display_name")
        role.selectbox(
            "Role",
            list(ROLES),
            index=None,
            placeholder="Choose a role",
            format_func=role_label,
            key="new_role",
        )
        home.selectbox("Facility", [NO_FACILITY, *FACILITIES], format_func=facility_label, key="new_facility")
        st.form_submit_button(
            "Create user", type="primary", icon=":material/person_add:", on_click=create_user
        )
    users = data.users
    st.dataframe(
        local_times(users, ["created_at", "last_sign_in_at"]).select(
            pl.col("username").alias("Username"),
            pl.col("display_name").alias("Name"),
            pl.col("role").alias("Role"),
            pl.col("facility_id").alias("Facility"),
            pl.col("active").alias("Active"),
            pl.col("sso_only").alias("SSO only"),
            pl.col("created_at").alias("Created"),
            pl.col("last_sign_in_at").alias("Last sign-in"),
        ),
        hide_index=True,
    )
    people = {row["user_id"]: row for row in users.iter_rows(named=True)}
    pick, toggle, reset = st.columns([2, 1, 1], vertical_alignment="bottom")
    chosen_id = pick.selectbox(
        "User",
        list(people),
        format_func=lambda key: f"{people[key]['username']} · {role_label(people[key]['role'])}",
    )
    if chosen_id is not None:
        person = people[chosen_id]
        toggle.button(
            "Deactivate" if person["active"] else "Reactivate",
            icon=":material/person_off:" if person["active"] else ":material/person:",
            on_click=set_active,
            args=(chosen_id, person["username"], not person["active"]),
        )
        reset.button(
            "Reset password",
            icon=":material/key:",
            on_click=reset_password,
            args=(chosen_id, person["username"]),
        )
