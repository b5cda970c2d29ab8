"""The detector's read position: every event once, holes from slow commits asked for again, for a while."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.exceptions.cursor import EventCursor, GapRange

NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)


def test_reading_contiguous_events_leaves_no_holes() -> None:
    assert EventCursor().after([1, 2, 3], NOW) == EventCursor(3, ())


def test_skipped_pks_are_remembered_as_ranges_and_dropped_once_read() -> None:
    cursor = EventCursor(10).after([11, 15, 16, 20], NOW)
    assert cursor == EventCursor(20, (GapRange(12, 14, NOW), GapRange(17, 19, NOW)))

    later = NOW + timedelta(seconds=5)
    assert cursor.after([13, 18, 21], later) == EventCursor(
        21, (GapRange(12, 12, NOW), GapRange(14, 14, NOW), GapRange(17, 17, NOW), GapRange(19, 19, NOW))
    )


def test_old_holes_expire() -> None:
    cursor = EventCursor(20, (GapRange(12, 14, NOW), GapRange(17, 19, NOW + timedelta(minutes=9))))
    assert cursor.expired(NOW + timedelta(minutes=10), timedelta(minutes=10)).gaps == (
        GapRange(17, 19, NOW + timedelta(minutes=9)),
    )


def test_the_position_survives_a_round_trip_through_its_stored_document() -> None:
    cursor = EventCursor(20, (GapRange(12, 14, NOW),))
    assert EventCursor.from_document(cursor.to_document()) == cursor
    assert EventCursor.from_document(None) == EventCursor()
