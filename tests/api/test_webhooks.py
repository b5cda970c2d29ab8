"""POST /webhooks/{carrier_id} on a real server: authenticated bodies land byte for byte and wake the drain;
anything else is refused and nothing lands."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import psycopg
import pytest
from sqlalchemy import Engine, text
from structlog.testing import capture_logs

from api.app import create_app
from db.engine import libpq_url
from tests.api.conftest import FIXTURE_SECRET
from tests.api.live_server import live_server
from tests.pipeline.sources.carriers.carrier_fixtures import webhook, webhook_headers

PUSHING_CARRIERS = ("fedex", "ontrac", "swiftmile", "ups")


@pytest.fixture(scope="module")
def api_url(api_database_url: str) -> Iterator[str]:
    with live_server(create_app(api_database_url, webhook_secret=FIXTURE_SECRET)) as url:
        yield url


def _post(url: str, carrier: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    sent = {name: value for name, value in headers.items() if name != "content-length"}
    return httpx.post(f"{url}/webhooks/{carrier}", content=body, headers=sent, timeout=10)


def _landed(engine: Engine, correlation_id: str):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT source, payload, headers, content_type, status FROM raw_inbox WHERE correlation_id = :c"
            ),
            {"c": correlation_id},
        ).all()


@pytest.mark.parametrize("carrier", PUSHING_CARRIERS)
def test_a_signed_webhook_is_accepted_and_landed_byte_for_byte(
    api_url: str, api_engine: Engine, carrier: str
) -> None:
    body = webhook(carrier, 1)

    response = _post(api_url, carrier, body, webhook_headers(carrier, 1))

    assert response.status_code == 202
    correlation_id = response.json()["correlation_id"]
    assert response.headers["x-correlation-id"] == correlation_id
    (row,) = _landed(api_engine, correlation_id)
    assert (row.source, bytes(row.payload), row.status) == (f"carrier:{carrier}", body, "pending")
    assert row.headers["signature"] == "verified"
    assert row.headers["user-agent"] == f"{carrier}-webhooks/1.0 (simulated)"


def test_the_secret_a_carrier_echoes_is_never_stored(api_url: str, api_engine: Engine) -> None:
    response = _post(api_url, "ups", webhook("ups", 2), webhook_headers("ups", 2))

    (row,) = _landed(api_engine, response.json()["correlation_id"])
    assert FIXTURE_SECRET not in str(row.headers)


def test_a_landed_webhook_wakes_a_listening_drain(api_url: str, api_database_url: str) -> None:
    with psycopg.connect(libpq_url(api_database_url), autocommit=True) as listener:
        listener.execute("LISTEN raw_inbox")
        response = _post(api_url, "fedex", webhook("fedex", 2), webhook_headers("fedex", 2))
        notices = list(listener.notifies(timeout=5.0, stop_after=1))

    assert response.status_code == 202
    assert [(notice.channel, notice.payload) for notice in notices] == [("raw_inbox", "carrier:fedex")]


def test_the_senders_correlation_id_is_kept(api_url: str, api_engine: Engine) -> None:
    headers = {**webhook_headers("swiftmile", 2), "X-Correlation-ID": "sm-delivery-0042"}

    response = _post(api_url, "swiftmile", webhook("swiftmile", 2), headers)

    assert response.json()["correlation_id"] == "sm-delivery-0042"
    assert len(_landed(api_engine, "sm-delivery-0042")) == 1


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("tampered body", lambda body, headers: (body.replace(b"OBETZ", b"OBETS"), headers)),
        ("wrong signature", lambda body, headers: (body, {**headers, "fdx-signature": "0" * 64})),
        (
            "no signature",
            lambda body, headers: (body, {k: v for k, v in headers.items() if k != "fdx-signature"}),
        ),
    ],
)
def test_a_body_that_fails_authentication_is_refused_logged_and_not_landed(
    api_url: str, api_engine: Engine, case: str, change
) -> None:
    body, headers = change(webhook("fedex", 1), webhook_headers("fedex", 1))

    with capture_logs() as logs:
        response = _post(api_url, "fedex", body, headers)

    assert response.status_code == 401, case
    correlation_id = response.json()["correlation_id"]
    assert _landed(api_engine, correlation_id) == []
    refused = [entry for entry in logs if entry["event"] == "webhook.refused"]
    assert [(entry["carrier"], entry["correlation_id"]) for entry in refused] == [("fedex", correlation_id)]


def test_a_wrong_ups_credential_is_refused(api_url: str) -> None:
    headers = {**webhook_headers("ups", 1), "credential": "guess"}

    assert _post(api_url, "ups", webhook("ups", 1), headers).status_code == 401


def test_a_carrier_that_cannot_authenticate_is_refused_while_a_secret_is_configured(api_url: str) -> None:
    response = _post(api_url, "usps", b"{}", {"content-type": "application/json"})

    assert (response.status_code, response.json()["detail"]) == (401, "signature no_scheme")


def test_an_unknown_carrier_is_404(api_url: str, api_engine: Engine) -> None:
    response = _post(api_url, "acme", webhook("fedex", 1), webhook_headers("fedex", 1))

    assert response.status_code == 404
    assert _landed(api_engine, response.json()["correlation_id"]) == []


def test_an_oversized_body_is_refused(api_url: str) -> None:
    response = _post(api_url, "fedex", b"x" * 1_048_577, {"content-type": "application/json"})

    assert response.status_code == 413


def test_without_a_secret_webhooks_land_unverified(api_database_url: str, api_engine: Engine) -> None:
    with live_server(create_app(api_database_url, webhook_secret=None)) as url:
        response = _post(url, "dhl", b'{"shipments": []}', {"content-type": "application/json"})

    assert response.status_code == 202
    (row,) = _landed(api_engine, response.json()["correlation_id"])
    assert (row.source, row.headers["signature"]) == ("carrier:dhl", "not_configured")
