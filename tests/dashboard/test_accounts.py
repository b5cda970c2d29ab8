"""An admin manages accounts: every change is checked against app_user on the server, and audited
without the password."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, update

from dashboard import accounts
from dashboard.accounts import AccountError, NotPermitted
from dashboard.auth import SignedInUser, authenticate, hash_password
from db.models.access import AppUser, AuditLog

TEMPORARY = "temporary-pass-1"


def add_user(conn, username: str, role: str, *, active: bool = True) -> SignedInUser:
    user_id = conn.execute(
        insert(AppUser)
        .values(
            username=username,
            display_name=username.title(),
            role=role,
            password_hash=hash_password("x" * 12),
            active=active,
        )
        .returning(AppUser.user_id)
    ).scalar_one()
    return SignedInUser(user_id, username, username.title(), role, None, "password")


@pytest.fixture
def admin(conn) -> SignedInUser:
    return add_user(conn, "ada", "admin")


def audit(conn, action: str) -> list:
    return conn.execute(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.audit_id)).all()


def test_an_admin_creates_a_user_who_can_sign_in_with_the_temporary_password(conn, admin):
    created = accounts.create_user(
        conn,
        admin,
        username="  lena.floor ",
        display_name="Lena",
        role="floor_lead",
        facility_id="DC-CMH",
        temporary_password=TEMPORARY,
    )

    assert created.username == "lena.floor"
    signed_in = authenticate(conn, "lena.floor", TEMPORARY)
    assert signed_in is not None and (signed_in.role, signed_in.facility_id) == ("floor_lead", "DC-CMH")
    (row,) = audit(conn, "user_created")
    assert (row.actor, row.actor_role, row.entity_type, row.entity_id) == (
        "ada",
        "admin",
        "app_user",
        "lena.floor",
    )
    assert row.before is None
    assert row.after == {
        "username": "lena.floor", "display_name": "Lena", "role": "floor_lead", "facility_id": "DC-CMH", "active": True
    }  # fmt: skip
    assert TEMPORARY not in str(row.after) and "argon2" not in str(row.after)


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"username": "ADA"}, "already taken"),
        ({"username": "a b"}, "username must be 3 to 120 characters"),
        ({"display_name": "  "}, "display name must not be empty"),
        ({"role": "owner"}, "role must be one of"),
        ({"facility_id": "DC-XYZ"}, "not a known facility"),
        ({"temporary_password": "short"}, "at least 12 characters"),
    ],
)
def test_a_request_that_breaks_a_rule_is_refused_with_the_rule(conn, admin, fields, rule):
    request = {
        "username": "newbie",
        "display_name": "Newbie",
        "role": "support_agent",
        "facility_id": None,
        "temporary_password": TEMPORARY,
        **fields,
    }
    with pytest.raises(AccountError, match=rule):
        accounts.create_user(conn, admin, **request)
    assert audit(conn, "user_created") == []


def test_a_non_admin_calling_the_functions_is_refused(conn):
    manager = add_user(conn, "mo", "manager")
    target = add_user(conn, "sam", "support_agent")

    with pytest.raises(NotPermitted, match="only an active admin"):
        accounts.create_user(
            conn, manager, username="x-user", display_name="X", role="admin", facility_id=None,
            temporary_password=TEMPORARY,
        )  # fmt: skip
    with pytest.raises(NotPermitted):
        accounts.set_user_active(conn, manager, target.user_id, False)
    with pytest.raises(NotPermitted):
        accounts.reset_password(conn, manager, target.user_id, TEMPORARY)


def test_a_session_that_still_says_admin_is_refused_once_the_account_is_not(conn, admin):
    """The role remembered in a browser session is not trusted: app_user decides."""
    target = add_user(conn, "sam", "support_agent")
    conn.execute(update(AppUser).where(AppUser.user_id == admin.user_id).values(active=False))

    with pytest.raises(NotPermitted):
        accounts.set_user_active(conn, admin, target.user_id, False)

    conn.execute(update(AppUser).where(AppUser.user_id == admin.user_id).values(active=True, role="manager"))
    with pytest.raises(NotPermitted):
        accounts.reset_password(conn, admin, target.user_id, TEMPORARY)


def test_deactivating_and_reactivating_are_audited_with_before_and_after(conn, admin):
    target = add_user(conn, "sam", "support_agent")

    accounts.set_user_active(conn, admin, target.user_id, False)
    assert authenticate(conn, "sam", "x" * 12) is None
    accounts.set_user_active(conn, admin, target.user_id, True)

    (off,) = audit(conn, "user_deactivated")
    (on,) = audit(conn, "user_reactivated")
    assert (off.entity_id, off.before, off.after) == ("sam", {"active": True}, {"active": False})
    assert (on.before, on.after) == ({"active": False}, {"active": True})
    assert authenticate(conn, "sam", "x" * 12) is not None


def test_an_admin_may_not_lock_themselves_out_nor_repeat_a_change(conn, admin):
    target = add_user(conn, "sam", "support_agent", active=False)

    with pytest.raises(NotPermitted, match="their own account"):
        accounts.set_user_active(conn, admin, admin.user_id, False)
    with pytest.raises(AccountError, match="already inactive"):
        accounts.set_user_active(conn, admin, target.user_id, False)
    with pytest.raises(AccountError, match="does not exist"):
        accounts.set_user_active(conn, admin, 999_999, True)


def test_resetting_a_password_replaces_it_and_audits_no_secret(conn, admin):
    target = add_user(conn, "sam", "support_agent")

    accounts.reset_password(conn, admin, target.user_id, TEMPORARY)

    assert authenticate(conn, "sam", "x" * 12) is None
    assert authenticate(conn, "sam", TEMPORARY) is not None
    (row,) = audit(conn, "user_password_reset")
    assert (row.entity_id, row.before, row.after) == ("sam", {"has_password": True}, {"has_password": True})


def test_temporary_passwords_are_long_and_different_each_time():
    first, second = accounts.new_temporary_password(), accounts.new_temporary_password()
    assert len(first) >= accounts.MIN_PASSWORD_LENGTH and first != second
