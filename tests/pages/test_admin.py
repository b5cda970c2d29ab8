"""The Admin page through AppTest: only admins open it; issuing and revoking kiosk links and managing
users go through the real buttons, change the database and write the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from dashboard.auth import DEMO_USERS, SignedInUser, authenticate, seed_demo_users
from dashboard.kiosk import token_hash
from db.engine import make_engine
from db.models.access import AppUser, AuditLog
from db.models.kiosk import KioskToken
from pipeline.settings import get_settings
from tests.pages.app_session import open_page as open_script


@pytest.fixture
def app_database(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    engine = make_engine(fresh_database_url, pool_size=1)
    with engine.begin() as conn:
        seed_demo_users(conn, "admin-page-password")
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    get_settings.cache_clear()
    yield fresh_database_url
    get_settings.cache_clear()


@pytest.fixture
def db(app_database: str) -> Iterator:
    engine = make_engine(app_database, pool_size=1)
    yield engine
    engine.dispose()


def signed_in(db, username: str) -> SignedInUser:
    with db.connect() as conn:
        row = conn.execute(select(AppUser).where(AppUser.username == username)).one()
    return SignedInUser(row.user_id, row.username, row.display_name, row.role, row.facility_id, "password")


open_page = partial(
    open_script, "admin.py", context={"url": "https://ops.example.com/admin", "timezone": "America/New_York"}
)


def button(at: AppTest, label: str):
    return next(item for item in at.button if item.label == label)


def audit_rows(db, action: str) -> list:
    with db.connect() as conn:
        return conn.execute(select(AuditLog).where(AuditLog.action == action)).all()


def texts(elements) -> str:
    return " ".join(str(element.value) for element in elements)


@pytest.mark.parametrize("role", [demo.role for demo in DEMO_USERS if demo.role != "admin"])
def test_other_roles_are_refused_before_anything_is_read(app_database, db, role):
    at = open_page(signed_in(db, next(demo.username for demo in DEMO_USERS if demo.role == role)))

    assert not at.exception
    assert "Admin is not available to the" in texts(at.error)
    assert not at.dataframe and not at.button and not at.text_input


def test_a_visitor_is_asked_to_sign_in(app_database):
    at = open_page(None)
    assert "Sign in to open Admin" in texts(at.error)
    assert not at.dataframe


def test_an_admin_issues_a_kiosk_link_shown_once_with_only_its_hash_stored(app_database, db):
    at = open_page(signed_in(db, "admin"))
    at.selectbox(key="kiosk_facility").select("DC-CMH")
    at.text_input(key="kiosk_label").input("Pack line TV")
    button(at, "Issue link").click().run()

    assert not at.exception
    assert "Kiosk link issued for DC-CMH" in texts(at.success)
    (shown,) = at.code
    url = urlsplit(shown.value)
    assert (url.scheme, url.netloc, url.path) == ("https", "ops.example.com", "/")
    query = parse_qs(url.query)
    assert query["facility"] == ["DC-CMH"]
    with db.connect() as conn:
        link = conn.execute(select(KioskToken)).one()
    assert link.token_hash == token_hash(query["kiosk"][0])
    assert (link.facility_id, link.label, link.created_by) == ("DC-CMH", "Pack line TV", "admin")
    assert len(audit_rows(db, "kiosk_link_issued")) == 1
    assert at.dataframe[0].value["Label"].tolist() == ["Pack line TV"]

    at.run()  # any later run: the link is not shown again
    assert not at.code


def test_an_admin_revokes_a_kiosk_link_with_two_clicks(app_database, db):
    at = open_page(signed_in(db, "admin"))
    at.text_input(key="kiosk_label").input("Dock TV")
    button(at, "Issue link").click().run()

    link = at.selectbox(key="revoke_kiosk_id")
    assert link.options == ["#1 DC-RNO · Dock TV"]
    button(at, "Revoke").click().run()

    assert "revoked: its screens are refused from their next refresh" in texts(at.success)
    with db.connect() as conn:
        link = conn.execute(select(KioskToken)).one()
    assert link.revoked_at is not None and link.revoked_by == "admin"
    (audit,) = audit_rows(db, "kiosk_link_revoked")
    assert audit.before["revoked_at"] is None and audit.after["revoked_by"] == "admin"
    assert not any(item.label == "Revoke" for item in at.button)  # nothing left to revoke


def test_a_broken_rule_is_said_in_words_and_nothing_is_issued(app_database, db):
    at = open_page(signed_in(db, "admin"))
    button(at, "Issue link").click().run()  # no label

    assert "Not done: label must be 1 to 80 characters" in texts(at.error)
    assert audit_rows(db, "kiosk_link_issued") == []


def test_a_new_account_gets_no_role_until_the_admin_chooses_one(app_database, db):
    at = open_page(signed_in(db, "admin"))
    assert at.selectbox(key="new_role").value is None
    at.text_input(key="new_username").input("nobody")
    at.text_input(key="new_display_name").input("No Body")
    button(at, "Create user").click().run()

    assert "Not done: role must be one of" in texts(at.error)
    assert audit_rows(db, "user_created") == []


def test_an_admin_creates_a_user_and_hands_over_the_temporary_password(app_database, db):
    at = open_page(signed_in(db, "admin"))
    at.text_input(key="new_username").input("lena")
    at.text_input(key="new_display_name").input("Lena Floor")
    at.selectbox(key="new_role").select("floor_lead")
    at.selectbox(key="new_facility").select("DC-CMH")
    button(at, "Create user").click().run()

    assert "User lena created" in texts(at.success)
    (password,) = at.code
    with db.begin() as conn:
        assert authenticate(conn, "lena", password.value) is not None
    (audit,) = audit_rows(db, "user_created")
    assert audit.after["role"] == "floor_lead" and audit.after["facility_id"] == "DC-CMH"
    assert "lena" in at.dataframe[1].value["Username"].tolist()


def test_an_admin_deactivates_reactivates_and_resets_a_password(app_database, db):
    at = open_page(signed_in(db, "admin"))
    target = signed_in(db, "support_agent")

    user_picker = next(item for item in at.selectbox if item.label == "User")
    user_picker.select(target.user_id).run()
    button(at, "Deactivate").click().run()
    assert "support_agent deactivated" in texts(at.success)
    with db.connect() as conn:
        assert (
            conn.execute(select(AppUser.active).where(AppUser.user_id == target.user_id)).scalar_one()
            is False
        )

    button(at, "Reactivate").click().run()
    button(at, "Reset password").click().run()

    (password,) = at.code
    with db.begin() as conn:
        assert authenticate(conn, "support_agent", password.value) is not None
    actions = ("user_deactivated", "user_reactivated", "user_password_reset")
    assert [len(audit_rows(db, action)) for action in actions] == [1, 1, 1]


def test_a_session_that_lost_its_admin_role_is_refused_by_the_server(app_database, db):
    """The page opened while the account was an admin; the account is demoted before the click."""
    at = open_page(signed_in(db, "admin"))
    at.text_input(key="kiosk_label").input("Dock TV")
    with db.begin() as conn:
        conn.execute(update(AppUser).where(AppUser.username == "admin").values(role="manager"))

    button(at, "Issue link").click().run()

    assert "only an active admin may" in texts(at.error)
    with db.connect() as conn:
        assert conn.execute(select(KioskToken)).first() is None
