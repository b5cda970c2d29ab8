"""Invalid-timestamp rules: each fires on its crafted case and stays silent on clean rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pipeline.facility_time import DST_FOLD, DST_GAP, localize
from pipeline.quality.rulebook import timestamp_limits
from pipeline.quality.timestamps import TimedEvent, judge_times

LIMITS = timestamp_limits()
RECEIVED = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
PLACED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LA = "America/Los_Angeles"


def event(index: int, at: datetime, *, sequence: int | None = None, source: str = "wms:DC-RNO",
          event_type: str = "PICK_COMPLETED", order_id: str = "WO-1", **extra) -> TimedEvent:  # fmt: skip
    return TimedEvent(index, source, event_type, order_id, at, RECEIVED, sequence=sequence, **extra)


def log_rows(times: list[datetime], *, start_seq: int = 100) -> list[TimedEvent]:
    """A change log: one row per time, in sequence order."""
    return [event(i, at, sequence=start_seq + i, order_id=f"WO-{i}") for i, at in enumerate(times)]


def steady(count: int, *, start: datetime = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)) -> list[datetime]:
    return [start + timedelta(minutes=2 * i) for i in range(count)]


def from_local(wall: datetime, zone: str) -> tuple[datetime, datetime, tuple[str, ...]]:
    """How the adapters read a wall time without an offset (pipeline/facility_time.py)."""
    local = localize(wall, zone)
    return local.utc, local.local_wall, local.flags


def judge(events, placed=None, before=None):
    return judge_times(events, placed or {}, before or {}, LIMITS)


def test_clean_rows_raise_nothing() -> None:
    events = log_rows(steady(12))
    placed = {e.order_id: PLACED for e in events}
    assert judge(events, placed).verdicts == {}


def test_epoch_date_is_quarantined() -> None:
    verdict = judge([event(0, datetime(1970, 1, 1, tzinfo=UTC))]).verdicts[0]
    assert (verdict.rule, verdict.action) == ("epoch", "quarantined")


def test_future_beyond_tolerance_without_sequence_is_quarantined_within_it_silent() -> None:
    late = event(0, RECEIVED + timedelta(hours=3), source="carrier:ups", event_type="IN_TRANSIT")
    near = event(1, RECEIVED + timedelta(minutes=10), source="carrier:ups", event_type="IN_TRANSIT")
    verdicts = judge([late, near]).verdicts
    assert (verdicts[0].rule, verdicts[0].action) == ("future", "quarantined")
    assert "no sequence" in verdicts[0].message
    assert 1 not in verdicts


def test_hours_before_the_order_are_within_the_clocks_tolerance() -> None:
    allocated = event(0, PLACED - timedelta(hours=14), source="stores", event_type="ORDER_ALLOCATED")
    assert judge([allocated], {"WO-1": PLACED}).verdicts == {}


def test_before_the_order_existed_is_quarantined_and_order_received_itself_is_exempt() -> None:
    early = event(0, PLACED - timedelta(days=2), source="carrier:ups", event_type="IN_TRANSIT")
    received = event(1, PLACED - timedelta(days=2), source="carrier:ups", event_type="ORDER_RECEIVED")
    verdicts = judge([early, received], {"WO-1": PLACED}).verdicts
    assert (verdicts[0].rule, verdicts[0].action) == ("before_order", "quarantined")
    assert 1 not in verdicts


def test_an_order_placed_in_the_same_batch_counts() -> None:
    download = event(0, PLACED, event_type="ORDER_RECEIVED", source="stores")
    pick = event(1, PLACED - timedelta(days=2), source="carrier:ups", event_type="IN_TRANSIT")
    assert judge([download, pick]).verdicts[1].rule == "before_order"


def test_nonexistent_local_time_is_recorded_as_corrected_by_the_documented_rule() -> None:
    at, _, flags = from_local(datetime(2026, 3, 8, 2, 30), LA)
    assert DST_GAP in flags
    verdict = judge([event(0, at, flags=tuple(flags), time_zone=LA)]).verdicts[0]
    assert (verdict.rule, verdict.action, verdict.occurred_at) == ("nonexistent_local", "corrected", at)


def test_time_far_ahead_of_its_sequence_is_corrected_between_its_neighbours() -> None:
    times = steady(11)
    times[5] = times[5] + timedelta(hours=4)  # the clock of one RF gun was hours ahead
    verdict = judge(log_rows(times)).verdicts[5]
    assert (verdict.rule, verdict.action) == ("sequence_ahead", "corrected")
    assert steady(11)[4] < verdict.occurred_at < steady(11)[6]


def test_time_far_behind_its_sequence_is_flagged_sequence_behind() -> None:
    times = steady(11)
    times[5] = times[5] - timedelta(days=3)
    verdict = judge(log_rows(times)).verdicts[5]
    assert (verdict.rule, verdict.action) == ("sequence_behind", "corrected")


def test_a_late_upload_within_its_allowance_is_no_contradiction() -> None:
    times = steady(11)
    times[5] = times[5] - timedelta(hours=6)  # an RF session uploaded late: older, but not impossible
    assert judge(log_rows(times)).verdicts == {}


def test_contradiction_whose_neighbours_are_far_apart_is_quarantined() -> None:
    times = [datetime(2026, 11, 20, 8, tzinfo=UTC) + timedelta(minutes=30 * i) for i in range(11)]
    times[5] = times[5] + timedelta(hours=6)
    verdict = judge(log_rows(times)).verdicts[5]
    assert (verdict.rule, verdict.action) == ("sequence_ahead", "quarantined")
    assert "too far apart" in verdict.message


def test_future_time_in_a_sequenced_log_is_corrected_from_the_sequence() -> None:
    times = steady(11, start=RECEIVED - timedelta(minutes=40))
    times[5] = RECEIVED + timedelta(days=2)
    verdict = judge(log_rows(times)).verdicts[5]
    assert (verdict.rule, verdict.action) == ("future", "corrected")
    assert verdict.occurred_at < RECEIVED


def test_dst_fold_read_as_the_first_occurrence_is_moved_to_the_second_when_the_log_had_passed_it() -> None:
    zone = ZoneInfo(LA)
    # 2026-11-01: 01:00-02:00 happens twice. The log is already in the second 01:xx (PST, UTC-8).
    second_hour = [datetime(2026, 11, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=5 * i) for i in range(6)]
    wall = datetime(2026, 11, 1, 1, 32)
    first, _, flags = from_local(wall, LA)
    assert DST_FOLD in flags and first == datetime(2026, 11, 1, 8, 32, tzinfo=UTC)
    rows = [
        *log_rows(second_hour),
        event(6, first, sequence=106, flags=tuple(flags), time_zone=LA, local_time=wall),
    ]
    rows += [
        event(7 + i, second_hour[-1] + timedelta(minutes=3 * (i + 1)), sequence=107 + i) for i in range(4)
    ]
    received = datetime(2026, 11, 1, 12, tzinfo=UTC)
    rows = [r._replace(received_at=received) for r in rows]
    verdict = judge(rows).verdicts[6]
    assert (verdict.rule, verdict.action) == ("dst_fold", "corrected")
    assert verdict.occurred_at == wall.replace(tzinfo=zone, fold=1).astimezone(UTC)


def test_dst_fold_that_fits_the_first_occurrence_is_left_alone() -> None:
    first_hour = [datetime(2026, 11, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=5 * i) for i in range(6)]
    wall = datetime(2026, 11, 1, 1, 32)
    first, _, flags = from_local(wall, LA)
    rows = [
        *log_rows(first_hour),
        event(6, first, sequence=106, flags=tuple(flags), time_zone=LA, local_time=wall),
    ]
    rows = [r._replace(received_at=datetime(2026, 11, 1, 12, tzinfo=UTC)) for r in rows]
    assert 6 not in judge(rows).verdicts


def test_watermark_gives_the_first_rows_of_a_batch_their_neighbours() -> None:
    earlier = steady(5, start=datetime(2026, 11, 20, 11, 50, tzinfo=UTC))
    times = steady(6)
    times[0] = times[0] + timedelta(hours=5)
    verdicts = judge(log_rows(times), before={"wms:DC-RNO": earlier}).verdicts
    assert verdicts[0].rule == "sequence_ahead"
    assert verdicts[0].action == "corrected"
