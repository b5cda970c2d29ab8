"""Draining the inbox: land first, then normalize and load; whatever is bad is kept with its reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text

from pipeline.drain import drain_batch, replay
from pipeline.inbox import Arrival, land
from pipeline.quarantine import open_records, parked_payloads_now_matched
from pipeline.registry import register
from tests.canonical_factory import REGISTRY, ZONES, canonical_event, shipped_order

PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)


def jsonl(*events) -> bytes:
    return b"\n".join(e if isinstance(e, bytes) else json.dumps(e).encode() for e in events)


def test_good_events_load_and_each_bad_record_is_quarantined_with_its_reason(conn: Connection) -> None:
    good = shipped_order("SO-10000001", PLACED)[:3]
    naive = {**canonical_event("PICK_STARTED", "SO-10000001", PLACED), "occurred_at": "2026-11-16T09:10:00"}
    unknown = {**canonical_event("PICK_STARTED", "SO-10000001", PLACED), "event_type": "PICK_TELEPORTED"}
    raw_id = land(conn, Arrival("canonical:backfill", jsonl(*good, b"{not json", naive, unknown)))

    report = drain_batch(conn, REGISTRY, ZONES)

    assert (report.payloads, report.loaded, report.quarantined) == (1, 3, 3)
    reasons = {(r.reason_code, r.field, r.rule) for r in open_records(conn, source="canonical:backfill")}
    assert reasons == {
        ("malformed_payload", "line 4", "json"),
        ("invalid_timestamp", "occurred_at", "offset_required"),
        ("unknown_code", "event_type", "unknown_event_type"),
    }
    kept = {r.record for r in open_records(conn, source="canonical:backfill")}
    assert b"{not json" in kept
    status = conn.execute(text("SELECT status FROM raw_inbox WHERE raw_id = :id"), {"id": raw_id}).scalar()
    assert status == "done"
    counters = conn.execute(
        text(
            "SELECT received, normalized, quarantined FROM source_counter WHERE source = 'canonical:backfill'"
        )
    ).one()
    assert tuple(counters) == (1, 3, 3)


def test_a_payload_drained_twice_loads_nothing_the_second_time(conn: Connection) -> None:
    events = shipped_order("SO-10000002", PLACED)
    land(conn, Arrival("canonical:backfill", jsonl(*events)))
    land(conn, Arrival("canonical:backfill", jsonl(*events)))

    report = drain_batch(conn, REGISTRY, ZONES)

    assert (report.events, report.loaded, report.duplicates) == (30, 15, 15)


def test_a_scan_before_its_label_is_parked_then_loaded_once_the_label_arrives(conn: Connection) -> None:
    scan = canonical_event(
        "CARRIER_PICKUP", "ignored", PLACED + timedelta(hours=5), tracking_number="1ZPARKED0001"
    )
    del scan["order_id"], scan["shipment_id"]
    land(conn, Arrival("canonical:backfill", jsonl(scan)))
    drain_batch(conn, REGISTRY, ZONES)
    parked = open_records(conn, reason="unmatched_tracking_number")
    assert [(r.field, r.rule) for r in parked] == [("tracking_number", "known_shipment")]

    label = canonical_event(
        "LABEL_PRINTED", "SO-10000003", PLACED + timedelta(hours=1), tracking_number="1ZPARKED0001"
    )
    land(conn, Arrival("canonical:backfill", jsonl(label)))
    drain_batch(conn, REGISTRY, ZONES)
    report = replay(conn, parked_payloads_now_matched(conn), REGISTRY, ZONES)

    assert report.loaded == 1
    assert open_records(conn, reason="unmatched_tracking_number") == []
    order = conn.execute(
        text(
            "SELECT order_id FROM event WHERE tracking_number = '1ZPARKED0001' AND event_type = 'CARRIER_PICKUP'"
        )
    ).scalar()
    assert order == "SO-10000003"


def test_replay_after_registering_a_new_type_loads_what_was_quarantined(conn: Connection) -> None:
    novel = {
        **canonical_event("PICK_STARTED", "SO-10000004", PLACED),
        "event_type": "GIFT_WRAPPED",
        "attributes": {},
    }
    raw_id = land(conn, Arrival("canonical:backfill", jsonl(novel)))
    drain_batch(conn, REGISTRY, ZONES)
    assert [r.reason_code for r in open_records(conn, source="canonical:backfill")] == ["unknown_code"]

    register(conn, {
        "event_type": "GIFT_WRAPPED", "version": 1, "stage": "fulfillment", "severity": "info",
        "customer_text": "Your gift is wrapped", "internal_text": "Gift wrap applied",
        "attributes": {"type": "object", "additionalProperties": False},
    })  # fmt: skip
    from pipeline.registry import Registry

    report = replay(conn, [raw_id], Registry.from_database(conn), ZONES)

    assert report.loaded == 1
    assert open_records(conn, source="canonical:backfill") == []
    assert conn.execute(text("SELECT count(*) FROM event WHERE event_type = 'GIFT_WRAPPED'")).scalar() == 1
