"""Local accounts: argon2id password hashes, sign-in with an audit trail, and the demo users.

The caller owns the transaction: every function takes a Connection and never commits, so a sign-in,
its `last_sign_in_at` update and its audit row are written together or not at all.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Row, func, insert, select, update

from db.models.access import AppUser, AuditLog
from pipeline.settings import Settings

DEMO_SIGN_INS_FILE = "demo_sign_ins.txt"
ANONYMOUS_ROLE = "anonymous"
_MAX_AUDITED_NAME = 120

# argon2-cffi's defaults are RFC 9106's low-memory argon2id profile. When they change (a library
# upgrade), stored hashes are upgraded on the next successful sign-in.
_hasher = PasswordHasher()


@dataclass(frozen=True)
class SignedInUser:
    user_id: int
    username: str
    display_name: str
    role: str
    facility_id: str | None
    method: str  # "password" or "sso"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    facility_id: str | None


@dataclass(frozen=True)
class DemoSignIn:
    username: str
    role: str
    facility_id: str | None
    password: str | None  # None: the account already existed with a password of its own
    created: bool


DEMO_USERS = (
    DemoUser("admin", "Demo admin", "admin", None),
    DemoUser("manager", "Demo operations manager", "manager", None),
    DemoUser("supervisor", "Demo supervisor, Reno", "supervisor", "DC-RNO"),
    DemoUser("floor_lead", "Demo floor lead, Columbus", "floor_lead", "DC-CMH"),
    DemoUser("support_agent", "Demo support agent", "support_agent", None),
)


def hash_password(password: str) -> str:
    """An argon2id hash (parameters and salt included in the string)."""
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    """Verified against when the user is unknown, so that both answers take the same time."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(conn: Connection, username: str, password: str) -> SignedInUser | None:
    """Check a username and password; audit the attempt either way.

    An unknown user, an inactive one and an SSO-only account (no password hash) cost one argon2
    verification like a real user does, and all answer None: the form says no more than "wrong
    username or password". The audit row says which it was.
    """
    user = _find_user(conn, username)
    matches = _password_matches(user.password_hash if user else None, password)
    if user is None:
        _audit(conn, actor=username, role=ANONYMOUS_ROLE, action="sign_in_failed", note="unknown user")
        return None
    if user.password_hash is None:
        _audit(
            conn, actor=user.username, role=user.role, action="sign_in_failed", note="account has no password"
        )
        return None
    if not matches:
        _audit(conn, actor=user.username, role=user.role, action="sign_in_failed", note="wrong password")
        return None
    if not user.active:
        _audit(conn, actor=user.username, role=user.role, action="sign_in_failed", note="account inactive")
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        conn.execute(
            update(AppUser)
            .where(AppUser.user_id == user.user_id)
            .values(password_hash=hash_password(password))
        )
    return _signed_in(conn, user, method="password")


def authenticate_sso(conn: Connection, email: str) -> SignedInUser | None:
    """Map an identity proven by the OIDC provider to an app user (username = e-mail, any case).

    The role always comes from app_user; an e-mail without an active account is refused.
    """
    user = _find_user(conn, email)
    if user is None:
        _audit(
            conn, actor=email, role=ANONYMOUS_ROLE, action="sign_in_failed", note="sso: no account for e-mail"
        )
        return None
    if not user.active:
        _audit(
            conn, actor=user.username, role=user.role, action="sign_in_failed", note="sso: account inactive"
        )
        return None
    return _signed_in(conn, user, method="sso")


def record_sign_out(conn: Connection, user: SignedInUser) -> None:
    _audit(conn, actor=user.username, role=user.role, action="sign_out", note=user.method)


def _find_user(conn: Connection, name: str) -> Row | None:
    users = AppUser.__table__
    return conn.execute(select(users).where(func.lower(users.c.username) == name.strip().lower())).first()


def _signed_in(conn: Connection, user: Row, *, method: str) -> SignedInUser:
    conn.execute(update(AppUser).where(AppUser.user_id == user.user_id).values(last_sign_in_at=func.now()))
    _audit(conn, actor=user.username, role=user.role, action="sign_in", note=method)
    return SignedInUser(
        user_id=user.user_id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        facility_id=user.facility_id,
        method=method,
    )


def _audit(conn: Connection, *, actor: str, role: str, action: str, note: str) -> None:
    name = actor.strip()[:_MAX_AUDITED_NAME]
    conn.execute(
        insert(AuditLog).values(
            actor=name,
            actor_role=role,
            action=action,
            entity_type="app_user",
            entity_id=name,
            note=note,
        )
    )


def seed_demo_users(conn: Connection, password: str) -> list[DemoSignIn]:
    """One user per role, all with `password`. An existing account is left as it is (its password too)."""
    sign_ins = []
    for demo in DEMO_USERS:
        existing = conn.execute(
            select(AppUser.password_hash).where(func.lower(AppUser.username) == demo.username)
        ).first()
        if existing is None:
            conn.execute(
                insert(AppUser).values(
                    username=demo.username,
                    display_name=demo.display_name,
                    password_hash=hash_password(password),
                    role=demo.role,
                    facility_id=demo.facility_id,
                )
            )
        usable = existing is None or _password_matches(existing.password_hash, password)
        sign_ins.append(
            DemoSignIn(
                username=demo.username,
                role=demo.role,
                facility_id=demo.facility_id,
                password=password if usable else None,
                created=existing is None,
            )
        )
    return sign_ins


def demo_password(settings: Settings) -> str:
    """WAYPOINT_DEMO_PASSWORD, else the one kept in data_dir/demo_sign_ins.txt (created 0600 the first time)."""
    if settings.demo_password:
        return settings.demo_password
    path = Path(settings.data_dir) / DEMO_SIGN_INS_FILE
    if path.exists():
        return _read_demo_password(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    names = ", ".join(user.username for user in DEMO_USERS)
    body = (
        "# Waypoint demo sign-ins. Generated on the first run; local to this machine, never commit it.\n"
        f"# Users: {names}\n"
        f"password={password}\n"
    )
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it a moment ago
        return _read_demo_password(path)
    with os.fdopen(descriptor, "w") as file:
        file.write(body)
    return password


def _read_demo_password(path: Path) -> str:
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "password" and value.strip():
            return value.strip()
    raise ValueError(f"{path}: no 'password=' line; delete the file to generate a new demo password")
