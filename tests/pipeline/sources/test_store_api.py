"""The store allocation tool's events become canonical events in each store's own zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from pipeline.canonical import validate_event
from pipeline.drain import drain_batch
from pipeline.inbox import Arrival, land
from pipeline.quarantine import open_records
from pipeline.sources.base import ParseContext, Rejection
from pipeline.sources.store_api import adapter, store_tool
from simulator.sources.store_tool import event_names
from tests.canonical_factory import REGISTRY, ZONES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "store_tool"


def body(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())["body"]


def parse(payload: dict | bytes) -> list:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return list(adapter("stores").parse(data, ParseContext("stores", datetime.now(UTC), ZONES)))


def page(*events: dict) -> dict:
    return {"events": list(events), "next_cursor": 99, "has_more": False}


def event(name: str, data: dict | None = None, **fields) -> dict:
    base = {"cursor": 50, "id": "se_1", "type": name, "store_id": "ST-022", "order_ref": "SO-00099999",
            "occurred_at": "2026-10-30T13:12:05", "associate_id": "ST022-A07", "data": data or {}}  # fmt: skip
    return {**base, **fields}


def by_id(parsed: list) -> dict[str, dict]:
    return {item["event_id"]: item for item in parsed if not isinstance(item, Rejection)}


def test_a_feed_page_becomes_events_with_the_tools_ids_and_cursors() -> None:
    parsed = parse(body("events_page"))

    assert not [item for item in parsed if isinstance(item, Rejection)]
    assert [item["sequence"] for item in parsed] == list(range(1, 12))
    assert [item["event_type"] for item in parsed][:4] == [
        "ORDER_RECEIVED",
        "ORDER_RECEIVED",
        "ORDER_ALLOCATED",
        "ORDER_REALLOCATED",
    ]
    for item in parsed:
        validate_event(item, REGISTRY, ZONES)


def test_store_wall_time_is_read_in_the_stores_own_zone() -> None:
    events = by_id(parse(body("events_page")))

    phoenix = events["se_5633754730571111408"]  # ST-022, 13:12:05 MST (Phoenix keeps no DST)
    manhattan = events["se_1374620629399265615"]  # ST-001, 16:12:05 EDT
    assert (phoenix["facility_id"], phoenix["occurred_at"]) == ("ST-022", "2026-10-30T20:12:05Z")
    assert (manhattan["facility_id"], manhattan["occurred_at"]) == ("ST-001", "2026-10-30T20:12:05Z")


def test_a_ship_from_store_order_ships_to_the_customer_and_a_pickup_order_to_the_store() -> None:
    events = by_id(parse(body("events_page")))

    ship = events["se_5633754730571111408"]["attributes"]
    pickup = events["se_1374620629399265615"]["attributes"]
    assert ship["fulfillment"] == "ship"
    assert ship["destination"] == {"postal_code": "85004", "country": "US", "time_zone": "America/Phoenix",
                                   "city": "Phoenix", "state": "AZ"}  # fmt: skip
    assert ship["customer"] == {"email": "so-00012347@example.com", "phone": "+14155550142"}
    assert ship["lines"] == [{"line_no": 1, "sku": "WP-100001", "qty": 1, "uom": "EA"}]
    assert pickup["fulfillment"] == "store_pickup"
    assert pickup["destination"] == {
        "postal_code": "10001",
        "country": "US",
        "time_zone": "America/New_York",
        "state": "NY",
    }
    # The tool sends no ship-by: the promise stands in for it (documented in store_api.py).
    assert ship["ship_by"] == ship["promised_delivery_by"] == "2026-11-04T07:59:59Z"


def test_label_pack_and_rejection_carry_their_facts() -> None:
    events = by_id(parse(body("events_page")))

    label = events["se_2539252509635185270"]
    assert label["attributes"] == {
        "carrier": "usps",
        "service_level": "PRIORITY_MAIL",
        "tracking_number": "9405511899223197428490",
    }
    assert (label["shipment_id"], label["carrier"], label["tracking_number"]) == (
        "SO-00012347-1",
        "usps",
        "9405511899223197428490",
    )
    assert events["se_3403645003687505597"]["attributes"] == {"operator_id": "ST022-A07", "carton_id": "PKG-ST022-88120",
                                                             "weight_kg": 0.349}  # fmt: skip  # 12.3 oz
    assert events["se_5651771880332982278"]["attributes"] == {
        "reason": "no_stock",
        "from_facility": "ST-001",
        "to_facility": "ST-002",
    }


def test_one_orders_events_parse_like_the_feed() -> None:
    order = parse(body("order_events"))
    feed = by_id(parse(body("events_page")))

    assert [item["event_id"] for item in order] == ["se_1374620629399265615", "se_5651771880332982278",
                                                    "se_14294259518982564259", "se_11781118215741777579"]  # fmt: skip
    assert all(item == feed[item["event_id"]] for item in order)


def test_every_event_name_the_simulated_tool_writes_is_mapped() -> None:
    header, codes = store_tool()
    theirs = event_names().to_dicts()

    for row in theirs:
        qualifiers = [entry.qualifier for entry in codes if entry.event_name == row["event_name"]]
        assert qualifiers, f"{row['event_name']} is unmapped"
        for qualifier in qualifiers:
            assert codes.lookup((row["event_name"], qualifier)).event_type == row["event_type"]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("pick.short", {"sku": "WP-1", "line": 2, "quantity_picked": 0, "quantity_short": 1},
         {"sku": "WP-1", "line_no": 2, "qty": 0, "qty_short": 1, "operator_id": "ST022-A07"}),
        ("order.rejected", {"reason": "store_capacity", "reassigned_to": "DC-RNO"},
         {"reason": "capacity", "from_facility": "ST-022", "to_facility": "DC-RNO"}),
        ("order.cancelled", {"reason": "not_collected"},
         {"reason": "other", "initiated_by": "retailer", "note": "Not collected at the store in time", "operator_id": "ST022-A07"}),
        ("order.cancelled", {"reason": "changed_its_mind"}, {"reason": "other", "operator_id": "ST022-A07"}),
        ("order.ready_for_pickup", {}, {"operator_id": "ST022-A07"}),
        ("order.picked_up", {}, {"operator_id": "ST022-A07"}),
    ],
)  # fmt: skip
def test_each_event_names_payload_maps_to_valid_attributes(name: str, data: dict, expected: dict) -> None:
    (parsed,) = parse(page(event(name, data)))

    assert parsed["attributes"] == expected
    validate_event(parsed, REGISTRY, ZONES)


@pytest.mark.parametrize(
    ("raw", "reason", "field", "rule"),
    [
        (event("order.teleported"), "unknown_code", "type", "store_codes"),
        (event("order.created", {"fulfillment_type": "DRONE_DROP"}), "unknown_code", "type", "store_codes"),
        (event("pick.started", store_id="ST-999"), "unknown_facility", "store_id", "unknown_facility"),
        (event("pick.started", occurred_at="1970-01-01T00:00:00"), "invalid_timestamp", "occurred_at", "epoch"),
        (event("pick.started", occurred_at=None), "invalid_timestamp", "occurred_at", "required"),
        (event("pick.started", cursor=None), "missing_field", "cursor", "required"),
        (event("pick.started", order_ref=""), "missing_field", "order_ref", "required"),
        (event("label.created", {"carrier": "pony_express", "service": "X", "tracking_number": "PX1234"}),
         "unknown_carrier", "data.carrier", "store_carriers"),
        (event("order.created", {"fulfillment_type": "SHIP_FROM_STORE"}), "missing_field", "data.ship_to", "required"),
        (event("order.created", {"fulfillment_type": "SHIP_FROM_STORE", "ship_to": {"state": "ZZ", "postal_code": "00000"}}),
         "missing_field", "data.ship_to", "destination_zone"),
    ],
)  # fmt: skip
def test_an_event_that_cannot_be_mapped_is_rejected_with_the_record(
    raw: dict, reason: str, field: str, rule: str
) -> None:
    (rejection,) = parse(page(raw))

    assert (rejection.reason_code, rejection.field, rejection.rule) == (reason, field, rule)
    assert rejection.record == raw and rejection.record_index == 0


def test_dst_edges_in_a_store_zone() -> None:
    fold, gap = parse(page(event("pick.started", store_id="ST-001", occurred_at="2026-11-01T01:30:00"),
                           event("pick.started", store_id="ST-001", occurred_at="2026-03-08T02:30:00")))  # fmt: skip
    (phoenix,) = parse(page(event("pick.started", occurred_at="2026-03-08T02:30:00")))

    assert (fold["occurred_at"], fold["flags"]) == ("2026-11-01T05:30:00Z", ["dst_fold"])
    assert (gap["occurred_at"], gap["flags"]) == ("2026-03-08T07:30:00Z", ["dst_gap"])
    assert phoenix["occurred_at"] == "2026-03-08T09:30:00Z" and "flags" not in phoenix  # Phoenix has no gap


@pytest.mark.parametrize("payload", [b"<html>503</html>", b'{"detail": "missing or invalid bearer token"}'])
def test_an_error_answer_is_one_malformed_payload(payload: bytes) -> None:
    (rejection,) = parse(payload)

    assert rejection.reason_code == "malformed_payload"


def test_feed_and_order_answers_land_and_drain_once(conn: Connection) -> None:
    feed = json.dumps(body("events_page")).encode()
    land(conn, Arrival("stores", feed))
    land(conn, Arrival("stores", json.dumps(body("order_events")).encode()))
    land(conn, Arrival("stores", json.dumps(page(event("pick.started", store_id="ST-999"))).encode()))

    report = drain_batch(conn, REGISTRY, ZONES)

    assert (report.payloads, report.events, report.loaded, report.quarantined) == (3, 15, 11, 1)
    assert [r.reason_code for r in open_records(conn, source="stores")] == ["unknown_facility"]
    pickup = conn.execute(
        text("SELECT fulfillment, facility_id, picked_up_at FROM order_state WHERE order_id = 'SO-00012348'")
    ).one()
    assert pickup.fulfillment == "store_pickup" and pickup.picked_up_at is not None
    shipped = conn.execute(
        text("SELECT destination_time_zone FROM customer_order WHERE order_id = 'SO-00012347'")
    ).scalar()
    assert shipped == "America/Phoenix"
    label = conn.execute(
        text("SELECT carrier_id, facility_id FROM shipment WHERE tracking_number = '9405511899223197428490'")
    ).one()
    assert tuple(label) == ("usps", "ST-022")
