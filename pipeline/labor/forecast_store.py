"""Stored forecasts: made once a facility-local day from the days before it, kept in labor_forecast so
that pages and the CLI read a plan instead of fitting models.

The model learns from complete days only, so every forecast made during a day is the same: the worker's
job (`refresh_labor_forecasts`, every few minutes) makes one when a facility's local day has turned, or
when the days it learnt from have since received more than 1 % more orders (a first start's backlog still
loading, late uploads), and otherwise does nothing. A new forecast replaces the hours from its origin
(today's local midnight) on; the hours of earlier days keep the forecast they were planned with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import structlog
from sqlalchemy import Connection, Engine, delete, insert, select, text
from sqlalchemy.dialects.postgresql import insert as upsert

from db.master_data import facility
from db.models.labor import LaborForecast, LaborForecastRun
from pipeline.labor.calendar import DemandCalendar, demand_calendar
from pipeline.labor.forecast import (
    HISTORY_DAYS,
    METHOD,
    ForecastInput,
    NotEnoughHistory,
    forecast_demand,
    local_midnight,
)
from pipeline.labor.history import UTC_HOUR, hourly_demand
from pipeline.labor.standards import labor_standards

log = structlog.get_logger(__name__)

FORECAST_DAYS = 14
HISTORY_GROWTH = 0.01  # more orders than this share in the days a forecast learnt from: forecast again

_STORED = text(
    """
    SELECT hour_start, metric, p50, p80, level_sd, noise_sd
    FROM labor_forecast
    WHERE facility_id = :facility_id AND hour_start >= :start AND hour_start < :end
    ORDER BY metric, hour_start
    """
)
_ORDERS_RECEIVED = text(
    """
    SELECT count(DISTINCT order_id) FROM event
    WHERE event_type = 'ORDER_RECEIVED' AND facility_id = :facility_id
      AND occurred_at >= :start AND occurred_at < :end
    """
)
_FORECAST_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:key))")
FORECAST_SCHEMA = {
    "hour_start": UTC_HOUR,
    "metric": pl.String,
    "p50": pl.Float64,
    "p80": pl.Float64,
    "level_sd": pl.Float64,
    "noise_sd": pl.Float64,
}


@dataclass(frozen=True)
class ForecastRun:
    facility_id: str
    origin: datetime
    horizon_days: int
    history_from: date
    history_through: date
    history_orders: int
    method: str
    made_at: datetime


def local_today(facility_id: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(facility(facility_id).time_zone)).date()


def make_forecast(
    conn: Connection, facility_id: str, now: datetime, calendar: DemandCalendar | None = None
) -> ForecastRun:
    """Forecast `facility_id` from today's local midnight for FORECAST_DAYS days and store it.
    Raises NotEnoughHistory (nothing is written) when the history is too short."""
    zone = facility(facility_id).time_zone
    today = local_today(facility_id, now)
    origin = local_midnight(today, zone)
    history = hourly_demand(
        conn, facility_id, local_midnight(today - timedelta(days=HISTORY_DAYS), zone), origin
    )
    forecast = forecast_demand(
        ForecastInput(facility_id, zone, history, origin), FORECAST_DAYS, calendar or demand_calendar()
    )
    made_at = now.astimezone(UTC)
    conn.execute(
        delete(LaborForecast).where(
            LaborForecast.facility_id == facility_id, LaborForecast.hour_start >= origin
        )
    )
    conn.execute(
        insert(LaborForecast),
        [
            {"facility_id": facility_id, "made_at": made_at, **row}
            for row in forecast.hours.iter_rows(named=True)
        ],
    )
    run = ForecastRun(
        facility_id,
        origin,
        FORECAST_DAYS,
        forecast.history_from,
        forecast.history_through,
        int(history["orders"].sum()),
        METHOD,
        made_at,
    )
    values = {
        "facility_id": facility_id,
        "origin": origin,
        "horizon_days": FORECAST_DAYS,
        "history_from": run.history_from,
        "history_through": run.history_through,
        "history_orders": run.history_orders,
        "method": METHOD,
        "made_at": made_at,
    }
    conn.execute(
        upsert(LaborForecastRun)
        .values(**values)
        .on_conflict_do_update(index_elements=["facility_id"], set_=values)
    )
    return run


def latest_run(conn: Connection, facility_id: str) -> ForecastRun | None:
    row = conn.execute(
        select(LaborForecastRun.__table__).where(LaborForecastRun.facility_id == facility_id)
    ).first()
    if row is None:
        return None
    return ForecastRun(
        row.facility_id,
        row.origin,
        row.horizon_days,
        row.history_from,
        row.history_through,
        row.history_orders,
        row.method,
        row.made_at,
    )


def is_current(run: ForecastRun | None, now: datetime) -> bool:
    """True when `run` was made from today's local midnight at its facility: nothing newer to learn."""
    if run is None:
        return False
    zone = facility(run.facility_id).time_zone
    return run.origin == local_midnight(local_today(run.facility_id, now), zone)


def current_forecast(conn: Connection, facility_id: str, now: datetime) -> ForecastRun:
    """Today's forecast of `facility_id`: the stored one when it was made today, else a new one (stored
    in the caller's transaction). Raises NotEnoughHistory.

    Two callers that both find none (two pages opened at once, a page and the worker) take turns on a
    transaction-scoped advisory lock, and the second finds the first one's forecast."""
    run = latest_run(conn, facility_id)
    if run is not None and is_current(run, now):
        return run
    conn.execute(_FORECAST_LOCK, {"key": f"labor_forecast:{facility_id}"})
    run = latest_run(conn, facility_id)
    return run if run is not None and is_current(run, now) else make_forecast(conn, facility_id, now)


def history_grew(conn: Connection, run: ForecastRun) -> bool:
    """True when the days `run` learnt from now hold more than HISTORY_GROWTH more orders than it saw:
    the backlog of a first start was still loading, or a source caught up after an outage."""
    zone = facility(run.facility_id).time_zone
    origin_day = run.origin.astimezone(ZoneInfo(zone)).date()
    start = local_midnight(origin_day - timedelta(days=HISTORY_DAYS), zone)
    orders = conn.execute(
        _ORDERS_RECEIVED, {"facility_id": run.facility_id, "start": start, "end": run.origin}
    ).scalar_one()
    return orders > run.history_orders * (1 + HISTORY_GROWTH)


def stored_forecast(conn: Connection, facility_id: str, start: datetime, end: datetime) -> pl.DataFrame:
    """The stored hourly forecast of `facility_id` for [start, end): hour_start, metric, p50, p80, sds."""
    rows = conn.execute(_STORED, {"facility_id": facility_id, "start": start, "end": end}).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=FORECAST_SCHEMA, orient="row")


def refresh_labor_forecasts(engine: Engine, now: datetime | None = None) -> list[ForecastRun]:
    """The worker's job: a new forecast for every planned facility whose local day has turned since its
    last one, or whose history has grown since (history_grew), each in its own transaction. Returns the
    forecasts made."""
    now = now or datetime.now(UTC)
    made = []
    for facility_id in labor_standards().planned_facilities:
        with engine.begin() as conn:
            latest = latest_run(conn, facility_id)
            if latest is not None and is_current(latest, now) and not history_grew(conn, latest):
                continue
            conn.execute(_FORECAST_LOCK, {"key": f"labor_forecast:{facility_id}"})
            try:
                run = make_forecast(conn, facility_id, now)
            except NotEnoughHistory as reason:
                log.info("labor_forecast.skipped", facility_id=facility_id, reason=str(reason))
                continue
        log.info("labor_forecast.made", facility_id=facility_id, origin=run.origin.isoformat())
        made.append(run)
    return made
