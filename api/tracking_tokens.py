"""Signed, expiring tracking links: `GET /v1/tracking/t/<token>` shows an order without asking for its email.

The same construction as the address-confirmation link (pipeline/exceptions/address_tokens.py) — HMAC-SHA256
with the action token secret, over the body and a purpose string — under its own purpose, so neither
token is accepted in place of the other. A token carries the order id and its expiry, nothing personal.
Issued by `waypoint api token ORDER_ID` or by `issue_tracking_link` (for messages to the customer).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipeline.exceptions.address_tokens import ExpiredTokenError, InvalidTokenError, token_secret
from pipeline.settings import Settings

PURPOSE = "order-tracking"
TRACKING_TOKEN_PATH = "/v1/tracking/t/{token}"

__all__ = [
    "ExpiredTokenError",
    "InvalidTokenError",
    "TrackingToken",
    "issue",
    "issue_tracking_link",
    "verify",
]


@dataclass(frozen=True)
class TrackingToken:
    order_id: str
    expires_at: datetime


def issue(order_id: str, now: datetime, ttl: timedelta, secret: bytes) -> tuple[str, datetime]:
    """A signed token for `order_id` valid until now + ttl (whole seconds), and that instant."""
    expires_at = (now + ttl).astimezone(UTC).replace(microsecond=0)
    body = json.dumps({"o": order_id, "e": int(expires_at.timestamp())}, separators=(",", ":")).encode()
    encoded = _b64(body)
    return f"{encoded}.{_b64(_mac(encoded, secret))}", expires_at


def verify(token: str, secret: bytes, now: datetime) -> TrackingToken:
    """The token's order, if we signed it for tracking and it has not expired (signature checked in
    constant time before the expiry is looked at)."""
    encoded, _, signature = token.partition(".")
    try:
        given = _unb64(signature)
        body = json.loads(_unb64(encoded))
        parsed = TrackingToken(str(body["o"]), datetime.fromtimestamp(int(body["e"]), UTC))
    except (ValueError, KeyError, TypeError, OverflowError, OSError) as error:
        raise InvalidTokenError(f"token: not a valid tracking token ({type(error).__name__})") from None
    if not hmac.compare_digest(given, _mac(encoded, secret)):
        raise InvalidTokenError("token: the signature does not match (rule: signature)")
    if now >= parsed.expires_at:
        raise ExpiredTokenError(f"token: expired at {parsed.expires_at.isoformat()} (rule: expired)")
    return parsed


def issue_tracking_link(
    order_id: str, settings: Settings, now: datetime | None = None
) -> tuple[str, datetime]:
    """The customer's tracking URL below settings.public_base_url, and when it stops working."""
    ttl = timedelta(days=settings.tracking_token_ttl_days)
    token, expires_at = issue(order_id, now or datetime.now(UTC), ttl, token_secret(settings))
    return settings.public_base_url.rstrip("/") + TRACKING_TOKEN_PATH.format(token=token), expires_at


def _mac(encoded: str, secret: bytes) -> bytes:
    return hmac.new(secret, f"{PURPOSE}:{encoded}".encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
