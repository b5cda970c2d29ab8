"""The Admin page's lists: accounts and kiosk links, for an active admin only."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from dashboard.accounts import NotPermitted
from dashboard.auth import SignedInUser, seed_demo_users
from dashboard.kiosk import issue_kiosk_link, revoke_kiosk_link
from dashboard.queries.admin import KIOSK_SCHEMA, USER_SCHEMA, list_kiosk_links, list_users, load_admin
from db.models.access import AppUser


def demo(conn, username: str) -> SignedInUser:
    row = conn.execute(AppUser.__table__.select().where(AppUser.username == username)).one()
    return SignedInUser(row.user_id, row.username, row.display_name, row.role, row.facility_id, "password")


def test_lists_show_every_account_and_active_links_first(conn):
    seed_demo_users(conn, "demo-password-1")
    conn.execute(insert(AppUser).values(username="mia@example.com", display_name="Mia", role="manager"))
    admin = demo(conn, "admin")
    old = issue_kiosk_link(conn, admin, "DC-RNO", "Old TV")
    issue_kiosk_link(conn, admin, "DC-CMH", "Dock TV")
    revoke_kiosk_link(conn, admin, old.kiosk_id)

    users = list_users(conn, admin)
    links = list_kiosk_links(conn, admin)

    assert users.schema == USER_SCHEMA and links.schema == KIOSK_SCHEMA
    assert users["username"].to_list() == [
        "admin",
        "floor_lead",
        "manager",
        "mia@example.com",
        "supervisor",
        "support_agent",
    ]
    assert users.filter(users["username"] == "mia@example.com")["sso_only"].to_list() == [True]
    assert links["label"].to_list() == ["Dock TV", "Old TV"]
    assert links["revoked_by"].to_list() == [None, "admin"]


def test_a_non_admin_reads_nothing(conn):
    seed_demo_users(conn, "demo-password-1")
    with pytest.raises(NotPermitted):
        list_users(conn, demo(conn, "supervisor"))
    with pytest.raises(NotPermitted):
        list_kiosk_links(conn, demo(conn, "manager"))


def test_load_admin_reads_both_lists_on_its_own_connection(fresh_engine):
    with fresh_engine.begin() as conn:
        seed_demo_users(conn, "demo-password-1")
        admin = demo(conn, "admin")
    data = load_admin(fresh_engine, admin)
    assert data.users.height == 5 and data.kiosk_links.height == 0
