"""The account check behind a remembered sign-in: app_user decides whether the session may go on."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, delete, insert, update

from dashboard.auth import SignedInUser
from dashboard.session import account_change
from db.models.access import AppUser


@pytest.fixture
def lead(conn: Connection) -> SignedInUser:
    """A floor lead as remembered at sign-in; their app_user row is in the test's transaction."""
    user_id = conn.execute(
        insert(AppUser)
        .values(username="lee", display_name="Lee", role="floor_lead", facility_id="DC-CMH")
        .returning(AppUser.user_id)
    ).scalar_one()
    return SignedInUser(user_id, "lee", "Lee", "floor_lead", "DC-CMH", "password")


def test_an_active_account_with_the_same_role_goes_on(conn: Connection, lead: SignedInUser):
    assert account_change(conn, lead) is None


def test_a_new_display_name_or_facility_does_not_sign_anyone_out(conn: Connection, lead: SignedInUser):
    conn.execute(
        update(AppUser)
        .where(AppUser.user_id == lead.user_id)
        .values(display_name="Lee K.", facility_id="DC-RNO")
    )
    assert account_change(conn, lead) is None


def test_a_deactivated_account_is_named_in_the_reason(conn: Connection, lead: SignedInUser):
    conn.execute(update(AppUser).where(AppUser.user_id == lead.user_id).values(active=False))
    assert account_change(conn, lead) == (
        "The account lee has been deactivated. Ask an admin if you still need Waypoint."
    )


def test_a_changed_role_names_both_roles(conn: Connection, lead: SignedInUser):
    conn.execute(update(AppUser).where(AppUser.user_id == lead.user_id).values(role="supervisor"))
    reason = account_change(conn, lead)
    assert reason is not None
    assert "from floor lead to supervisor" in reason


def test_a_deleted_account_is_gone(conn: Connection, lead: SignedInUser):
    conn.execute(delete(AppUser).where(AppUser.user_id == lead.user_id))
    assert account_change(conn, lead) == "The account lee no longer exists."
