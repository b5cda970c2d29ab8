"""The simulated source systems' HTTP APIs answer in each vendor's shape, from the rendered tables."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import polars as pl
import psycopg
import pytest
from fastapi.testclient import TestClient

from db.engine import libpq_url
from simulator.catalog import INVENTORY_SCHEMA, SKU_SCHEMA, WorldCatalog
from simulator.http_api import create_app
from simulator.sources.store_tool import inventory_rows
from tests.simulator.sample_world import sample_truth
from tests.simulator.source_db import copy_frame, database_urls, fill, source_databases

TOKEN = "store-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def client(server_url: str) -> Iterator[TestClient]:
    with source_databases(server_url) as main_url:
        fill(main_url, sample_truth())
        inventory = pl.DataFrame(
            {"facility_id": ["ST-022", "ST-022", "DC-RNO"], "sku": ["WP-100002", "WP-100001", "WP-100001"],
             "on_hand": [3, 7, 900]},
            schema=INVENTORY_SCHEMA,
        )  # fmt: skip
        (rendered,) = inventory_rows(
            WorldCatalog(seed=1, skus=pl.DataFrame(schema=SKU_SCHEMA), inventory=inventory)
        )
        with psycopg.connect(libpq_url(database_urls(main_url)["sim"])) as conn:
            copy_frame(conn, rendered.table, rendered.rows)
        with TestClient(create_app(main_url, store_api_token=TOKEN)) as test_client:
            yield test_client


# ---- store allocation tool ---------------------------------------------------------------------


def test_store_api_needs_the_bearer_token(client: TestClient) -> None:
    assert client.get("/store-api/v1/events").status_code == 401
    assert client.get("/store-api/v1/events", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_store_events_page_by_cursor_until_the_end(client: TestClient) -> None:
    first = client.get("/store-api/v1/events", params={"cursor": 0, "limit": 4}, headers=AUTH).json()
    assert len(first["events"]) == 4 and first["has_more"] is True
    cursors = [event["cursor"] for event in first["events"]]
    assert cursors == sorted(cursors) and first["next_cursor"] == cursors[-1]
    rest = client.get(
        "/store-api/v1/events", params={"cursor": first["next_cursor"], "limit": 500}, headers=AUTH
    )
    body = rest.json()
    assert body["has_more"] is False and len(first["events"]) + len(body["events"]) == 11
    after_end = client.get(
        "/store-api/v1/events", params={"cursor": body["next_cursor"]}, headers=AUTH
    ).json()
    assert after_end == {"events": [], "next_cursor": body["next_cursor"], "has_more": False}


def test_store_event_carries_local_time_without_offset_and_the_tools_names(client: TestClient) -> None:
    body = client.get("/store-api/v1/orders/SO-00012347/events", headers=AUTH).json()
    created = body["events"][0]
    assert created["type"] == "order.created" and created["store_id"] == "ST-022"
    # 2026-10-30 20:12:05Z is 13:12:05 in Phoenix (no DST there)
    assert created["occurred_at"] == "2026-10-30T13:12:05"
    assert created["data"]["fulfillment_type"] == "SHIP_FROM_STORE"
    assert [event["type"] for event in body["events"]][-1] == "label.created"


def test_store_inventory(client: TestClient) -> None:
    body = client.get("/store-api/v1/inventory", params={"store_id": "ST-022"}, headers=AUTH).json()
    assert body == {
        "store_id": "ST-022",
        "items": [{"sku": "WP-100001", "on_hand": 7}, {"sku": "WP-100002", "on_hand": 3}],
    }


def test_store_api_limits_and_unknowns(client: TestClient) -> None:
    assert client.get("/store-api/v1/events", params={"limit": 501}, headers=AUTH).status_code == 422
    assert client.get("/store-api/v1/orders/SO-99999999/events", headers=AUTH).status_code == 404
    assert (
        client.get("/store-api/v1/inventory", params={"store_id": "ST-099"}, headers=AUTH).status_code == 404
    )


# ---- carriers -----------------------------------------------------------------------------------


def test_ups_details_lists_activity_newest_first_with_local_and_gmt_times(client: TestClient) -> None:
    body = client.get("/ups/api/track/v1/details/1Z4A7W290398615727").json()
    package = body["trackResponse"]["shipment"][0]["package"][0]
    activity = package["activity"]
    assert activity[0]["status"]["code"] == "KB" and package["deliveryInformation"]["receivedBy"] == "RUIZ"
    assert activity[-1]["status"]["type"] == "P"
    delivered = activity[0]  # 2026-11-02 21:37Z in San Francisco, after the change back to PST
    assert (delivered["date"], delivered["time"]) == ("20261102", "133700")
    assert (delivered["gmtDate"], delivered["gmtTime"], delivered["gmtOffset"]) == (
        "20261102",
        "21:37:00",
        "-08:00",
    )


def test_ups_unknown_number_is_its_not_found_error(client: TestClient) -> None:
    response = client.get("/ups/api/track/v1/details/1Z0000000000000000")
    assert response.status_code == 404
    assert response.json()["response"]["errors"][0]["code"] == "TW0001"


def test_fedex_tracks_several_numbers_and_reports_unknown_ones_inline(client: TestClient) -> None:
    request = {
        "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": n}} for n in ("794619838472", "000")]
    }
    results = client.post("/fedex/track/v1/trackingnumbers", json=request).json()["output"][
        "completeTrackResults"
    ]
    found, missing = (result["trackResults"][0] for result in results)
    assert found["latestStatusDetail"]["code"] == "DL"
    assert [scan["eventType"] for scan in found["scanEvents"]][-1] == "PU"
    assert missing["error"]["code"] == "TRACKING.TRACKINGNUMBER.NOTFOUND"


def test_fedex_refuses_more_than_30_numbers(client: TestClient) -> None:
    request = {"trackingInfo": [{"trackingNumberInfo": {"trackingNumber": str(n)}} for n in range(31)]}
    assert client.post("/fedex/track/v1/trackingnumbers", json=request).status_code == 422


def test_usps_detail_has_local_timestamps_without_offset(client: TestClient) -> None:
    body = client.get("/usps/tracking/v3/tracking/9405511899223197428490", params={"expand": "DETAIL"}).json()
    events = body["trackingEvents"]
    assert len(events) == 3 and events[0]["eventCode"] == "01" and events[0]["name"] == "M. YAZZIE"
    assert (
        events[-1]["eventTimestamp"] == "2026-10-30T17:12:05"
    )  # 2026-10-31 00:12:05Z in Tempe (MST all year)
    summary = client.get("/usps/tracking/v3/tracking/9405511899223197428490").json()
    assert len(summary["trackingEvents"]) == 1


def test_dhl_shipment_with_events_and_problem_json_for_unknown(client: TestClient) -> None:
    shipment = client.get("/dhl/track/shipments", params={"trackingNumber": "GM2951173225174494"}).json()
    first = shipment["shipments"][0]
    assert first["status"]["status"] == "WEATHER DELAY" and first["estimatedTimeOfDelivery"] == "2026-11-04"
    missing = client.get("/dhl/track/shipments", params={"trackingNumber": "nope"})
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(
        "application/problem+json"
    )


def test_easypost_tracker_by_id_and_by_tracking_code(client: TestClient) -> None:
    listed = client.get("/easypost/v2/trackers", params={"tracking_code": "D10011234567890"}).json()[
        "trackers"
    ]
    tracker_id = listed[0]["id"]
    tracker = client.get(f"/easypost/v2/trackers/{tracker_id}").json()
    assert tracker["status"] == "delivered" and tracker["signed_by"] == "L. CHEN"
    assert [detail["status_detail"] for detail in tracker["tracking_details"]][
        0
    ] == "received_at_origin_facility"
    assert client.get("/easypost/v2/trackers/trk_0").status_code == 404


def test_swiftmile_events_in_destination_local_time(client: TestClient) -> None:
    events = client.get("/swiftmile/v1/parcels/SWM0000482211/events").json()["events"]
    assert [event["status"]["code"] for event in events] == ["SM10", "SM30", "SM81", "SM40"]
    assert events[0]["local_time"] == "2026-10-31T07:12:05"  # 14:12:05Z in San Francisco (PDT)
    assert client.get("/swiftmile/v1/parcels/NOPE/events").status_code == 404


# ---- helpdesk -----------------------------------------------------------------------------------


def test_incremental_tickets_show_latest_state_with_order_ref(client: TestClient) -> None:
    body = client.get("/helpdesk/api/v2/incremental/tickets", params={"start_time": 0}).json()
    assert body["end_of_stream"] is True and body["count"] == 2
    tickets = {ticket["id"]: ticket for ticket in body["tickets"]}
    support, refund = tickets[512340007], tickets[10_000_012_345]
    assert support["status"] == "open" and "issue_damaged_item" in support["tags"]
    assert support["created_at"] == "2026-11-03T16:45:00Z"
    assert refund["status"] == "solved" and refund["subject"].startswith("Return request RMA-00012345")
    assert {"id": 360_012_345_671, "value": "SO-00012345"} in refund["custom_fields"]


def test_incremental_export_pages_with_end_time(client: TestClient) -> None:
    first = client.get(
        "/helpdesk/api/v2/incremental/ticket_events", params={"start_time": 0, "per_page": 3}
    ).json()
    assert first["count"] == 3 and first["end_of_stream"] is False
    assert f"start_time={first['end_time']}" in first["next_page"]
    rest = client.get(
        "/helpdesk/api/v2/incremental/ticket_events", params={"start_time": first["end_time"], "per_page": 3}
    ).json()
    assert rest["end_of_stream"] is True
    assert {event["id"] for event in first["ticket_events"] + rest["ticket_events"]} == {1, 2, 3, 4}


def test_satisfaction_ratings_since_start_time(client: TestClient) -> None:
    body = client.get("/helpdesk/api/v2/satisfaction_ratings", params={"start_time": 0}).json()
    rating = body["satisfaction_ratings"][0]
    assert (rating["score"], rating["external_id"]) == (5, "SO-00012351")
    later = int(datetime(2026, 12, 1, tzinfo=UTC).timestamp())
    assert (
        client.get("/helpdesk/api/v2/satisfaction_ratings", params={"start_time": later}).json()["count"] == 0
    )


# ---- failure injection --------------------------------------------------------------------------


def test_armed_faults_fail_the_next_requests_then_clear(client: TestClient) -> None:
    armed = client.post(
        "/_sim/faults", json={"path_prefix": "/ups/", "mode": "error", "count": 2, "status": 503}
    )
    assert armed.status_code == 201
    path = "/ups/api/track/v1/details/1Z4A7W290398615727"
    assert [client.get(path).status_code for _ in range(3)] == [503, 503, 200]
    client.post("/_sim/faults", json={"path_prefix": "/dhl/", "mode": "rate_limit", "count": 1})
    limited = client.get("/dhl/track/shipments", params={"trackingNumber": "GM2951173225174494"})
    assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
    client.post("/_sim/faults", json={"path_prefix": "/swiftmile/", "mode": "timeout", "delay_seconds": 0.05})
    assert client.get("/swiftmile/v1/parcels/SWM0000482211/events").status_code == 504
    client.post("/_sim/faults", json={"path_prefix": "/usps/", "count": 5})
    assert len(client.get("/_sim/faults").json()["faults"]) == 1
    assert client.delete("/_sim/faults").status_code == 204
    assert client.get("/_sim/faults").json() == {"faults": []}
    assert client.get("/_sim/health").json() == {"status": "ok"}
