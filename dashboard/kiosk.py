"""Kiosk links: a read-only view of one facility's live flow for a floor screen, with no sign-in.

A link carries a token of 32 random bytes (`?kiosk=TOKEN&facility=DC-RNO`). Only its SHA-256 is stored:
a fast hash is right for a token with 256 bits of entropy (nothing to brute-force, unlike a password),
and it lets a screen be checked on every refresh. The full link is shown once, when issued. Issuing
and revoking are admin actions, checked on the server and audited; checking a token needs no user.
The caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import Connection, func, insert, or_, select, update

from dashboard.accounts import AccountError, audit_admin_action, require_admin
from dashboard.auth import SignedInUser
from db.master_data import facilities
from db.models.kiosk import KioskToken

TOKEN_BYTES = 32
MAX_LABEL_LENGTH = 80
# A screen that refreshes every few seconds marks itself seen at most once a minute.
SEEN_EVERY = timedelta(minutes=1)
_MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True)
class IssuedKioskLink:
    kiosk_id: int
    facility_id: str
    label: str
    token: str  # shown once; never stored


@dataclass(frozen=True)
class KioskCheck:
    """A screen's token, checked: the facility it may show, or why it may not show anything."""

    kiosk_id: int | None
    facility_id: str | None
    refusal: str | None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def kiosk_url(base_url: str, token: str, facility_id: str) -> str:
    """The link to put on the screen: the app's root with the token and facility, in the dark theme."""
    query = urlencode({"kiosk": token, "facility": facility_id, "embed_options": "dark_theme"})
    return f"{base_url.rstrip('/')}/?{query}"


def issue_kiosk_link(conn: Connection, actor: SignedInUser, facility_id: str, label: str) -> IssuedKioskLink:
    require_admin(conn, actor)
    label = label.strip()
    if facility_id not in {item.facility_id for item in facilities()}:
        raise AccountError(f"facility {facility_id!r} is not a known facility")
    if not label or len(label) > MAX_LABEL_LENGTH:
        raise AccountError(f"label must be 1 to {MAX_LABEL_LENGTH} characters (say where the screen hangs)")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = conn.execute(
        insert(KioskToken)
        .values(facility_id=facility_id, label=label, token_hash=token_hash(token), created_by=actor.username)
        .returning(KioskToken.kiosk_id, KioskToken.created_at)
    ).one()
    audit_admin_action(
        conn,
        actor,
        action="kiosk_link_issued",
        entity_type="kiosk_token",
        entity_id=str(row.kiosk_id),
        before=None,
        after={
            "facility_id": facility_id,
            "label": label,
            "created_by": actor.username,
            "created_at": row.created_at.isoformat(),
        },
    )
    return IssuedKioskLink(kiosk_id=row.kiosk_id, facility_id=facility_id, label=label, token=token)


def revoke_kiosk_link(conn: Connection, actor: SignedInUser, kiosk_id: int) -> None:
    """Revoke a link: the screens showing it are refused from their next refresh on."""
    require_admin(conn, actor)
    link = conn.execute(
        select(KioskToken.facility_id, KioskToken.label, KioskToken.revoked_at)
        .where(KioskToken.kiosk_id == kiosk_id)
        .with_for_update()
    ).first()
    if link is None:
        raise AccountError(f"kiosk link {kiosk_id} does not exist")
    if link.revoked_at is not None:
        raise AccountError(f"kiosk link {kiosk_id} was already revoked at {link.revoked_at.isoformat()}")
    revoked_at = conn.execute(
        update(KioskToken)
        .where(KioskToken.kiosk_id == kiosk_id)
        .values(revoked_at=func.now(), revoked_by=actor.username)
        .returning(KioskToken.revoked_at)
    ).scalar_one()
    audit_admin_action(
        conn,
        actor,
        action="kiosk_link_revoked",
        entity_type="kiosk_token",
        entity_id=str(kiosk_id),
        before={"facility_id": link.facility_id, "label": link.label, "revoked_at": None},
        after={
            "facility_id": link.facility_id,
            "label": link.label,
            "revoked_at": revoked_at.isoformat(),
            "revoked_by": actor.username,
        },
    )


def check_kiosk_token(conn: Connection, token: str, facility_id: str | None, now: datetime) -> KioskCheck:
    """May a screen with `token` (asking for `facility_id`, when its link names one) show a live flow?

    Marks the link seen (at most once a minute). Unknown, revoked and wrong-facility tokens are
    refused with a sentence the screen can show.
    """
    digest = token_hash(token) if 0 < len(token) <= _MAX_TOKEN_LENGTH else None
    link = (
        conn.execute(
            select(
                KioskToken.kiosk_id, KioskToken.facility_id, KioskToken.token_hash, KioskToken.revoked_at
            ).where(KioskToken.token_hash == digest)
        ).first()
        if digest is not None
        else None
    )
    if link is None or not hmac.compare_digest(link.token_hash, digest):
        return KioskCheck(
            None, None, "This kiosk link is not valid. Ask an admin for a kiosk link for this screen."
        )
    if link.revoked_at is not None:
        return KioskCheck(
            link.kiosk_id,
            None,
            f"This kiosk link was revoked on {link.revoked_at:%Y-%m-%d}. Ask an admin for a new one.",
        )
    if facility_id is not None and facility_id != link.facility_id:
        return KioskCheck(
            link.kiosk_id,
            None,
            f"This kiosk link is for {link.facility_id}, not {facility_id}. Ask an admin for a link for "
            f"{facility_id}.",
        )
    conn.execute(
        update(KioskToken)
        .where(
            KioskToken.kiosk_id == link.kiosk_id,
            or_(KioskToken.last_seen_at.is_(None), KioskToken.last_seen_at < now - SEEN_EVERY),
        )
        .values(last_seen_at=now)
    )
    return KioskCheck(link.kiosk_id, link.facility_id, None)
