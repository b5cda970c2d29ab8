"""POST /webhooks/notifications/sms on a real server: the SMS provider's signed delivery receipts land on
the outbox row; a forged, malformed or stale receipt changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine, text

from api.app import create_app
from pipeline.notify.outbox import enqueue
from pipeline.notify.templates import load_templates, message_context
from pipeline.settings import Settings
from tests.api.live_server import live_server
from tests.pipeline.exceptions.streams import load, received

SECRET = "receipt-secret"
SENT_AT = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def api_url(api_database_url: str) -> Iterator[str]:
    with live_server(create_app(api_database_url, settings=Settings(sms_webhook_secret=SECRET))) as url:
        yield url


def sent_text(engine: Engine, order_id: str, provider_message_id: str) -> int:
    """A text message to the order's customer, sent and acknowledged by the provider as `queued`."""
    load(engine, [received(order_id, SENT_AT - timedelta(days=1))])
    context = message_context(
        load_templates(), order_id, {"reason": "weather", "new_estimated_delivery": "2026-11-19"}
    )
    with engine.begin() as conn:
        notification_id = enqueue(conn, order_id=order_id, message_type="delivery_delayed", context=context,
                                  key=f"{order_id}:delayed", now=SENT_AT, settings=Settings()).notification_id  # fmt: skip
        conn.execute(
            text("UPDATE notification SET status = 'sent', sent_at = :at, provider_message_id = :p,"
                 " delivery_status = 'queued', delivery_status_at = :at WHERE notification_id = :i"),
            {"at": SENT_AT, "p": provider_message_id, "i": notification_id},
        )  # fmt: skip
    return notification_id


def delivery(engine: Engine, notification_id: int) -> tuple:
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT delivery_status, delivery_status_at FROM notification WHERE notification_id = :i"
                ),
                {"i": notification_id},
            ).one()
        )


def post(url: str, receipt: dict, *, secret: str | None = SECRET) -> httpx.Response:
    body = json.dumps(receipt).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-SMS-Signature"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return httpx.post(f"{url}/webhooks/notifications/sms", content=body, headers=headers, timeout=10)


def test_a_signed_receipt_records_the_delivery_status(api_url: str, api_engine: Engine) -> None:
    notification_id = sent_text(api_engine, "SO-71000001", "SM-delivered")
    at = SENT_AT + timedelta(seconds=12)

    response = post(api_url, {"id": "SM-delivered", "status": "delivered", "at": at.isoformat()})

    assert (response.status_code, response.json()) == (202, {"recorded": True})
    assert delivery(api_engine, notification_id) == ("delivered", at)


def test_an_older_receipt_does_not_overwrite_a_newer_one(api_url: str, api_engine: Engine) -> None:
    notification_id = sent_text(api_engine, "SO-71000002", "SM-late-report")
    failed_at = SENT_AT + timedelta(minutes=2)
    post(api_url, {"id": "SM-late-report", "status": "undelivered", "at": failed_at.isoformat()})

    stale = post(
        api_url,
        {"id": "SM-late-report", "status": "sent", "at": (SENT_AT + timedelta(seconds=1)).isoformat()},
    )

    assert stale.json() == {"recorded": False}
    assert delivery(api_engine, notification_id) == ("undelivered", failed_at)


@pytest.mark.parametrize(
    ("secret", "reason"), [(None, "signature missing"), ("somebody-elses-secret", "signature mismatch")]
)
def test_an_unsigned_or_forged_receipt_is_refused_and_changes_nothing(
    api_url: str, api_engine: Engine, secret: str | None, reason: str
) -> None:
    notification_id = sent_text(api_engine, f"SO-7100001{len(reason)}", f"SM-forged-{len(reason)}")
    receipt = {"id": f"SM-forged-{len(reason)}", "status": "undelivered", "at": SENT_AT.isoformat()}

    response = post(api_url, receipt, secret=secret)

    assert (response.status_code, response.json()["detail"]) == (401, reason)
    assert delivery(api_engine, notification_id) == ("queued", SENT_AT)


@pytest.mark.parametrize(
    ("receipt", "field", "rule"),
    [
        ({"id": "SM-x", "status": "delivered", "at": "2026-11-17T15:00:12"}, "at", "timezone_aware"),
        ({"id": "SM-x", "status": "read", "at": "2026-11-17T15:00:12Z"}, "status", "literal_error"),
        ({"status": "delivered", "at": "2026-11-17T15:00:12Z"}, "id", "missing"),
    ],
)
def test_a_malformed_receipt_is_refused_naming_the_field_and_the_rule(
    api_url: str, receipt: dict, field: str, rule: str
) -> None:
    response = post(api_url, receipt)

    assert response.status_code == 422
    assert {"field": field, "rule": rule} in [
        {"field": p["field"], "rule": p["rule"]} for p in response.json()["problems"]
    ]


def test_a_receipt_for_a_message_waypoint_never_sent_is_acknowledged_without_effect(api_url: str) -> None:
    response = post(api_url, {"id": "SM-unknown", "status": "delivered", "at": SENT_AT.isoformat()})

    assert (response.status_code, response.json()) == (202, {"recorded": False})
