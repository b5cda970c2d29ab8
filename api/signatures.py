"""Webhook authentication: does this raw body come from the carrier it claims, by that carrier's scheme?

The schemes are data (webhook_signatures.json), keyed by feed format. Comparisons are constant-time.
`verify` is pure: headers (lower-cased names), body bytes and the secret in, a verdict out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMES_FILE = Path(__file__).with_name("webhook_signatures.json")

VERIFIED = "verified"
NOT_CONFIGURED = "not_configured"


class SignatureScheme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["hmac_sha256_hex", "shared_secret"]
    header: str = Field(pattern=r"^[a-z0-9-]+$", description="Header name, lower case")
    prefix: str = ""


class SchemeTable(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    schemes: dict[str, SignatureScheme]


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    outcome: str  # verified | not_configured | missing | mismatch | no_scheme


@lru_cache(maxsize=1)
def schemes() -> dict[str, SignatureScheme]:
    return SchemeTable.model_validate(json.loads(SCHEMES_FILE.read_text())).schemes


def verify(feed_format: str, headers: Mapping[str, str], body: bytes, secret: str | None) -> Verdict:
    """Accept when no secret is configured; otherwise only a body the carrier's scheme authenticates."""
    if not secret:
        return Verdict(True, NOT_CONFIGURED)
    scheme = schemes().get(feed_format)
    if scheme is None:
        return Verdict(False, "no_scheme")
    given = headers.get(scheme.header)
    if not given or not given.startswith(scheme.prefix):
        return Verdict(False, "missing")
    presented = given[len(scheme.prefix) :].strip()
    if scheme.kind == "hmac_sha256_hex":
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        matches = hmac.compare_digest(expected.encode(), presented.lower().encode())
    else:
        matches = hmac.compare_digest(secret.encode(), presented.encode())
    return Verdict(True, VERIFIED) if matches else Verdict(False, "mismatch")
