"""KPI facts computed from the events, per order; and per day, the reference the rollups must equal.

`compute_facts_for_orders`, `compute_facts_for_window` and `compute_facts_for_all_orders` fill this
transaction's `kpi_fact_new` with the facts of some orders (see facts_sql.py); `daily_kpi_rows` sums the facts of a range of days
straight from the events. All run in the caller's transaction and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

import polars as pl
from sqlalchemy import Connection, text

from db.master_data import Shift
from pipeline.kpis import facts_sql
from pipeline.kpis.calendar import business_calendar, shift_windows
from pipeline.kpis.definitions import EXCEPTION_TYPES, INFERRED_FLAG, KPI_EVENT_TYPES

ROLLUP_SCHEMA = {
    "kpi": pl.String,
    "day": pl.Date,
    "facility_id": pl.String,
    "carrier_id": pl.String,
    "channel": pl.String,
    "shift": pl.String,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "inferred_events": pl.Int64,
}
WORK_MEM = "256MB"
WITH_INFERRED, OBSERVED_ONLY = 1, 2  # the `variant` a rollup of each kind sums (with variant 0)


def daily_kpi_rows(
    conn: Connection, first_day: date, last_day: date, *, include_inferred: bool = True
) -> pl.DataFrame:
    """Every KPI's numerator and denominator per day, facility, carrier, channel and shift, straight
    from the events (ROLLUP_SCHEMA)."""
    compute_facts_for_window(conn, first_day, last_day)
    rows = conn.execute(
        text(facts_sql.DAILY_ROWS),
        {
            "first_day": first_day,
            "last_day": last_day,
            "variant": WITH_INFERRED if include_inferred else OBSERVED_ONLY,
        },
    ).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=ROLLUP_SCHEMA, orient="row")


def compute_facts_for_window(conn: Connection, first_day: date, last_day: date) -> None:
    """The facts of every order with a KPI event that can fall on a day from `first_day` to `last_day`."""
    conn.exec_driver_sql(facts_sql.CREATE_INPUTS)
    # A local day in any zone (UTC-12 to UTC+14) lies within these UTC bounds.
    lo = datetime.combine(first_day - timedelta(days=1), time(), UTC)
    hi = datetime.combine(last_day + timedelta(days=2), time(), UTC)
    conn.execute(
        text(facts_sql.GATHER_WINDOW_EVENTS),
        {"types": list(KPI_EVENT_TYPES), "lo": lo, "hi": hi, "inferred_flag": INFERRED_FLAG},
    )
    _compute(conn)


def compute_facts_for_all_orders(conn: Connection) -> None:
    """The facts of every order with a KPI event (a rebuild)."""
    conn.exec_driver_sql(facts_sql.CREATE_INPUTS)
    conn.execute(
        text(facts_sql.GATHER_ALL_EVENTS), {"types": list(KPI_EVENT_TYPES), "inferred_flag": INFERRED_FLAG}
    )
    _compute(conn)


def compute_facts_for_orders(conn: Connection, order_ids: Sequence[str]) -> None:
    """The facts of these orders."""
    conn.exec_driver_sql(facts_sql.CREATE_INPUTS)
    conn.execute(
        text(facts_sql.GATHER_ORDER_EVENTS),
        {"types": list(KPI_EVENT_TYPES), "order_ids": list(order_ids), "inferred_flag": INFERRED_FLAG},
    )
    _compute(conn)


def _compute(conn: Connection) -> None:
    # A rebuild sorts and hashes millions of rows; in memory rather than in temporary files.
    conn.exec_driver_sql(f"SET LOCAL work_mem = '{WORK_MEM}'")
    conn.execute(text(facts_sql.GATHER_ORDERS))
    conn.execute(text(facts_sql.GATHER_SHIPMENTS))
    first_at, last_at = conn.execute(text(facts_sql.EVENT_SPAN)).one()
    if first_at is None:
        return
    _gather_shifts(conn, first_at.date() - timedelta(days=2), last_at.date() + timedelta(days=1))
    _gather_calendar(conn, first_at.date() - timedelta(days=2), last_at.date())
    conn.exec_driver_sql(facts_sql.ANALYZE_INPUTS)
    for observed in (False, True):
        conn.execute(
            text(facts_sql.ORDER_FACTS), {"observed": observed, "exception_types": list(EXCEPTION_TYPES)}
        )


def _gather_shifts(conn: Connection, first_day: date, last_day: date) -> None:
    """Every facility's shift windows starting on the days the gathered events span."""
    columns: tuple[list, ...] = ([], [], [], [], [])
    facilities = conn.execute(text("SELECT facility_id, time_zone, shift_calendar FROM facility")).all()
    for facility_id, zone, calendar in facilities:
        shifts = [Shift.model_validate(item) for item in calendar or []]
        for window in shift_windows(facility_id, zone, shifts, first_day, last_day):
            for column, value in zip(
                columns,
                (window.facility_id, window.day, window.shift, window.starts_at, window.ends_at),
                strict=True,
            ):
                column.append(value)
    conn.execute(
        text(facts_sql.GATHER_SHIFTS),
        dict(zip(("facility_ids", "days", "shifts", "starts", "ends"), columns, strict=True)),
    )


def _gather_calendar(conn: Connection, first_day: date, last_day: date) -> None:
    """Business days from the earliest event gathered to past the latest, far enough for the longest
    committed transit (15 business days) to end."""
    calendar = business_calendar(first_day, last_day + timedelta(days=35))
    conn.execute(
        text(facts_sql.GATHER_CALENDAR),
        {
            "days": [item.day for item in calendar],
            "business_indexes": [item.business_index for item in calendar],
            "next_business_indexes": [item.next_business_index for item in calendar],
        },
    )
