"""The quality gate in the drain: invalid times quarantined (field and rule named) or corrected with the
original kept; findings counted per source and rule; clean batches untouched."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text

from pipeline.drain import drain_batch
from pipeline.inbox import Arrival, land
from pipeline.quality.gate import TIME_CORRECTED, save_watermarks, screen_batch
from pipeline.quarantine import open_records
from tests.canonical_factory import REGISTRY, ZONES, canonical_event, shipped_order, staged

PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)


def jsonl(*events: dict) -> bytes:
    return b"\n".join(json.dumps(event).encode() for event in events)


def findings(conn: Connection) -> list[tuple]:
    return [tuple(row) for row in conn.execute(
        text("SELECT area, rule, source, action FROM quality_finding ORDER BY rule, source")
    )]  # fmt: skip


def test_a_clean_order_passes_the_gate_untouched(conn: Connection) -> None:
    land(conn, Arrival("canonical:shop", jsonl(*shipped_order("SO-20000001", PLACED))))
    report = drain_batch(conn, REGISTRY, ZONES)
    assert report.quarantined == 0 and report.loaded == len(shipped_order("SO-20000001", PLACED))
    assert findings(conn) == []


def test_epoch_and_future_times_are_quarantined_naming_field_and_rule(conn: Connection) -> None:
    good = shipped_order("SO-20000002", PLACED)[:3]
    epoch = {**canonical_event("PICK_STARTED", "SO-20000002", PLACED), "occurred_at": "1970-01-01T00:00:00Z"}
    future = {
        **canonical_event("PICK_COMPLETED", "SO-20000002", PLACED),
        "occurred_at": "2099-05-01T00:00:00Z",
    }
    land(conn, Arrival("canonical:shop", jsonl(*good, epoch, future)))

    report = drain_batch(conn, REGISTRY, ZONES)

    assert (report.loaded, report.quarantined) == (3, 2)
    held = {(r.reason_code, r.field, r.rule) for r in open_records(conn, source="canonical:shop")}
    assert held == {
        ("invalid_timestamp", "occurred_at", "epoch"),
        ("invalid_timestamp", "occurred_at", "future"),
    }
    assert findings(conn) == [  # counted under the event's own source, quarantined under the inbox's
        ("timestamp", "epoch", "wms:DC-RNO", "quarantined"),
        ("timestamp", "future", "wms:DC-RNO", "quarantined"),
    ]
    assert (
        conn.execute(text("SELECT quarantined FROM source_counter WHERE source = 'canonical:shop'")).scalar()
        == 2
    )


def test_before_order_is_judged_against_the_order_download(conn: Connection) -> None:
    order = shipped_order("SO-20000003", PLACED)[:2]
    early = {**canonical_event("PICK_STARTED", "SO-20000003", PLACED - timedelta(days=3))}
    land(conn, Arrival("canonical:shop", jsonl(*order, early)))
    drain_batch(conn, REGISTRY, ZONES)
    assert findings(conn) == [("timestamp", "before_order", "wms:DC-RNO", "quarantined")]


def wms_rows(start: datetime, count: int, first_seq: int) -> list[dict]:
    rows = []
    for i in range(count):
        raw = canonical_event("ITEM_PICKED", f"WO-{first_seq + i}", start + timedelta(minutes=2 * i),
                              source="wms:DC-RNO")  # fmt: skip
        rows.append({**raw, "sequence": first_seq + i})
    return rows


def test_a_sequenced_row_ahead_of_its_log_is_corrected_keeping_the_original(conn: Connection) -> None:
    start = datetime(2026, 11, 20, 12, tzinfo=UTC)
    rows = wms_rows(start, 11, 500)
    original = start + timedelta(minutes=10, hours=5)
    rows[5]["occurred_at"] = original.isoformat().replace("+00:00", "Z")
    batch = staged(rows, received_at=datetime(2026, 11, 20, 18, 30, tzinfo=UTC))
    now = datetime(2026, 11, 20, 18, 31, tzinfo=UTC)

    result = screen_batch(conn, batch, now=now)
    save_watermarks(conn, result, now)

    assert result.held == [] and result.corrected == 1
    fixed = result.kept[5].event
    assert TIME_CORRECTED in fixed.flags
    assert start + timedelta(minutes=8) < fixed.occurred_at < start + timedelta(minutes=12)
    remedy = conn.execute(text("SELECT rule, original_occurred_at FROM event_remedy WHERE event_id = :id"),
                          {"id": fixed.event_id}).one()  # fmt: skip
    assert tuple(remedy) == ("sequence_ahead", original)
    assert findings(conn) == [("timestamp", "sequence_ahead", "wms:DC-RNO", "corrected")]
    watermark = conn.execute(text("SELECT last_sequence FROM sequence_watermark WHERE source = 'wms:DC-RNO'"))
    assert watermark.scalar() == 510


def test_the_watermark_judges_the_first_rows_of_the_next_batch(conn: Connection) -> None:
    start = datetime(2026, 11, 20, 12, tzinfo=UTC)
    received = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)
    first = screen_batch(conn, staged(wms_rows(start, 8, 700), received_at=received), now=received)
    save_watermarks(conn, first, received)
    following = wms_rows(start + timedelta(minutes=16), 6, 708)
    following[0]["occurred_at"] = (start + timedelta(hours=6)).isoformat().replace("+00:00", "Z")
    result = screen_batch(conn, staged(following, received_at=received), now=received)
    assert result.corrected == 1 and TIME_CORRECTED in result.kept[0].event.flags


def test_a_bad_event_resent_is_quarantined_once_and_then_counted_as_a_duplicate(conn: Connection) -> None:
    epoch = {**canonical_event("PICK_STARTED", "SO-20000004", PLACED), "occurred_at": "1970-01-01T00:00:00Z"}
    for _ in range(2):  # a poll answers with the whole history again
        land(conn, Arrival("canonical:shop", jsonl(epoch)))
        drain_batch(conn, REGISTRY, ZONES)

    assert len(open_records(conn, source="canonical:shop")) == 1
    counted = conn.execute(
        text("SELECT sum(quarantined), sum(duplicates) FROM source_counter WHERE source = 'canonical:shop'")
    ).one()
    assert tuple(counted) == (1, 1)
