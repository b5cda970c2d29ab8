"""Local accounts: argon2id hashes, sign-in and its audit trail, SSO mapping, demo users and their password."""

from __future__ import annotations

import stat

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Connection, insert, select

from dashboard import auth
from dashboard.auth import (
    DEMO_USERS,
    authenticate,
    authenticate_sso,
    demo_password,
    hash_password,
    record_sign_out,
    seed_demo_users,
)
from db.models.access import AppUser, AuditLog
from pipeline.settings import Settings


def add_user(
    conn: Connection,
    username: str,
    password: str | None,
    *,
    role: str = "supervisor",
    facility_id: str | None = "DC-RNO",
    active: bool = True,
    password_hash: str | None = None,
) -> None:
    conn.execute(
        insert(AppUser).values(
            username=username,
            display_name=f"{username} (test)",
            password_hash=password_hash or (hash_password(password) if password is not None else None),
            role=role,
            facility_id=facility_id,
            active=active,
        )
    )


def audit_rows(conn: Connection, actor: str) -> list[tuple[str, str, str | None]]:
    rows = conn.execute(
        select(AuditLog.action, AuditLog.actor_role, AuditLog.note)
        .where(AuditLog.actor == actor)
        .order_by(AuditLog.audit_id)
    )
    return [tuple(row) for row in rows]


def stored_user(conn: Connection, username: str):
    return conn.execute(select(AppUser.__table__).where(AppUser.username == username)).one()


class CountingHasher:
    """Wraps the real hasher and counts verifications."""

    def __init__(self, real: PasswordHasher) -> None:
        self.real = real
        self.verifications = 0

    def verify(self, password_hash: str, password: str) -> bool:
        self.verifications += 1
        return self.real.verify(password_hash, password)

    def __getattr__(self, name: str):
        return getattr(self.real, name)


def test_passwords_are_stored_as_salted_argon2id_hashes():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("$argon2id$")
    assert first != second  # a fresh salt each time
    assert PasswordHasher().verify(first, "correct horse")


def test_right_password_signs_in_records_the_time_and_audits(conn):
    add_user(conn, "rita", "s3cret-pass", role="supervisor", facility_id="DC-RNO")

    user = authenticate(conn, "rita", "s3cret-pass")

    assert user is not None
    assert (user.username, user.role, user.facility_id, user.method) == (
        "rita",
        "supervisor",
        "DC-RNO",
        "password",
    )
    assert stored_user(conn, "rita").last_sign_in_at is not None
    assert audit_rows(conn, "rita") == [("sign_in", "supervisor", "password")]


def test_username_is_matched_without_regard_to_case_or_surrounding_spaces(conn):
    add_user(conn, "Rita", "s3cret-pass")
    user = authenticate(conn, "  rITA ", "s3cret-pass")
    assert user is not None and user.username == "Rita"


def test_wrong_password_is_refused_and_audited(conn):
    add_user(conn, "rita", "s3cret-pass")

    assert authenticate(conn, "rita", "S3cret-pass") is None

    assert stored_user(conn, "rita").last_sign_in_at is None
    assert audit_rows(conn, "rita") == [("sign_in_failed", "supervisor", "wrong password")]


def test_unknown_user_is_refused_after_the_same_hash_verification_as_a_real_one(conn, monkeypatch):
    counting = CountingHasher(auth._hasher)
    monkeypatch.setattr(auth, "_hasher", counting)

    assert authenticate(conn, "nobody", "whatever") is None

    assert counting.verifications == 1
    assert audit_rows(conn, "nobody") == [("sign_in_failed", "anonymous", "unknown user")]


def test_inactive_user_is_refused_even_with_the_right_password(conn):
    add_user(conn, "gone", "s3cret-pass", active=False)

    assert authenticate(conn, "gone", "s3cret-pass") is None

    assert stored_user(conn, "gone").last_sign_in_at is None
    assert audit_rows(conn, "gone") == [("sign_in_failed", "supervisor", "account inactive")]


def test_sso_only_account_cannot_sign_in_with_a_password(conn):
    add_user(conn, "sam@example.com", None)
    assert authenticate(conn, "sam@example.com", "") is None
    assert audit_rows(conn, "sam@example.com") == [
        ("sign_in_failed", "supervisor", "account has no password")
    ]


def test_hash_made_with_older_parameters_is_upgraded_on_sign_in(conn):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("s3cret-pass")
    add_user(conn, "rita", None, password_hash=weak)

    assert authenticate(conn, "rita", "s3cret-pass") is not None

    upgraded = stored_user(conn, "rita").password_hash
    assert upgraded != weak
    assert not PasswordHasher().check_needs_rehash(upgraded)
    assert authenticate(conn, "rita", "s3cret-pass") is not None


def test_sso_email_maps_to_the_app_user_and_its_role(conn):
    add_user(conn, "Sam@Example.com", None, role="manager", facility_id=None)

    user = authenticate_sso(conn, "sam@example.com")

    assert user is not None
    assert (user.username, user.role, user.method) == ("Sam@Example.com", "manager", "sso")
    assert audit_rows(conn, "Sam@Example.com") == [("sign_in", "manager", "sso")]


def test_sso_email_without_an_active_account_is_refused(conn):
    add_user(conn, "old@example.com", None, active=False)

    assert authenticate_sso(conn, "stranger@example.com") is None
    assert authenticate_sso(conn, "old@example.com") is None

    assert audit_rows(conn, "stranger@example.com") == [
        ("sign_in_failed", "anonymous", "sso: no account for e-mail")
    ]
    assert audit_rows(conn, "old@example.com") == [("sign_in_failed", "supervisor", "sso: account inactive")]


def test_sign_out_is_audited(conn):
    add_user(conn, "rita", "s3cret-pass")
    user = authenticate(conn, "rita", "s3cret-pass")
    record_sign_out(conn, user)
    assert [row[0] for row in audit_rows(conn, "rita")] == ["sign_in", "sign_out"]


def test_demo_users_one_per_role_with_their_facilities(conn):
    sign_ins = seed_demo_users(conn, "demo-pass-1")

    assert {s.role for s in sign_ins} == {"admin", "manager", "supervisor", "floor_lead", "support_agent"}
    assert all(s.created and s.password == "demo-pass-1" for s in sign_ins)
    facilities = {s.role: s.facility_id for s in sign_ins}
    assert facilities["supervisor"] == "DC-RNO" and facilities["floor_lead"] == "DC-CMH"
    for demo in DEMO_USERS:
        signed_in = authenticate(conn, demo.username, "demo-pass-1")
        assert signed_in is not None and signed_in.role == demo.role


def test_seeding_demo_users_again_keeps_existing_accounts_and_their_passwords(conn):
    seed_demo_users(conn, "demo-pass-1")
    admin_hash = stored_user(conn, "admin").password_hash

    again = seed_demo_users(conn, "another-pass")

    assert not any(s.created for s in again)
    assert all(s.password is None for s in again)  # the printed password would not work: none is shown
    assert stored_user(conn, "admin").password_hash == admin_hash
    assert authenticate(conn, "admin", "demo-pass-1") is not None
    assert [s.password for s in seed_demo_users(conn, "demo-pass-1")] == ["demo-pass-1"] * len(DEMO_USERS)


def test_demo_password_from_settings_wins(tmp_path):
    settings = Settings(data_dir=tmp_path, demo_password="from-env")
    assert demo_password(settings) == "from-env"
    assert not (tmp_path / "demo_sign_ins.txt").exists()


def test_demo_password_is_generated_once_into_a_private_file_and_reused(tmp_path):
    settings = Settings(data_dir=tmp_path / "state", demo_password=None)

    first = demo_password(settings)
    second = demo_password(settings)

    path = tmp_path / "state" / "demo_sign_ins.txt"
    assert first == second and len(first) >= 16
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"password={first}" in path.read_text()


def test_demo_password_file_without_a_password_line_is_an_error_naming_the_file(tmp_path):
    (tmp_path / "demo_sign_ins.txt").write_text("# emptied by hand\n")
    with pytest.raises(ValueError, match="demo_sign_ins.txt: no 'password=' line"):
        demo_password(Settings(data_dir=tmp_path, demo_password=None))
