"""Webhook authentication by each carrier's own scheme, on the signed fixtures."""

from __future__ import annotations

import pytest

from api.signatures import verify
from tests.api.conftest import FIXTURE_SECRET
from tests.pipeline.sources.carriers.carrier_fixtures import webhook, webhook_headers

SIGNED = {"fedex": "fedex", "ontrac": "easypost", "swiftmile": "lastmile", "ups": "ups"}


@pytest.mark.parametrize("carrier", sorted(SIGNED))
def test_the_fixtures_are_verified_with_the_secret_they_were_signed_with(carrier: str) -> None:
    verdict = verify(SIGNED[carrier], webhook_headers(carrier, 1), webhook(carrier, 1), FIXTURE_SECRET)

    assert (verdict.accepted, verdict.outcome) == (True, "verified")


@pytest.mark.parametrize("carrier", sorted(SIGNED))
def test_another_secret_or_another_body_is_a_mismatch(carrier: str) -> None:
    headers, body = webhook_headers(carrier, 1), webhook(carrier, 1)

    assert verify(SIGNED[carrier], headers, body, "another-secret").outcome == "mismatch"
    if carrier != "ups":  # UPS echoes a credential: it does not sign the body
        assert (
            verify(SIGNED[carrier], headers, body.replace(b"}", b" }", 1), FIXTURE_SECRET).outcome
            == "mismatch"
        )


def test_a_missing_header_or_prefix_is_missing() -> None:
    headers = webhook_headers("swiftmile", 1)
    body = webhook("swiftmile", 1)
    bare = {**headers, "x-swiftmile-signature": headers["x-swiftmile-signature"].removeprefix("sha256=")}

    assert verify("lastmile", {}, body, FIXTURE_SECRET).outcome == "missing"
    assert verify("lastmile", bare, body, FIXTURE_SECRET).outcome == "missing"


def test_without_a_configured_secret_everything_is_accepted_unverified() -> None:
    verdict = verify("fedex", {}, b"{}", None)

    assert (verdict.accepted, verdict.outcome) == (True, "not_configured")


def test_a_format_with_no_scheme_is_refused_once_a_secret_is_configured() -> None:
    verdict = verify("usps", {}, b"{}", FIXTURE_SECRET)

    assert (verdict.accepted, verdict.outcome) == (False, "no_scheme")


def test_a_signature_with_characters_outside_ascii_is_a_mismatch_not_an_error() -> None:
    headers = {"fdx-signature": "é" * 64}

    assert verify("fedex", headers, b"{}", FIXTURE_SECRET).outcome == "mismatch"
