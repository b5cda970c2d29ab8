"""What an admin does to accounts: create, deactivate or reactivate, reset a password. Also the admin
check and the audit row every admin action starts and ends with (kiosk links use them too).

The check runs on the server against app_user, not against the role remembered in the browser session:
an admin who has been deactivated or demoted since signing in is refused. The caller owns the
transaction; every change and its audit row (who, when, what, before and after) commit together.
Passwords and their hashes never reach the audit log.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, update

from dashboard.auth import SignedInUser, hash_password
from db.master_data import facilities
from db.models.access import ROLES, AppUser, AuditLog

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{2,119}$")
MIN_PASSWORD_LENGTH = 12


class NotPermitted(PermissionError):
    """The acting user may not do this (not an active admin, or an action on oneself that would lock out)."""


class AccountError(ValueError):
    """A request that breaks a rule; the message names the field and the rule."""


@dataclass(frozen=True)
class CreatedUser:
    user_id: int
    username: str


def require_admin(conn: Connection, actor: SignedInUser) -> None:
    """Refuse unless `actor` is, right now in app_user, an active admin."""
    row = conn.execute(select(AppUser.role, AppUser.active).where(AppUser.user_id == actor.user_id)).first()
    if actor.role != "admin" or row is None or row.role != "admin" or not row.active:
        raise NotPermitted(
            f"{actor.username} may not administer Waypoint: only an active admin may issue kiosk links or "
            "manage users"
        )


def audit_admin_action(
    conn: Connection,
    actor: SignedInUser,
    *,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict | None,
    after: dict | None,
    note: str | None = None,
) -> None:
    conn.execute(
        insert(AuditLog).values(
            actor=actor.username,
            actor_role=actor.role,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
            note=note,
        )
    )


def new_temporary_password() -> str:
    """16 URL-safe characters (96 random bits), for the admin to hand over once."""
    return secrets.token_urlsafe(12)


def create_user(
    conn: Connection,
    actor: SignedInUser,
    *,
    username: str,
    display_name: str,
    role: str,
    facility_id: str | None,
    temporary_password: str,
) -> CreatedUser:
    require_admin(conn, actor)
    username, display_name = username.strip(), display_name.strip()
    if not USERNAME.match(username):
        raise AccountError(
            "username must be 3 to 120 characters: letters, digits and . _ @ + -, starting with a letter or digit"
        )
    if not display_name:
        raise AccountError("display name must not be empty")
    if role not in ROLES:
        raise AccountError(f"role must be one of {sorted(ROLES)}, not {role!r}")
    _check_facility(facility_id)
    _check_password(temporary_password)
    taken = conn.execute(
        select(AppUser.user_id).where(func.lower(AppUser.username) == username.lower())
    ).first()
    if taken is not None:
        raise AccountError(f"username {username!r} is already taken (usernames ignore case)")
    after = {"username": username, "display_name": display_name, "role": role, "facility_id": facility_id}
    user_id = conn.execute(
        insert(AppUser)
        .values(**after, password_hash=hash_password(temporary_password), active=True)
        .returning(AppUser.user_id)
    ).scalar_one()
    audit_admin_action(
        conn,
        actor,
        action="user_created",
        entity_type="app_user",
        entity_id=username,
        before=None,
        after={**after, "active": True},
        note="temporary password set",
    )
    return CreatedUser(user_id=user_id, username=username)


def set_user_active(conn: Connection, actor: SignedInUser, user_id: int, active: bool) -> None:
    """Deactivate (the user can no longer sign in) or reactivate an account."""
    require_admin(conn, actor)
    user = _locked_user(conn, user_id)
    if not active and user_id == actor.user_id:
        raise NotPermitted("an admin may not deactivate their own account (ask another admin)")
    if user.active == active:
        raise AccountError(f"user {user.username!r} is already {'active' if active else 'inactive'}")
    conn.execute(update(AppUser).where(AppUser.user_id == user_id).values(active=active))
    audit_admin_action(
        conn,
        actor,
        action="user_reactivated" if active else "user_deactivated",
        entity_type="app_user",
        entity_id=user.username,
        before={"active": user.active},
        after={"active": active},
    )


def reset_password(conn: Connection, actor: SignedInUser, user_id: int, temporary_password: str) -> None:
    """Replace the user's password with a temporary one the admin hands over."""
    require_admin(conn, actor)
    _check_password(temporary_password)
    user = _locked_user(conn, user_id)
    conn.execute(
        update(AppUser)
        .where(AppUser.user_id == user_id)
        .values(password_hash=hash_password(temporary_password))
    )
    audit_admin_action(
        conn,
        actor,
        action="user_password_reset",
        entity_type="app_user",
        entity_id=user.username,
        before={"has_password": user.password_hash is not None},
        after={"has_password": True},
        note="temporary password set",
    )


def _locked_user(conn: Connection, user_id: int):
    user = conn.execute(
        select(AppUser.username, AppUser.active, AppUser.password_hash)
        .where(AppUser.user_id == user_id)
        .with_for_update()
    ).first()
    if user is None:
        raise AccountError(f"user_id {user_id} does not exist")
    return user


def _check_facility(facility_id: str | None) -> None:
    if facility_id is not None and facility_id not in {item.facility_id for item in facilities()}:
        raise AccountError(f"facility {facility_id!r} is not a known facility")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"temporary password must be at least {MIN_PASSWORD_LENGTH} characters")
