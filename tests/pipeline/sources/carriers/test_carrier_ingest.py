"""End to end per carrier: land the raw payloads, drain, and find the events, the shipment and the order."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, text

from pipeline.drain import drain_batch, replay
from pipeline.inbox import Arrival, land
from pipeline.quarantine import open_records, parked_payloads_now_matched
from tests.canonical_factory import REGISTRY, ZONES, canonical_event
from tests.pipeline.sources.carriers.carrier_fixtures import (
    PARCELS,
    api_answer,
    document,
    encoded,
    tracking_number_of,
    webhook,
    webhook_count,
)

PLACED = datetime(2026, 10, 30, 18, 0, tzinfo=UTC)

# carrier -> (what it sends: webhooks or one tracking answer, events it holds, distinct scans, final status)
SENT = {
    "ups": ("webhooks", 6, 5, "DELIVERED"),
    "fedex": ("webhooks", 4, 4, "DELIVERED"),
    "usps": ("tracking_detail.json", 3, 3, "DELIVERED"),
    "dhl": ("shipments.json", 3, 3, "DELIVERY_DELAYED"),
    "ontrac": ("webhooks", 10, 4, "DELIVERED"),
    "swiftmile": ("webhooks", 4, 4, "DELIVERED"),
}


def introduce_orders(conn: Connection, carriers: list[str] | None = None) -> None:
    """The orders and labels of the sample parcels, loaded the way any source would load them."""
    lines = []
    for number, (carrier, shipment) in PARCELS.items():
        if carriers is not None and carrier not in carriers:
            continue
        facility = shipment.facility_id or "DC-RNO"
        received = canonical_event("ORDER_RECEIVED", shipment.order_id, PLACED, facility_id=facility)
        received["attributes"]["destination"]["time_zone"] = shipment.destination_time_zone
        label = canonical_event(
            "LABEL_PRINTED", shipment.order_id, PLACED + timedelta(hours=2), facility_id=facility,
            tracking_number=number, carrier=carrier, shipment_id=shipment.shipment_id,
        )  # fmt: skip
        lines += [json.dumps(received), json.dumps(label)]
    land(conn, Arrival("canonical:orders", "\n".join(lines).encode()))
    drain_batch(conn, REGISTRY, ZONES)


def land_carrier(conn: Connection, carrier: str, payloads: list[bytes]) -> list[int]:
    return [land(conn, Arrival(f"carrier:{carrier}", payload)) for payload in payloads]


def sent_by(carrier: str) -> list[bytes]:
    what = SENT[carrier][0]
    if what == "webhooks":
        return [webhook(carrier, n) for n in range(1, webhook_count(carrier) + 1)]
    return [api_answer(carrier, what)]


def shipment_row(conn: Connection, number: str):
    return conn.execute(
        text("SELECT order_id, status, delivered_at, last_scan_at FROM shipment WHERE tracking_number = :n"),
        {"n": number},
    ).one()


@pytest.mark.parametrize("carrier", sorted(SENT))
def test_what_a_carrier_sends_lands_drains_and_moves_the_shipment(conn: Connection, carrier: str) -> None:
    introduce_orders(conn)
    number = tracking_number_of(carrier)
    _, offered, distinct, status = SENT[carrier]
    land_carrier(conn, carrier, sent_by(carrier))

    report = drain_batch(conn, REGISTRY, ZONES)

    assert (report.events, report.loaded, report.quarantined) == (offered, distinct, 0)
    stored = conn.execute(
        text("SELECT DISTINCT source, carrier, order_id FROM event WHERE tracking_number = :n"), {"n": number}
    ).all()
    assert stored == [(f"carrier:{carrier}", carrier, PARCELS[number][1].order_id)]
    shipment = shipment_row(conn, number)
    assert shipment.status == status
    assert (shipment.delivered_at is not None) == (status == "DELIVERED")


def test_a_resent_ups_scan_loads_once_and_a_late_departure_does_not_move_the_parcel_back(
    conn: Connection,
) -> None:
    introduce_orders(conn, ["ups"])
    land_carrier(conn, "ups", [webhook("ups", n) for n in range(1, 5)])  # 03 resends 02's scan
    first = drain_batch(conn, REGISTRY, ZONES)
    land_carrier(conn, "ups", [webhook("ups", 5)])  # the departure, scanned before 04's out-for-delivery

    late = drain_batch(conn, REGISTRY, ZONES)

    assert (first.events, first.loaded, first.duplicates) == (4, 3, 1)
    assert late.loaded == 1
    arrivals = conn.execute(
        text("SELECT count(*) FROM event WHERE event_type = 'ARRIVED_AT_HUB' AND carrier = 'ups'")
    ).scalar()
    assert arrivals == 1
    assert shipment_row(conn, "1Z4A7W290398615727").status == "OUT_FOR_DELIVERY"
    order = conn.execute(text("SELECT status FROM order_state WHERE order_id = 'SO-00012345'")).scalar()
    assert order == "OUT_FOR_DELIVERY"


def test_a_scan_both_pushed_and_polled_loads_once(conn: Connection) -> None:
    introduce_orders(conn, ["fedex"])
    land_carrier(conn, "fedex", [*sent_by("fedex"), api_answer("fedex", "track_response.json")])

    report = drain_batch(conn, REGISTRY, ZONES)

    assert (report.events, report.loaded) == (8, 4)


def test_easypost_history_resends_cost_nothing(conn: Connection) -> None:
    introduce_orders(conn, ["ontrac"])
    land_carrier(conn, "ontrac", sent_by("ontrac")[:3])
    first = drain_batch(conn, REGISTRY, ZONES)
    land_carrier(conn, "ontrac", sent_by("ontrac")[3:])

    second = drain_batch(conn, REGISTRY, ZONES)

    assert (first.loaded, first.duplicates) == (3, 3)
    assert (second.events, second.loaded, second.duplicates) == (4, 1, 3)
    duplicates = conn.execute(
        text("SELECT sum(duplicates) FROM source_counter WHERE source = 'carrier:ontrac'")
    )
    assert duplicates.scalar() == 6


def test_an_unknown_code_is_quarantined_with_its_record_and_the_rest_loads(conn: Connection) -> None:
    introduce_orders(conn, ["dhl"])
    answer = document(api_answer("dhl", "shipments.json"))
    answer["shipments"][0]["events"][0]["status"] = "TELEPORTED"
    land_carrier(conn, "dhl", [encoded(answer)])

    report = drain_batch(conn, REGISTRY, ZONES)

    assert (report.loaded, report.quarantined) == (2, 1)
    (record,) = open_records(conn, source="carrier:dhl")
    assert (record.reason_code, record.field, record.rule, record.record_index) == (
        "unknown_code", "status", "known_code", 0,
    )  # fmt: skip
    assert json.loads(record.record)["status"] == "TELEPORTED"


def test_a_last_mile_scan_before_its_label_is_parked_then_replayed_in_the_destination_zone(
    conn: Connection,
) -> None:
    land_carrier(conn, "swiftmile", [webhook("swiftmile", 1)])
    drain_batch(conn, REGISTRY, ZONES)
    (parked,) = open_records(conn, reason="unmatched_tracking_number")
    assert parked.lookup_key == "SWM0000482211"

    introduce_orders(conn, ["swiftmile"])
    report = replay(conn, parked_payloads_now_matched(conn), REGISTRY, ZONES)

    assert report.loaded == 1
    occurred = conn.execute(
        text("SELECT occurred_at FROM event WHERE tracking_number = 'SWM0000482211'")
    ).scalar()
    assert occurred == datetime(2026, 10, 31, 14, 12, 5, tzinfo=UTC)  # 07:12:05 in San Francisco
    assert open_records(conn, reason="unmatched_tracking_number") == []


def test_a_not_found_answer_drains_to_nothing(conn: Connection) -> None:
    land_carrier(conn, "ups", [api_answer("ups", "track_details_not_found.json")])

    report = drain_batch(conn, REGISTRY, ZONES)

    assert (report.payloads, report.events, report.quarantined) == (1, 0, 0)
