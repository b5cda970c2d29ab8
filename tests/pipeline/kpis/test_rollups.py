"""The rollups: whatever order and batches events arrive in, refreshed rollups hold exactly the figures
computed straight from the events, and a refresh recomputes only the days new events touch."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import polars as pl
import pytest
from sqlalchemy import Connection, Engine, text

from pipeline.kpis.facts import ROLLUP_SCHEMA, daily_kpi_rows
from pipeline.kpis.rollups import day_runs, rebuild_kpi_rollups, refresh_kpi_rollups
from tests.pipeline.kpis.history import synthetic_history
from tests.pipeline.kpis.orders import CHICAGO, RENO, Order, load, local, totals

KEY = ["kpi", "day", "facility_id", "carrier_id", "channel", "shift"]


def rollup_rows(conn: Connection, *, with_inferred: bool) -> pl.DataFrame:
    rows = conn.execute(
        text(f"SELECT {', '.join(ROLLUP_SCHEMA)} FROM kpi_rollup WHERE with_inferred = :w"),
        {"w": with_inferred},
    ).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=ROLLUP_SCHEMA, orient="row")


def canonical(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("numerator").round(6)).sort(KEY)


def assert_rollups_match_the_events(engine: Engine) -> None:
    with engine.connect() as conn:
        first, last = conn.execute(text("SELECT min(day), max(day) FROM kpi_rollup")).one()
        for with_inferred in (True, False):
            direct = daily_kpi_rows(conn, first, last, include_inferred=with_inferred)
            assert canonical(rollup_rows(conn, with_inferred=with_inferred)).equals(canonical(direct))


def age_loaded_events(engine: Engine) -> None:
    """Make every event loaded so far look loaded an hour ago: the next refresh sees only newer loads."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE event SET loaded_at = loaded_at - interval '1 hour'"))


@pytest.mark.slow
def test_events_arriving_late_in_shuffled_batches_give_the_rollups_the_events_give(
    fresh_engine: Engine,
) -> None:
    orders = synthetic_history(date(2026, 10, 19), days=14, orders_per_day=12, seed=3)
    events = [event for order in orders for event in order.events]
    random.Random(3).shuffle(events)
    batches = [events[index::4] for index in range(4)]

    for number, batch in enumerate(batches):
        with fresh_engine.begin() as conn:
            load(conn, batch, received_at=datetime(2026, 11, 10 + number, tzinfo=UTC))
        report = refresh_kpi_rollups(fresh_engine)
        assert report.full is (number == 0)

    assert_rollups_match_the_events(fresh_engine)
    with fresh_engine.connect() as conn:
        kinds = set(conn.execute(text("SELECT DISTINCT kpi FROM kpi_rollup")).scalars())
    assert len(kinds) == 9


def test_a_refresh_recomputes_only_the_days_late_events_fall_on(fresh_engine: Engine) -> None:
    promise = local(CHICAGO, 2026, 11, 12, 23, 59)
    early = Order("SO-KR000001").received(
        local(RENO, 2026, 11, 2, 9), promised=promise, ship_by=local(RENO, 2026, 11, 3, 17)
    )
    early.step("PICK_STARTED", local(RENO, 2026, 11, 3, 8)).step(
        "PACK_COMPLETED", local(RENO, 2026, 11, 3, 9)
    )
    early.label(local(RENO, 2026, 11, 3, 9, 5)).scan("CARRIER_PICKUP", local(RENO, 2026, 11, 3, 15))
    early.scan("DELIVERED", local(CHICAGO, 2026, 11, 6, 15))
    other = Order("SO-KR000002").step("PICK_STARTED", local(RENO, 2026, 11, 16, 8))
    other.step("PACK_COMPLETED", local(RENO, 2026, 11, 16, 9))
    with fresh_engine.begin() as conn:
        load(conn, early, other)
    assert refresh_kpi_rollups(fresh_engine).full
    age_loaded_events(fresh_engine)
    assert refresh_kpi_rollups(fresh_engine).days == ()  # nothing new, nothing recomputed

    # A DELIVERED scan of the same parcel, a day earlier than the one counted, arrives a week late.
    late = Order("SO-KR000001").scan("DELIVERED", local(CHICAGO, 2026, 11, 5, 15))
    with fresh_engine.begin() as conn:
        load(conn, late, received_at=datetime(2026, 11, 13, tzinfo=UTC))
    report = refresh_kpi_rollups(fresh_engine)

    assert not report.full and report.orders == 1
    # The order's facts were on Nov 3 (pack, pickup) and Nov 6 (delivery); now the delivery is on Nov 5.
    assert report.days == (date(2026, 11, 3), date(2026, 11, 5), date(2026, 11, 6))
    with fresh_engine.connect() as conn:
        rows = rollup_rows(conn, with_inferred=True)
    assert totals(rows, "on_time_delivery", day=date(2026, 11, 5)) == (1, 1)
    assert totals(rows, "on_time_delivery", day=date(2026, 11, 6)) == (0, 0)
    assert totals(rows, "pick_to_pack_minutes", day=date(2026, 11, 16)) == (60, 1)
    assert_rollups_match_the_events(fresh_engine)


def test_since_recomputes_every_day_from_then_and_rebuild_all_of_history(fresh_engine: Engine) -> None:
    orders = [
        Order(f"SO-KR00010{day}")
        .step("PICK_STARTED", local(RENO, 2026, 11, day, 8))
        .step("PACK_COMPLETED", local(RENO, 2026, 11, day, 8, 30))
        for day in (2, 4, 9)
    ]
    with fresh_engine.begin() as conn:
        load(conn, *orders)
    refresh_kpi_rollups(fresh_engine)
    age_loaded_events(fresh_engine)

    report = refresh_kpi_rollups(fresh_engine, since=date(2026, 11, 3))
    assert report.days == tuple(date(2026, 11, day) for day in range(3, 10))  # to the last day with facts

    rebuilt = rebuild_kpi_rollups(fresh_engine)
    assert rebuilt.full and rebuilt.days == (date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 9))
    assert rebuilt.orders == 3
    assert_rollups_match_the_events(fresh_engine)


def test_consecutive_days_are_recomputed_together() -> None:
    days = [date(2026, 11, 3), date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 2)]
    assert day_runs(days) == [(date(2026, 11, 1), date(2026, 11, 3)), (date(2026, 11, 9), date(2026, 11, 9))]


def test_a_late_pack_before_dawn_is_counted_in_the_night_shift_of_the_evening_before(
    fresh_engine: Engine,
) -> None:
    with fresh_engine.begin() as conn:
        load(conn, Order("SO-KR000201").step("PICK_STARTED", local(RENO, 2026, 11, 2, 8)))
    refresh_kpi_rollups(fresh_engine)
    age_loaded_events(fresh_engine)

    # Friday 05:00–05:30 in Reno is Friday in every US zone, but Thursday's night shift (23:00–06:00).
    late = Order("SO-KR000202").step("PICK_STARTED", local(RENO, 2026, 11, 6, 5))
    late.step("PACK_COMPLETED", local(RENO, 2026, 11, 6, 5, 30))
    with fresh_engine.begin() as conn:
        load(conn, late, received_at=datetime(2026, 11, 9, tzinfo=UTC))
    refresh_kpi_rollups(fresh_engine)

    with fresh_engine.connect() as conn:
        rows = rollup_rows(conn, with_inferred=True)
    assert totals(rows, "orders_packed_per_shift", day=date(2026, 11, 5), shift="night") == (1, 1)
