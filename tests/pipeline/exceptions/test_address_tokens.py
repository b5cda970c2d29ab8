"""Address-confirmation tokens: signed, expiring, for one purpose, with nothing personal inside."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.exceptions.address_tokens import (
    ExpiredTokenError,
    InvalidTokenError,
    issue,
    token_secret,
    verify,
)
from pipeline.settings import Settings

NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
SECRET = b"s3cret"


def test_a_token_we_issued_verifies_until_it_expires() -> None:
    token, expires_at = issue(42, "SO-1", NOW, timedelta(hours=72), SECRET)

    parsed = verify(token, SECRET, NOW + timedelta(hours=71))

    assert (parsed.exception_id, parsed.order_id, parsed.expires_at) == (42, "SO-1", expires_at)
    with pytest.raises(ExpiredTokenError):
        verify(token, SECRET, expires_at)


def test_a_changed_body_another_secret_or_garbage_is_refused() -> None:
    token, _ = issue(42, "SO-1", NOW, timedelta(hours=1), SECRET)
    body, signature = token.split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"x": 43, "o": "SO-1", "e": 9999999999}).encode()).rstrip(
        b"="
    )

    for bad in (f"{forged.decode()}.{signature}", token + "x", "not-a-token", ""):
        with pytest.raises(InvalidTokenError):
            verify(bad, SECRET, NOW)
    with pytest.raises(InvalidTokenError):
        verify(token, b"another", NOW)


def test_the_token_carries_no_personal_data() -> None:
    token, _ = issue(42, "SO-1", NOW, timedelta(hours=1), SECRET)
    body = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert set(body) == {"x", "o", "e"}


def test_without_a_configured_secret_one_is_made_once_and_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first, again = token_secret(settings), token_secret(settings)
    assert first == again and len(first) >= 32
    assert (tmp_path / "action_token_secret").stat().st_mode & 0o777 == 0o600
    assert token_secret(Settings(action_token_secret="configured")) == b"configured"
