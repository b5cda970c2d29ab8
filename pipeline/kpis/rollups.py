"""Keep the KPI rollups up to date: recompute the facts of the orders that got new events, then sum again
exactly the days those facts were and are on.

An order's facts depend on its own events and dimensions only (pipeline/kpis/facts_sql.py), so every run
takes the orders with events loaded since the last run (`event.loaded_at`, less a margin for loads whose
transaction began before the last run and committed after it), replaces their facts, and sums again the
days their old and new facts fall on. A late event, a late ORDER_RECEIVED that gives an order its channel,
or a DELIVERED scan earlier than the one already counted all move facts between days that are both summed
again. The first run, and `waypoint kpis rebuild`, compute all history. Changing a facility's zone or
shift calendar or a service level needs a rebuild.

`refresh_rollups` runs in the caller's transaction; `refresh_kpi_rollups(engine, since=…)` is the job the
worker schedules, one transaction per run. Runs are serialized by a transaction-scoped advisory lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import structlog
from sqlalchemy import Connection, Engine, text

from pipeline.kpis import facts_sql
from pipeline.kpis.facts import (
    OBSERVED_ONLY,
    WITH_INFERRED,
    compute_facts_for_all_orders,
    compute_facts_for_orders,
)
from pipeline.singleton import lock_key

log = structlog.get_logger(__name__)

STATE_NAME = "kpi_rollups"
LATE_COMMIT_MARGIN = timedelta(minutes=5)

_FRESH_ORDERS = "SELECT DISTINCT order_id FROM event WHERE loaded_at > :loaded_after"
_SAVE_STATE = """
INSERT INTO kpi_refresh_state (name, loaded_through, refreshed_at) VALUES (:name, :at, now())
ON CONFLICT (name) DO UPDATE SET loaded_through = excluded.loaded_through, refreshed_at = now()
"""


@dataclass(frozen=True)
class RefreshReport:
    days: tuple[date, ...]  # the days whose rollup rows were written again
    orders: int  # orders whose facts were computed again
    rows: int  # rollup rows written
    full: bool  # all of history was recomputed


def refresh_kpi_rollups(engine: Engine, *, since: date | None = None) -> RefreshReport:
    """The scheduled job: one refresh in its own transaction (see `refresh_rollups`)."""
    with engine.begin() as conn:
        report = refresh_rollups(conn, since=since)
    if report.days:
        log.info(
            "kpis.refreshed", orders=report.orders, days=len(report.days), rows=report.rows, full=report.full
        )
    return report


def rebuild_kpi_rollups(engine: Engine) -> RefreshReport:
    """Recompute every fact and every day of history (`waypoint kpis rebuild`), in one transaction."""
    with engine.begin() as conn:
        return refresh_rollups(conn, full=True)


def refresh_rollups(conn: Connection, *, since: date | None = None, full: bool = False) -> RefreshReport:
    """Recompute the facts of orders with events loaded since the last refresh and the days those facts
    touch, and every day from `since` on when given. With no refresh before, or `full`, all of history."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(STATE_NAME)})
    started_at: datetime = conn.execute(text("SELECT now()")).scalar_one()
    loaded_through = conn.execute(
        text("SELECT loaded_through FROM kpi_refresh_state WHERE name = :name"), {"name": STATE_NAME}
    ).scalar_one_or_none()
    full = full or loaded_through is None
    if full:
        orders, days = _recompute_all_facts(conn)
    else:
        fresh = (
            conn.execute(text(_FRESH_ORDERS), {"loaded_after": loaded_through - LATE_COMMIT_MARGIN})
            .scalars()
            .all()
        )
        orders, days = len(fresh), _recompute_facts(conn, fresh) if fresh else set()
        if since is not None:
            last = conn.execute(text("SELECT max(day) FROM kpi_fact")).scalar_one()
            days |= set(_date_range(since, last)) if last else set()
    rows = _sum_days(conn, sorted(days), full=full)
    conn.execute(text(_SAVE_STATE), {"name": STATE_NAME, "at": started_at})
    return RefreshReport(days=tuple(sorted(days)), orders=orders, rows=rows, full=full)


def day_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs, for reports and logs."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _recompute_facts(conn: Connection, order_ids: Sequence[str]) -> set[date]:
    """Replace these orders' facts; the days their facts were on and are on now."""
    parameters = {"order_ids": list(order_ids)}
    days = set(conn.execute(text(facts_sql.FACT_DAYS), parameters).scalars())
    conn.execute(text(facts_sql.DELETE_FACTS), parameters)
    compute_facts_for_orders(conn, order_ids)
    return days | _save_new_facts(conn)


def _recompute_all_facts(conn: Connection) -> tuple[int, set[date]]:
    conn.execute(text("DELETE FROM kpi_fact"))
    compute_facts_for_all_orders(conn)
    orders = conn.execute(text("SELECT count(DISTINCT order_id) FROM kpi_event")).scalar_one()
    return orders, _save_new_facts(conn)


def _save_new_facts(conn: Connection) -> set[date]:
    conn.execute(text(facts_sql.SAVE_FACTS))
    return set(conn.execute(text(facts_sql.NEW_FACT_DAYS)).scalars())


def _sum_days(conn: Connection, days: list[date], *, full: bool) -> int:
    """Write the rollup rows of `days` from the facts (after a full recompute: all of them, from the facts
    just computed)."""
    if full:
        conn.execute(text("DELETE FROM kpi_rollup"))
        statement, parameters = facts_sql.INSERT_ALL_ROLLUPS, {}
    else:
        conn.execute(text(facts_sql.DELETE_ROLLUP_DAYS), {"days": days})
        statement, parameters = facts_sql.INSERT_ROLLUP, {"days": days}
    if not days:
        return 0
    return sum(
        conn.execute(text(statement), {**parameters, "variant": variant}).rowcount
        for variant in (WITH_INFERRED, OBSERVED_ONLY)
    )


def _date_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
