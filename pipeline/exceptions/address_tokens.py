"""Signed, expiring tokens for the "confirm your address" link: HMAC-SHA256 with the action token secret.

A token carries the exception, the order and its expiry; nothing personal. It is `<body>.<signature>`,
both base64url: the body is JSON, the signature is over the body and a purpose string, so a token made
for one purpose is refused for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.settings import Settings

PURPOSE = "address-confirmation"
SECRET_FILE = "action_token_secret"


class InvalidTokenError(ValueError):
    """Not a token we signed (tampered, truncated, another purpose). Rule `signature`."""

    field = "token"
    rule = "signature"


class ExpiredTokenError(ValueError):
    """A token we signed whose time is up. Rule `expired`."""

    field = "token"
    rule = "expired"


@dataclass(frozen=True)
class AddressToken:
    exception_id: int
    order_id: str
    expires_at: datetime


def token_secret(settings: Settings) -> bytes:
    """The configured secret; unset, a random one kept in the data directory (shared by every local
    process: the worker signs, the API verifies)."""
    if settings.action_token_secret is not None:
        return settings.action_token_secret.get_secret_value().encode()
    path = Path(settings.data_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = secrets.token_urlsafe(32)
        try:
            with path.open("x") as handle:
                handle.write(fresh)
            path.chmod(0o600)
        except FileExistsError:
            pass
    return path.read_text().strip().encode()


def sign(token: AddressToken, secret: bytes) -> str:
    body = json.dumps(
        {"x": token.exception_id, "o": token.order_id, "e": int(token.expires_at.timestamp())},
        separators=(",", ":"),
    ).encode()
    encoded = _b64(body)
    return f"{encoded}.{_b64(_mac(encoded, secret))}"


def issue(
    exception_id: int, order_id: str, now: datetime, ttl: timedelta, secret: bytes
) -> tuple[str, datetime]:
    """A signed token valid until now + ttl, and that instant."""
    expires_at = (now + ttl).astimezone(UTC).replace(microsecond=0)
    return sign(AddressToken(exception_id, order_id, expires_at), secret), expires_at


def verify(token: str, secret: bytes, now: datetime) -> AddressToken:
    """The token's content, if we signed it and it has not expired."""
    encoded, _, signature = token.partition(".")
    try:
        given = _unb64(signature)
        body = json.loads(_unb64(encoded))
        parsed = AddressToken(int(body["x"]), str(body["o"]), datetime.fromtimestamp(int(body["e"]), UTC))
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidTokenError(f"token: not a valid address-confirmation token ({error})") from None
    if not hmac.compare_digest(given, _mac(encoded, secret)):
        raise InvalidTokenError("token: the signature does not match (rule: signature)")
    if now >= parsed.expires_at:
        raise ExpiredTokenError(f"token: expired at {parsed.expires_at.isoformat()} (rule: expired)")
    return parsed


def _mac(encoded: str, secret: bytes) -> bytes:
    return hmac.new(secret, f"{PURPOSE}:{encoded}".encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
