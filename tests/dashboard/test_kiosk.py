"""Kiosk links: issued and revoked by an admin only, audited, stored as a hash; a screen's token is
checked each time, and an unknown, revoked or wrong-facility token is refused in words."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import insert, select

from dashboard.accounts import AccountError, NotPermitted
from dashboard.auth import SignedInUser
from dashboard.kiosk import check_kiosk_token, issue_kiosk_link, kiosk_url, revoke_kiosk_link, token_hash
from db.models.access import AppUser, AuditLog
from db.models.kiosk import KioskToken

NOW = datetime(2026, 11, 20, 22, 40, tzinfo=UTC)


def add_user(conn, username: str, role: str) -> SignedInUser:
    user_id = conn.execute(
        insert(AppUser).values(username=username, display_name=username, role=role).returning(AppUser.user_id)
    ).scalar_one()
    return SignedInUser(user_id, username, username, role, None, "password")


@pytest.fixture
def admin(conn) -> SignedInUser:
    return add_user(conn, "ada", "admin")


def stored(conn, kiosk_id: int):
    return conn.execute(select(KioskToken).where(KioskToken.kiosk_id == kiosk_id)).one()


def test_issuing_stores_only_the_hash_and_audits_the_link(conn, admin):
    issued = issue_kiosk_link(conn, admin, "DC-RNO", "  Pack line TV ")

    assert len(issued.token) == 43  # 32 random bytes, URL-safe base64
    row = stored(conn, issued.kiosk_id)
    assert row.token_hash == hashlib.sha256(issued.token.encode()).digest()
    assert issued.token.encode() not in row.token_hash
    assert (row.facility_id, row.label, row.created_by, row.revoked_at) == (
        "DC-RNO",
        "Pack line TV",
        "ada",
        None,
    )
    (audit,) = conn.execute(select(AuditLog).where(AuditLog.action == "kiosk_link_issued")).all()
    assert (audit.actor, audit.entity_type, audit.entity_id) == ("ada", "kiosk_token", str(issued.kiosk_id))
    assert audit.before is None
    assert audit.after["facility_id"] == "DC-RNO" and audit.after["label"] == "Pack line TV"
    assert issued.token not in str(audit.after)


def test_two_links_never_share_a_token(conn, admin):
    first = issue_kiosk_link(conn, admin, "DC-RNO", "Dock")
    second = issue_kiosk_link(conn, admin, "DC-RNO", "Dock")
    assert first.token != second.token


def test_the_link_opens_the_app_root_with_token_facility_and_dark_theme():
    url = kiosk_url("https://ops.example.com/waypoint/", "tok-en_1", "DC-CMH")

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "ops.example.com", "/waypoint/")
    assert parse_qs(parts.query) == {
        "kiosk": ["tok-en_1"],
        "facility": ["DC-CMH"],
        "embed_options": ["dark_theme"],
    }


def test_a_valid_token_shows_its_facility_and_marks_the_link_seen_once_a_minute(conn, admin):
    issued = issue_kiosk_link(conn, admin, "DC-RNO", "Dock")

    check = check_kiosk_token(conn, issued.token, "DC-RNO", NOW)
    assert check.allowed and (check.kiosk_id, check.facility_id) == (issued.kiosk_id, "DC-RNO")
    assert stored(conn, issued.kiosk_id).last_seen_at == NOW

    check_kiosk_token(conn, issued.token, None, NOW + timedelta(seconds=50))
    assert stored(conn, issued.kiosk_id).last_seen_at == NOW
    check_kiosk_token(conn, issued.token, None, NOW + timedelta(seconds=61))
    assert stored(conn, issued.kiosk_id).last_seen_at == NOW + timedelta(seconds=61)


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 5000])
def test_an_unknown_token_is_refused(conn, admin, token):
    issue_kiosk_link(conn, admin, "DC-RNO", "Dock")

    check = check_kiosk_token(conn, token, None, NOW)

    assert not check.allowed and check.facility_id is None
    assert check.refusal == "This kiosk link is not valid. Ask an admin for a kiosk link for this screen."


def test_a_revoked_token_is_refused_and_the_revocation_is_audited(conn, admin):
    issued = issue_kiosk_link(conn, admin, "DC-CMH", "Packing TV")

    revoke_kiosk_link(conn, admin, issued.kiosk_id)

    check = check_kiosk_token(conn, issued.token, "DC-CMH", NOW)
    assert (
        not check.allowed
        and "was revoked on" in check.refusal
        and "Ask an admin for a new one" in check.refusal
    )
    row = stored(conn, issued.kiosk_id)
    assert row.revoked_at is not None and row.revoked_by == "ada"
    (audit,) = conn.execute(select(AuditLog).where(AuditLog.action == "kiosk_link_revoked")).all()
    assert audit.before == {"facility_id": "DC-CMH", "label": "Packing TV", "revoked_at": None}
    assert audit.after["revoked_by"] == "ada" and audit.after["revoked_at"] is not None


def test_a_token_for_another_facility_is_refused(conn, admin):
    issued = issue_kiosk_link(conn, admin, "DC-RNO", "Dock")

    check = check_kiosk_token(conn, issued.token, "DC-CMH", NOW)

    assert not check.allowed
    assert check.refusal == "This kiosk link is for DC-RNO, not DC-CMH. Ask an admin for a link for DC-CMH."


def test_revoking_twice_or_an_unknown_link_says_why(conn, admin):
    issued = issue_kiosk_link(conn, admin, "DC-RNO", "Dock")
    revoke_kiosk_link(conn, admin, issued.kiosk_id)

    with pytest.raises(AccountError, match="already revoked"):
        revoke_kiosk_link(conn, admin, issued.kiosk_id)
    with pytest.raises(AccountError, match="does not exist"):
        revoke_kiosk_link(conn, admin, 999_999)


@pytest.mark.parametrize(
    ("facility_id", "label", "rule"),
    [("DC-XYZ", "Dock", "not a known facility"), ("DC-RNO", " ", "label must be 1 to 80 characters")],
)
def test_a_link_needs_a_known_facility_and_a_label(conn, admin, facility_id, label, rule):
    with pytest.raises(AccountError, match=rule):
        issue_kiosk_link(conn, admin, facility_id, label)


@pytest.mark.parametrize("role", ["manager", "supervisor", "floor_lead", "support_agent"])
def test_only_an_admin_issues_or_revokes(conn, admin, role):
    other = add_user(conn, f"user-{role}", role)
    issued = issue_kiosk_link(conn, admin, "DC-RNO", "Dock")

    with pytest.raises(NotPermitted):
        issue_kiosk_link(conn, other, "DC-RNO", "Mine")
    with pytest.raises(NotPermitted):
        revoke_kiosk_link(conn, other, issued.kiosk_id)
    assert stored(conn, issued.kiosk_id).revoked_at is None


def test_the_hash_is_sha256_of_the_token_text():
    assert token_hash("abc") == hashlib.sha256(b"abc").digest()
