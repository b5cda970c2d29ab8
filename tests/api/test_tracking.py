"""The customer tracking API through a real server: what a customer sees, and what nobody else learns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine, text

from api.app import create_app
from api.tracking_tokens import issue, issue_tracking_link
from pipeline.exceptions import address_tokens
from pipeline.exceptions.detector import detect_exceptions
from pipeline.settings import Settings
from tests.api.live_server import live_server
from tests.canonical_factory import canonical_event
from tests.pipeline.exceptions.streams import carrier_event, load, order_until, received

PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)
SECRET = "tracking-test-secret"
TRACKED = "SO-51000001"  # shipped, delayed by weather, with a lane-model estimate and a message sent
SPLIT = "SO-51000002"  # two parcels, one delivered, no estimate computed yet
PHONE_ONLY = "SO-51000003"


def api_settings(**overrides: object) -> Settings:
    values = {
        "action_token_secret": SECRET,
        "public_base_url": "https://track.example",
        "api_rate_limit_per_minute": 100_000,
        "api_rate_limit_burst": 100_000,
        **overrides,
    }
    return Settings(**values)


def seed_orders(engine: Engine) -> None:
    """Three crafted orders, loaded through the real load path, plus an estimate and a sent message."""
    delay = carrier_event("DELIVERY_DELAYED", TRACKED, PLACED + timedelta(hours=13), reason="weather")
    split = [
        received(SPLIT, PLACED),
        canonical_event("ORDER_ALLOCATED", SPLIT, PLACED + timedelta(minutes=3)),
    ]
    for n, number in ((1, "1Z999AA10000000201"), (2, "1Z999AA10000000202")):
        shipment = f"{SPLIT}-{n}"
        label = canonical_event(
            "LABEL_PRINTED",
            SPLIT,
            PLACED + timedelta(minutes=70 + n),
            shipment_id=shipment,
            tracking_number=number,
        )
        pickup = canonical_event(
            "CARRIER_PICKUP", SPLIT, PLACED + timedelta(hours=5), shipment_id=shipment, tracking_number=number
        )
        split += [label, pickup]
    split.append(
        canonical_event(
            "DELIVERED",
            SPLIT,
            PLACED + timedelta(days=2),
            shipment_id=f"{SPLIT}-1",
            tracking_number="1Z999AA10000000201",
        )
    )
    phone_only = order_until(
        PHONE_ONLY, PLACED, "PICK_STARTED", email=None, tracking_number="1Z999AA10000000301"
    )
    load(engine, [*order_until(TRACKED, PLACED, "DEPARTED_HUB"), delay, *split, *phone_only])
    detect_exceptions(engine, now=PLACED + timedelta(hours=14))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO shipment_eta (shipment_id, order_id, source, likely_at, window_start, window_end,"
                " promised_delivery_by, basis, computed_at, changed_at)"
                " VALUES (:s, :o, 'lane_model', :likely, :start, :end, :promise, '{}', :at, :at)"
            ),
            {
                "s": f"{TRACKED}-1",
                "o": TRACKED,
                "likely": datetime(2026, 11, 19, 20, tzinfo=UTC),
                "start": datetime(2026, 11, 19, 6, tzinfo=UTC),  # midnight in Chicago
                "end": datetime(2026, 11, 21, 6, tzinfo=UTC),  # exclusive: the end of Friday the 20th
                "promise": PLACED + timedelta(days=4),
                "at": PLACED + timedelta(hours=14),
            },
        )
        conn.execute(
            text(
                "INSERT INTO notification (order_id, message_type, channel, dedupe_key, body, status, created_at,"
                " due_at, sent_at) VALUES (:o, 'delivery_delayed', 'sms', 'test-sent-1', :body, 'sent', :at, :at, :at)"
            ),
            {
                "o": TRACKED,
                "body": "Weather delay https://track.example/v1/address-confirmations/PRIVATE-LINK",
                "at": PLACED + timedelta(hours=14, minutes=5),
            },
        )


@pytest.fixture(scope="module")
def seeded(api_database_url: str, api_engine: Engine) -> str:
    seed_orders(api_engine)
    return api_database_url


@pytest.fixture(scope="module")
def api_url(seeded: str) -> Iterator[str]:
    with live_server(create_app(seeded, webhook_secret=None, settings=api_settings())) as url:
        yield url


def track(url: str, order_id: str, **params: str) -> httpx.Response:
    return httpx.get(f"{url}/v1/tracking/{order_id}", params=params, timeout=10)


def test_the_customer_sees_status_timeline_eta_and_alerts_in_plain_words(api_url: str) -> None:
    response = track(api_url, TRACKED, email="Ann.Lee@Example.com ")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["order_id"] == TRACKED and body["time_zone"] == "America/Chicago"
    assert body["status"]["text"] == "Delivery is delayed" and body["status"]["stage"] == "in_transit"
    received_entry = body["timeline"][0]
    assert received_entry["text"] == "We've received your order"
    assert received_entry["at"]["time_zone"] == "America/Los_Angeles"  # where it happened: the Reno DC
    assert received_entry["at"]["local"] == "Mon Nov 16, 9:05 AM PST"
    texts = [entry["text"] for entry in body["timeline"]]
    assert texts.count("We're picking your items") == 1  # PICK_STARTED and ITEM_PICKED read the same: once
    assert texts[-1] == "Delivery is delayed"
    eta = body["eta"]
    assert (eta["source"], eta["text"]) == ("lane_model", "Thursday, November 19 – Friday, November 20")
    assert (eta["first_day"], eta["last_day"]) == ("2026-11-19", "2026-11-20")
    assert eta["likely"]["local"] == "Thu Nov 19, 2026 2:00 PM CST"
    assert eta["promised_by"]["utc"].startswith("2026-11-20T17:05")
    (parcel,) = body["shipments"]
    assert parcel["tracking_number"] == "1Z999AA10000000001" and parcel["status"] == "Delivery is delayed"
    alerts = {(alert["kind"], alert["text"]) for alert in body["alerts"]}
    assert ("issue", "Delivery is delayed") in alerts
    assert ("message", f"Your order {TRACKED} is running late") in alerts


def test_the_answer_holds_no_personal_data_or_private_links(api_url: str) -> None:
    raw = track(api_url, TRACKED, postal_code="60614").text

    for secret in ("ann.lee", "example.com", "312", "0101", "60614", "PRIVATE-LINK", "address-confirmations"):
        assert secret not in raw


def test_postal_code_is_compared_without_spaces_and_accepts_zip_plus_four(api_url: str) -> None:
    assert track(api_url, TRACKED, postal_code=" 60614-1234").status_code == 200
    assert track(api_url, TRACKED, postal_code="60614", email="ann.lee@example.com").status_code == 200


def test_unknown_order_and_wrong_answers_get_the_very_same_404(api_url: str) -> None:
    answers = [
        track(api_url, "SO-59999999", email="ann.lee@example.com"),
        track(api_url, TRACKED, email="someone.else@example.com"),
        track(api_url, TRACKED, postal_code="10001"),
        track(api_url, TRACKED, postal_code="60614", email="someone.else@example.com"),
        track(api_url, PHONE_ONLY, email="ann.lee@example.com"),  # no email on the order: nothing matches
    ]

    assert {response.status_code for response in answers} == {404}
    assert len({response.content for response in answers}) == 1
    assert "email" in answers[0].json()["detail"]


def test_a_question_without_email_or_postal_code_is_refused_naming_the_fields(api_url: str) -> None:
    missing = track(api_url, TRACKED)
    malformed = track(api_url, "SO 1;DROP", email="ann.lee@example.com")

    assert missing.status_code == 422 and "email or postal_code" in missing.json()["detail"]
    assert malformed.status_code == 422


def test_a_split_order_has_one_entry_per_parcel_and_falls_back_to_the_promise(api_url: str) -> None:
    body = track(api_url, SPLIT, email="ann.lee@example.com").json()

    numbers = [parcel["tracking_number"] for parcel in body["shipments"]]
    assert sorted(numbers) == ["1Z999AA10000000201", "1Z999AA10000000202"]
    delivered, travelling = sorted(body["shipments"], key=lambda parcel: parcel["tracking_number"])
    assert delivered["status"] == "Your order has been delivered" and delivered["delivered"] is not None
    assert travelling["status"] == "Your order has shipped" and travelling["eta"]["source"] == "promise"
    assert body["eta"]["source"] == "promise" and body["eta"]["text"] == "By Friday, November 20"
    assert {entry["tracking_number"] for entry in body["timeline"]} >= set(numbers)


def test_a_tracking_link_shows_the_order_and_refuses_forgeries_and_expired_links(api_url: str) -> None:
    link, _ = issue_tracking_link(TRACKED, api_settings())
    path = link.removeprefix("https://track.example")
    by_email = track(api_url, TRACKED, email="ann.lee@example.com")
    expired, _ = issue(TRACKED, datetime.now(UTC) - timedelta(days=2), timedelta(days=1), SECRET.encode())
    other_secret, _ = issue(TRACKED, datetime.now(UTC), timedelta(days=1), b"not-our-secret")
    address_token, _ = address_tokens.issue(1, TRACKED, datetime.now(UTC), timedelta(days=1), SECRET.encode())

    by_link = httpx.get(f"{api_url}{path}", timeout=10)

    assert by_link.status_code == 200 and by_link.content == by_email.content
    assert httpx.get(f"{api_url}/v1/tracking/t/{expired}", timeout=10).status_code == 410
    for forged in (other_secret, address_token, path.rsplit("/", 1)[1][:-2] + "xx", "garbage"):
        assert httpx.get(f"{api_url}/v1/tracking/t/{forged}", timeout=10).status_code == 404


def test_etag_gives_304_until_the_order_changes(api_url: str, api_engine: Engine) -> None:
    first = track(api_url, SPLIT, postal_code="60614")
    etag = first.headers["etag"]

    again = httpx.get(
        f"{api_url}/v1/tracking/{SPLIT}", params={"postal_code": "60614"}, headers={"If-None-Match": etag}
    )
    load(
        api_engine,
        [
            canonical_event(
                "OUT_FOR_DELIVERY",
                SPLIT,
                PLACED + timedelta(days=2, hours=1),
                shipment_id=f"{SPLIT}-2",
                tracking_number="1Z999AA10000000202",
            )
        ],
    )
    changed = httpx.get(
        f"{api_url}/v1/tracking/{SPLIT}", params={"postal_code": "60614"}, headers={"If-None-Match": etag}
    )

    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["status"]["text"] == "Your order is out for delivery"


def test_the_openapi_document_describes_the_tracking_answer(api_url: str) -> None:
    document = httpx.get(f"{api_url}/openapi.json", timeout=10).json()
    docs = httpx.get(f"{api_url}/docs", timeout=10)

    assert docs.status_code == 200
    answer = document["paths"]["/v1/tracking/{order_id}"]["get"]["responses"]
    assert answer["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Tracking")
    assert {"404", "429", "304"} <= set(answer)
    assert {"Tracking", "EtaWindow", "ShipmentTracking", "Alert"} <= set(document["components"]["schemas"])


def test_metrics_count_answers_by_route_template_never_by_order(api_url: str) -> None:
    track(api_url, "SO-58888888", email="ann.lee@example.com")
    track(api_url, TRACKED, email="ann.lee@example.com")

    exposition = httpx.get(f"{api_url}/metrics", timeout=10).text

    assert 'waypoint_api_requests_total{route="/v1/tracking/{order_id}",status="404"}' in exposition
    assert 'waypoint_api_requests_total{route="/v1/tracking/{order_id}",status="200"}' in exposition
    assert 'waypoint_api_request_seconds_bucket{le="0.05",route="/v1/tracking/{order_id}"}' in exposition
    assert "SO-58888888" not in exposition and "ann.lee" not in exposition
