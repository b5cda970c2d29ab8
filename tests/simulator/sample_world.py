"""A handful of orders that touch every source system, written out by hand as truth rows.

Used by the source-system tests and to produce the raw payload fixtures in tests/fixtures/<source>/.
The history crosses the autumn DST change (2026-11-01): DC-RNO's night shift scans an order at
01:30 local twice, once in PDT and once in PST.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from tests.simulator.truth_rows import truth, truth_frame

START = datetime(2026, 10, 30, 18, 12, 5, tzinfo=UTC)
SF = {
    "postal_code": "94110",
    "city": "San Francisco",
    "state": "CA",
    "country": "US",
    "time_zone": "America/Los_Angeles",
}
COLUMBUS = {
    "postal_code": "43215",
    "city": "Columbus",
    "state": "OH",
    "country": "US",
    "time_zone": "America/New_York",
}
PHOENIX = {
    "postal_code": "85004",
    "city": "Phoenix",
    "state": "AZ",
    "country": "US",
    "time_zone": "America/Phoenix",
}


def _location(city: str, state: str, postal_code: str, zone: str) -> dict:
    return {
        "location": {"city": city, "state": state, "postal_code": postal_code, "country": "US"},
        "location_time_zone": zone,
    }


RENO = _location("Reno", "NV", "89502", "America/Los_Angeles")
OAKLAND = _location("Oakland", "CA", "94621", "America/Los_Angeles")
SAN_FRANCISCO = _location("San Francisco", "CA", "94110", "America/Los_Angeles")
OBETZ = _location("Obetz", "OH", "43207", "America/New_York")
COLUMBUS_HUB = _location("Columbus", "OH", "43215", "America/New_York")
TEMPE = _location("Tempe", "AZ", "85281", "America/Phoenix")
PHOENIX_HUB = _location("Phoenix", "AZ", "85004", "America/Phoenix")


def _order_download(
    order: str, destination: dict, lines: list[tuple[int, str, int]], *, store: bool = False
) -> dict:
    return {
        "channel": "web",
        "fulfillment": "store_pickup" if store else "ship",
        "promised_delivery_by": "2026-11-04T07:59:59Z",
        "ship_by": "2026-10-31T00:00:00Z",
        "destination": destination,
        "customer": {"name": "Ana Ruiz", "email": f"{order.lower()}@example.com", "phone": "+14155550142"},
        "lines": [{"line_no": n, "sku": sku, "qty": qty, "uom": "ea"} for n, sku, qty in lines],
        "order_total": 84.97,
    }


def _dc_order() -> list[dict]:
    """SO-00012345: DC-RNO, two lines (one short-picked), UPS Ground to San Francisco, night shift in the fold."""
    order, at = "SO-00012345", START
    wms = {"source_system": "wms", "facility_id": "DC-RNO", "order_id": order}
    fold_first = datetime(2026, 11, 1, 8, 30, 10, tzinfo=UTC)  # 01:30:10 PDT
    fold_second = datetime(2026, 11, 1, 9, 30, 40, tzinfo=UTC)  # 01:30:40 PST
    lines = [(1, "WP-100037", 1), (2, "WP-100412", 2)]
    return [
        truth("ORDER_RECEIVED", seq=1, at=at, detail=_order_download(order, SF, lines), **wms),
        truth(
            "ORDER_ALLOCATED", seq=2, at=at + timedelta(minutes=3), detail={"facility_id": "DC-RNO"}, **wms
        ),
        truth(
            "ORDER_RELEASED",
            seq=3,
            at=fold_first - timedelta(minutes=20),
            detail={"wave_id": "W-RNO-20261101-03"},
            **wms,
        ),
        truth("PICK_STARTED", seq=4, at=fold_first, operator_id="RNO-P017", **wms),
        truth(
            "ITEM_PICKED",
            seq=5,
            at=fold_first + timedelta(minutes=4),
            operator_id="RNO-P017",
            line_no=1,
            sku="WP-100037",
            qty=1,
            available_after=timedelta(hours=2),
            anomaly="late_arrival",
            **wms,
        ),
        truth(
            "PICK_SHORT",
            seq=6,
            at=fold_second,
            operator_id="RNO-P017",
            line_no=2,
            sku="WP-100412",
            qty=1,
            detail={"qty_short": 1},
            **wms,
        ),
        truth("PICK_COMPLETED", seq=7, at=fold_second + timedelta(minutes=1), operator_id="RNO-P017", **wms),
        truth("PACK_STARTED", seq=8, at=fold_second + timedelta(minutes=9), operator_id="RNO-K004", **wms),
        truth(
            "PACK_COMPLETED",
            seq=9,
            at=fold_second + timedelta(minutes=13),
            operator_id="RNO-K004",
            detail={"carton_id": "CT-RNO-0458812", "weight_kg": 1.42},
            **wms,
        ),
        truth(
            "LABEL_PRINTED",
            seq=10,
            at=fold_second + timedelta(minutes=14),
            carrier_id="ups",
            service_code="GND",
            tracking_number="1Z4A7W290398615727",
            shipment_id=f"{order}-1",
            detail={"weight_kg": 1.42},
            **wms,
        ),
        truth(
            "STAGED_OUTBOUND",
            seq=11,
            at=fold_second + timedelta(minutes=40),
            operator_id="RNO-L002",
            anomaly="invalid_timestamp:epoch",
            **wms,
        ),
    ]


def _carrier(order: str, carrier: str, number: str, service: str, facility: str, journey: list) -> list[dict]:
    rows = []
    for seq, (event_type, at, detail, extra) in enumerate(journey, start=20):
        rows.append(
            truth(
                event_type,
                seq=seq,
                at=at,
                order_id=order,
                source_system="carrier",
                facility_id=facility,
                carrier_id=carrier,
                tracking_number=number,
                service_code=service,
                shipment_id=f"{order}-1",
                detail=detail,
                **extra,
            )
        )
    return rows


def _ups_journey() -> list[dict]:
    day = datetime(2026, 11, 1, tzinfo=UTC)
    journey = [
        ("CARRIER_PICKUP", day + timedelta(hours=25, minutes=2), RENO, {}),
        ("ARRIVED_AT_HUB", day + timedelta(hours=31, minutes=48), OAKLAND, {}),
        (
            "DEPARTED_HUB",
            day + timedelta(hours=37, minutes=5),
            OAKLAND,
            {"anomaly": "out_of_order", "available_after": timedelta(hours=5)},
        ),
        ("OUT_FOR_DELIVERY", day + timedelta(hours=40, minutes=11), SAN_FRANCISCO, {}),
        ("DELIVERED", day + timedelta(hours=45, minutes=37), {**SAN_FRANCISCO, "signed_by": "RUIZ"}, {}),
    ]
    rows = _carrier("SO-00012345", "ups", "1Z4A7W290398615727", "GND", "DC-RNO", journey)
    resent = truth(
        "ARRIVED_AT_HUB",
        seq=99,
        at=day + timedelta(hours=31, minutes=48),
        order_id="SO-00012345",
        source_system="carrier",
        facility_id="DC-RNO",
        carrier_id="ups",
        tracking_number="1Z4A7W290398615727",
        service_code="GND",
        shipment_id="SO-00012345-1",
        detail=OAKLAND,
        anomaly="duplicate_resend",
        duplicate_of="SO-00012345:21",
        available_after=timedelta(minutes=40),
    )
    return [*rows, resent]


def _cmh_order() -> list[dict]:
    """SO-00012346: DC-CMH, on hold for address verification, FedEx with a failed first attempt."""
    order, at = "SO-00012346", START + timedelta(hours=1)
    wms = {"source_system": "wms", "facility_id": "DC-CMH", "order_id": order}
    rows = [
        truth(
            "ORDER_RECEIVED",
            seq=1,
            at=at,
            detail=_order_download(order, COLUMBUS, [(1, "WP-101110", 1)]),
            **wms,
        ),
        truth(
            "ORDER_ON_HOLD",
            seq=2,
            at=at + timedelta(minutes=2),
            detail={"reason": "address_verification"},
            **wms,
        ),
        truth("ORDER_HOLD_RELEASED", seq=3, at=at + timedelta(hours=3), **wms),
        truth(
            "LABEL_PRINTED",
            seq=4,
            at=at + timedelta(hours=6),
            carrier_id="fedex",
            service_code="FEDEX_GROUND",
            tracking_number="794619838472",
            shipment_id=f"{order}-1",
            detail={"weight_kg": 0.8},
            **wms,
        ),
    ]
    journey = [
        ("CARRIER_PICKUP", at + timedelta(hours=9), OBETZ, {}),
        ("OUT_FOR_DELIVERY", at + timedelta(hours=38), COLUMBUS_HUB, {}),
        (
            "DELIVERY_ATTEMPTED",
            at + timedelta(hours=44),
            {**COLUMBUS_HUB, "reason": "recipient_unavailable"},
            {},
        ),
        (
            "DELIVERED",
            at + timedelta(hours=62),
            {**COLUMBUS_HUB, "signed_by": "K. OKAFOR"},
            {"anomaly": "invalid_timestamp:wrong_offset"},
        ),
    ]
    return rows + _carrier(order, "fedex", "794619838472", "FEDEX_GROUND", "DC-CMH", journey)


def _store_orders() -> list[dict]:
    """SO-00012347 ship-from-store in Phoenix via USPS; SO-00012348 pickup in store at ST-001."""
    ship, pickup = "SO-00012347", "SO-00012348"
    at = START + timedelta(hours=2)
    phoenix = {"source_system": "store_tool", "facility_id": "ST-022", "order_id": ship}
    manhattan = {"source_system": "store_tool", "facility_id": "ST-001", "order_id": pickup}
    rows = [
        truth(
            "ORDER_RECEIVED",
            seq=1,
            at=at,
            detail=_order_download(ship, PHOENIX, [(1, "WP-100001", 1)]),
            **phoenix,
        ),
        truth(
            "ORDER_ALLOCATED",
            seq=2,
            at=at + timedelta(minutes=1),
            detail={"facility_id": "ST-022"},
            **phoenix,
        ),
        truth("PICK_STARTED", seq=3, at=at + timedelta(minutes=25), operator_id="ST022-A07", **phoenix),
        truth(
            "ITEM_PICKED",
            seq=4,
            at=at + timedelta(minutes=29),
            operator_id="ST022-A07",
            line_no=1,
            sku="WP-100001",
            qty=1,
            **phoenix,
        ),
        truth("PICK_COMPLETED", seq=5, at=at + timedelta(minutes=30), operator_id="ST022-A07", **phoenix),
        truth(
            "PACK_COMPLETED",
            seq=6,
            at=at + timedelta(minutes=41),
            operator_id="ST022-A07",
            detail={"carton_id": "PKG-ST022-88120", "weight_kg": 0.35},
            **phoenix,
        ),
        truth(
            "LABEL_PRINTED",
            seq=7,
            at=at + timedelta(minutes=42),
            carrier_id="usps",
            service_code="PRIORITY_MAIL",
            tracking_number="9405511899223197428490",
            shipment_id=f"{ship}-1",
            **phoenix,
        ),
        truth(
            "ORDER_RECEIVED",
            seq=1,
            at=at,
            detail=_order_download(pickup, SF, [(1, "WP-100002", 1)], store=True),
            **manhattan,
        ),
        truth(
            "ORDER_REALLOCATED",
            seq=2,
            at=at + timedelta(minutes=6),
            detail={"from_facility": "ST-001", "to_facility": "ST-002", "reason": "out_of_stock"},
            **manhattan,
        ),
        truth("READY_FOR_STORE_PICKUP", seq=3, at=at + timedelta(hours=2), **manhattan),
        truth("CUSTOMER_PICKED_UP", seq=4, at=at + timedelta(hours=26), **manhattan),
    ]
    journey = [
        ("CARRIER_PICKUP", at + timedelta(hours=4), TEMPE, {}),
        ("ARRIVED_AT_HUB", at + timedelta(hours=9), PHOENIX_HUB, {}),
        ("DELIVERED", at + timedelta(hours=22), {**PHOENIX_HUB, "signed_by": "M. YAZZIE"}, {}),
    ]
    return rows + _carrier(ship, "usps", "9405511899223197428490", "PRIORITY_MAIL", "ST-022", journey)


def _other_carriers() -> list[dict]:
    at = START + timedelta(hours=20)
    delayed = {**COLUMBUS_HUB, "reason": "weather", "new_estimated_delivery": "2026-11-04"}
    dhl = [
        ("CARRIER_PICKUP", at, OBETZ, {}),
        ("IN_TRANSIT", at + timedelta(hours=5), COLUMBUS_HUB, {}),
        ("DELIVERY_DELAYED", at + timedelta(hours=20), delayed, {}),
    ]
    ontrac = [
        ("CARRIER_PICKUP", at, RENO, {}),
        ("ARRIVED_AT_HUB", at + timedelta(hours=8), OAKLAND, {}),
        ("OUT_FOR_DELIVERY", at + timedelta(hours=14), SAN_FRANCISCO, {}),
        ("DELIVERED", at + timedelta(hours=19), {**SAN_FRANCISCO, "signed_by": "L. CHEN"}, {}),
    ]
    swiftmile = [
        ("CARRIER_PICKUP", at, SAN_FRANCISCO, {}),
        ("OUT_FOR_DELIVERY", at + timedelta(hours=15), SAN_FRANCISCO, {}),
        ("DELIVERY_EXCEPTION", at + timedelta(hours=17), {**SAN_FRANCISCO, "reason": "damaged"}, {}),
        ("DELIVERED", at + timedelta(hours=18), {**SAN_FRANCISCO, "signed_by": "D. PARK"}, {}),
    ]
    return [
        *_carrier("SO-00012350", "dhl", "GM2951173225174494", "GND", "DC-CMH", dhl),
        *_carrier("SO-00012351", "ontrac", "D10011234567890", "GROUND", "DC-RNO", ontrac),
        *_carrier("SO-00012352", "swiftmile", "SWM0000482211", "NEXT_DAY", "ST-027", swiftmile),
    ]


def _helpdesk() -> list[dict]:
    at = datetime(2026, 11, 3, 16, 45, 0, tzinfo=UTC)
    desk = {"source_system": "helpdesk", "order_id": "SO-00012352", "facility_id": "ST-027"}
    returns = {"source_system": "helpdesk", "order_id": "SO-00012345", "facility_id": "DC-RNO"}
    return [
        truth(
            "SUPPORT_TICKET_OPENED",
            seq=40,
            at=at,
            detail={
                "ticket_id": "0512340007",
                "category": "damaged_item",
                "channel": "email",
                "subject": "Item in order SO-00012352 arrived damaged",
            },
            **desk,
        ),
        truth(
            "CUSTOMER_REPORTED_ISSUE",
            seq=41,
            at=at + timedelta(minutes=6),
            detail={"ticket_id": "0512340007", "issue": "damaged_item"},
            **desk,
        ),
        truth(
            "RETURN_REQUESTED",
            seq=42,
            at=at + timedelta(days=1),
            detail={
                "rma_id": "RMA-00012345",
                "reason": "doesnt_fit",
                "lines": [{"line_no": 1, "sku": "WP-100037", "qty": 1}],
            },
            **returns,
        ),
        truth(
            "RETURN_RECEIVED",
            seq=43,
            at=at + timedelta(days=8),
            source_system="wms",
            facility_id="DC-RNO",
            order_id="SO-00012345",
            line_no=1,
            sku="WP-100037",
            qty=1,
            detail={"rma_id": "RMA-00012345", "condition": "resellable"},
        ),
        truth(
            "REFUND_ISSUED",
            seq=44,
            at=at + timedelta(days=9, hours=3),
            detail={"rma_id": "RMA-00012345", "amount": 24.99, "currency": "USD"},
            **returns,
        ),
        truth(
            "SURVEY_RESPONDED",
            seq=45,
            at=at + timedelta(days=2),
            detail={"survey_id": "SV-00012351", "score": 5, "comment": "Fast delivery, thank you!"},
            source_system="helpdesk",
            order_id="SO-00012351",
            facility_id="DC-RNO",
        ),
    ]


def sample_truth() -> pl.DataFrame:
    return truth_frame(
        [*_dc_order(), *_ups_journey(), *_cmh_order(), *_store_orders(), *_other_carriers(), *_helpdesk()]
    )
