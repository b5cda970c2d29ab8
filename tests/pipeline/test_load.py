"""Loading events: nothing twice, nothing lost, the projection right whatever the arrival order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from pipeline.load import load_events
from tests.canonical_factory import canonical_event, shipped_order, staged

PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)


def state(conn: Connection, order_id: str) -> dict:
    row = (
        conn.execute(text("SELECT * FROM order_state WHERE order_id = :o"), {"o": order_id}).mappings().one()
    )
    return {k: v for k, v in row.items() if k != "updated_at"}


def test_a_full_lifecycle_builds_the_order_its_lines_its_shipment_and_its_state(conn: Connection) -> None:
    report = load_events(conn, staged(shipped_order("SO-00000001", PLACED)))

    assert (report.offered, report.loaded) == (15, 15)
    order = conn.execute(text("SELECT * FROM customer_order WHERE order_id = 'SO-00000001'")).mappings().one()
    assert order["channel"] and order["ship_by"] and order["promised_delivery_by"]
    assert conn.execute(text("SELECT count(*) FROM order_line WHERE order_id = 'SO-00000001'")).scalar() >= 1
    shipment = conn.execute(text("SELECT * FROM shipment WHERE order_id = 'SO-00000001'")).mappings().one()
    assert shipment["tracking_number"] == "1Z999AA10000000001"
    assert shipment["delivered_at"] == PLACED + timedelta(minutes=2500)
    current = state(conn, "SO-00000001")
    assert (current["stage"], current["is_terminal"], current["status"]) == ("delivered", True, "DELIVERED")
    assert current["pick_started_at"] == PLACED + timedelta(minutes=55)
    assert current["packed_at"] == PLACED + timedelta(minutes=76)
    assert current["event_count"] == 15


def test_loading_the_same_events_again_writes_nothing(conn: Connection) -> None:
    events = shipped_order("SO-00000002", PLACED)
    load_events(conn, staged(events))
    before = state(conn, "SO-00000002")

    again = load_events(conn, staged(events))

    assert (again.loaded, again.duplicates) == (0, 15)
    assert state(conn, "SO-00000002") == before
    assert conn.execute(text("SELECT count(*) FROM event WHERE order_id = 'SO-00000002'")).scalar() == 15


def test_a_carrier_scan_resent_with_new_id_and_text_is_a_duplicate(conn: Connection) -> None:
    scan = canonical_event("ARRIVED_AT_HUB", "SO-00000003", PLACED)
    resent = {
        **scan,
        "event_id": "resent-1",
        "attributes": {**scan["attributes"], "description": "Arrived at Facility"},
    }

    report = load_events(conn, staged([scan, resent]))

    assert (report.loaded, report.duplicates) == (1, 1)


def test_a_late_scan_does_not_move_a_delivered_order_backwards(conn: Connection) -> None:
    events = shipped_order("SO-00000004", PLACED)
    late_hub_scan = [e for e in events if e["event_type"] == "DEPARTED_HUB"]
    load_events(conn, staged([e for e in events if e["event_type"] != "DEPARTED_HUB"]))

    load_events(conn, staged(late_hub_scan))

    current = state(conn, "SO-00000004")
    assert (current["stage"], current["status"]) == ("delivered", "DELIVERED")


def test_one_parcel_of_a_split_order_delivered_is_a_partial_delivery(conn: Connection) -> None:
    first = shipped_order("SO-00000005", PLACED, tracking_number="1Z999AA10000000051")
    second_label = canonical_event(
        "LABEL_PRINTED", "SO-00000005", PLACED + timedelta(minutes=80),
        shipment_id="SO-00000005-2", tracking_number="1Z999AA10000000052",
    )  # fmt: skip
    load_events(conn, staged([*first[:10], second_label]))
    load_events(conn, staged(first[10:]))
    assert state(conn, "SO-00000005")["stage"] == "partially_delivered"

    load_events(
        conn,
        staged([canonical_event("DELIVERED", "SO-00000005", PLACED + timedelta(days=3),
                                shipment_id="SO-00000005-2", tracking_number="1Z999AA10000000052")]),
    )  # fmt: skip

    assert (state(conn, "SO-00000005")["stage"], state(conn, "SO-00000005")["is_terminal"]) == (
        "delivered",
        True,
    )


def test_the_latest_hold_event_decides_whether_an_order_is_on_hold(conn: Connection) -> None:
    hold = canonical_event("ORDER_ON_HOLD", "SO-00000006", PLACED + timedelta(minutes=5))
    release = canonical_event("ORDER_HOLD_RELEASED", "SO-00000006", PLACED + timedelta(minutes=50))
    load_events(conn, staged([release]))
    load_events(conn, staged([hold]))

    assert state(conn, "SO-00000006")["on_hold"] is False


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), batches=st.integers(1, 6), duplicate=st.booleans())
def test_any_arrival_order_and_batching_gives_the_same_state(
    conn: Connection, seed: int, batches: int, duplicate: bool
) -> None:
    order_id = f"SO-9{seed:07d}"
    events = shipped_order(order_id, PLACED)
    savepoint = conn.begin_nested()
    load_events(conn, staged(events))
    expected = state(conn, order_id)
    savepoint.rollback()

    shuffled = events + (events[:5] if duplicate else [])
    random.Random(seed).shuffle(shuffled)
    savepoint = conn.begin_nested()
    for index in range(batches):
        load_events(conn, staged(shuffled[index::batches]))
    actual = state(conn, order_id)
    savepoint.rollback()

    assert actual == expected


def test_flags_and_the_first_of_a_repeated_identity_are_what_is_written(conn: Connection) -> None:
    gap = {**canonical_event("PICK_STARTED", "SO-00000007", PLACED), "flags": ["dst_gap", "inferred"]}
    repeat = {**gap, "attributes": {**gap["attributes"], "operator_id": "RNO-P999"}}

    report = load_events(conn, staged([gap, repeat]))

    assert (report.loaded, report.duplicates) == (1, 1)
    row = conn.execute(text("SELECT flags, attributes FROM event WHERE order_id = 'SO-00000007'")).one()
    assert row.flags == ["dst_gap", "inferred"]
    assert row.attributes == gap["attributes"]
