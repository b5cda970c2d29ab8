"""Data of the Admin page: the accounts and the kiosk links, for an admin only.

Both lists are small (people and screens, not orders): read through the pooled psycopg connection into
polars, and not cached, so that an action shows in the list at once. The admin check runs on the
server before anything is read (dashboard.accounts.require_admin).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, Engine, text

from dashboard.accounts import require_admin
from dashboard.auth import SignedInUser

UTC_INSTANT = pl.Datetime("us", "UTC")
USER_SCHEMA: dict[str, pl.DataType] = {
    "user_id": pl.Int64(),
    "username": pl.String(),
    "display_name": pl.String(),
    "role": pl.String(),
    "facility_id": pl.String(),
    "active": pl.Boolean(),
    "sso_only": pl.Boolean(),
    "created_at": UTC_INSTANT,
    "last_sign_in_at": UTC_INSTANT,
}
KIOSK_SCHEMA: dict[str, pl.DataType] = {
    "kiosk_id": pl.Int64(),
    "facility_id": pl.String(),
    "label": pl.String(),
    "created_by": pl.String(),
    "created_at": UTC_INSTANT,
    "last_seen_at": UTC_INSTANT,
    "revoked_at": UTC_INSTANT,
    "revoked_by": pl.String(),
}

USERS = text(
    """
    SELECT user_id, username, display_name, role, facility_id, active, password_hash IS NULL AS sso_only,
           created_at, last_sign_in_at
    FROM app_user
    ORDER BY lower(username)
    """
)

KIOSK_LINKS = text(
    """
    SELECT kiosk_id, facility_id, label, created_by, created_at, last_seen_at, revoked_at, revoked_by
    FROM kiosk_token
    ORDER BY revoked_at IS NOT NULL, facility_id, kiosk_id
    """
)


@dataclass(frozen=True)
class AdminData:
    users: pl.DataFrame  # USER_SCHEMA, by username
    kiosk_links: pl.DataFrame  # KIOSK_SCHEMA, active links first


def list_users(conn: Connection, actor: SignedInUser) -> pl.DataFrame:
    require_admin(conn, actor)
    return pl.DataFrame([tuple(row) for row in conn.execute(USERS)], schema=USER_SCHEMA, orient="row")


def list_kiosk_links(conn: Connection, actor: SignedInUser) -> pl.DataFrame:
    require_admin(conn, actor)
    return pl.DataFrame([tuple(row) for row in conn.execute(KIOSK_LINKS)], schema=KIOSK_SCHEMA, orient="row")


def load_admin(engine: Engine, actor: SignedInUser) -> AdminData:
    """Both lists, as the page shows them; raises dashboard.accounts.NotPermitted for a non-admin."""
    with engine.connect() as conn:
        return AdminData(users=list_users(conn, actor), kiosk_links=list_kiosk_links(conn, actor))
