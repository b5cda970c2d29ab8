"""`waypoint labor`: the demand forecast's backtest, the staffing plan of a facility, and a forecast made
by hand (the worker refreshes it every local day)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import click
from sqlalchemy import Connection, Engine

from db.engine import make_engine
from db.master_data import facilities, facility
from db.server import database_url
from pipeline.labor.backtest import (
    DEFAULT_HORIZON_DAYS,
    DEFAULT_MIN_TRAIN_DAYS,
    DEFAULT_STEP_DAYS,
    BacktestScore,
    backtest,
)
from pipeline.labor.calendar import demand_calendar
from pipeline.labor.forecast import NotEnoughHistory, local_midnight
from pipeline.labor.forecast_store import local_today, make_forecast
from pipeline.labor.history import hourly_demand
from pipeline.labor.plan import MAX_PLAN_DAYS, PlanRequestError, facility_plan
from pipeline.labor.standards import labor_standards
from pipeline.settings import get_settings

_DAY = click.DateTime(formats=["%Y-%m-%d"])
PLAN_COLUMNS = (
    "facility_id", "day", "shift", "starts_at", "ends_at", "shift_hours", "process", "driver", "workload_p50",
    "workload_p80", "labor_hours_p50", "labor_hours_p80", "headcount_p50", "headcount_p80", "rostered",
    "gap_p50", "gap_p80",
)  # fmt: skip


@click.group()
def labor() -> None:
    """Labor planning: hourly demand forecast per facility, staffing per shift, and its backtest."""


@contextmanager
def _connection() -> Iterator[Connection]:
    with database_url(get_settings()) as url:
        engine: Engine = make_engine(url, pool_size=1)
        try:
            with engine.begin() as conn:
                yield conn
        finally:
            engine.dispose()


def _facility_ids(facility_id: str | None) -> list[str]:
    known = [item.facility_id for item in facilities()]
    if facility_id is None:
        return list(labor_standards().planned_facilities)
    if facility_id not in known:
        raise click.BadParameter(f"{facility_id!r} is not one of {', '.join(known)}", param_hint="--facility")
    return [facility_id]


@labor.command("backtest")
@click.option("--facility", "facility_id", help="Only this facility (default: the planned DCs).")
@click.option("--days", type=click.IntRange(28, 400), default=60, show_default=True,
              help="Days of history to replay, ending the day before --until.")  # fmt: skip
@click.option(
    "--until", type=_DAY, help="First day not replayed (YYYY-MM-DD, facility-local; default: today)."
)
@click.option("--horizon", type=click.IntRange(1, 28), default=DEFAULT_HORIZON_DAYS, show_default=True,
              help="Days forecast from each origin.")  # fmt: skip
@click.option("--step", type=click.IntRange(1, 28), default=DEFAULT_STEP_DAYS, show_default=True,
              help="Days between two origins.")  # fmt: skip
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def backtest_command(
    facility_id: str | None, days: int, until: datetime | None, horizon: int, step: int, output_format: str
) -> None:
    """Rolling-origin backtest: from every --step-th local midnight (after three weeks of history) forecast
    the next --horizon days from the hours before it only, and score every hour forecast with WAPE
    (sum |actual - forecast| / sum actual) for the model (p50) and for the seasonal-naive baseline (the
    same local weekday and hour in the last week before the origin). Exits 1 when the model does not beat
    the baseline on orders, or when history is too short."""
    scores: list[BacktestScore] = []
    with _connection() as conn:
        for fid in _facility_ids(facility_id):
            zone = facility(fid).time_zone
            end_day = until.date() if until else local_today(fid, datetime.now(UTC))
            history = hourly_demand(
                conn, fid, local_midnight(end_day - timedelta(days=days), zone), local_midnight(end_day, zone)
            )
            found = backtest(fid, zone, history, demand_calendar(), horizon_days=horizon, step_days=step)
            if not found:
                raise click.ClickException(
                    f"{fid}: {days} days before {end_day} hold no complete backtest: it needs "
                    f"{DEFAULT_MIN_TRAIN_DAYS} days of orders before the first origin and {horizon} after it"
                )
            scores.extend(found)
    if output_format == "json":
        click.echo(json.dumps([{**vars(s), "beats_baseline": s.beats_baseline} for s in scores], indent=2))
    else:
        click.echo(f"{'facility':<8} {'metric':<7} {'origins':>7} {'hours':>6} {'model WAPE':>10} "
                   f"{'baseline WAPE':>13} {'p80 coverage':>12}")  # fmt: skip
        for s in scores:
            click.echo(f"{s.facility_id:<8} {s.metric:<7} {s.origins:>7} {s.hours:>6} {s.model_wape:>10.1%} "
                       f"{s.baseline_wape:>13.1%} {s.p80_coverage:>12.1%}")  # fmt: skip
    if any(not s.beats_baseline for s in scores if s.metric == "orders"):
        raise click.ClickException("the model does not beat the seasonal-naive baseline on orders")


@labor.command("plan")
@click.option("--facility", "facility_id", required=True, help="Facility to plan, e.g. DC-RNO.")
@click.option("--days", type=click.IntRange(1, MAX_PLAN_DAYS), default=7, show_default=True,
              help="Local days from today.")  # fmt: skip
@click.option(
    "--format", "output_format", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
def plan_command(facility_id: str, days: int, output_format: str) -> None:
    """Required labor hours and headcount per process (pick, pack, ship) per shift for p50 and p80
    demand, beside the roster; from today's stored forecast (made now when there is none yet)."""
    (fid,) = _facility_ids(facility_id)
    try:
        with _connection() as conn:
            plan = facility_plan(conn, fid, datetime.now(UTC), days)
    except (NotEnoughHistory, PlanRequestError) as error:
        raise click.ClickException(str(error)) from error
    rows = [{"facility_id": fid, **row} for row in plan.shifts.iter_rows(named=True)]
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=PLAN_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
        return
    document = {
        "facility_id": fid,
        "time_zone": plan.time_zone,
        "first_day": plan.first_day,
        "last_day": plan.last_day,
        "forecast": {
            "origin": plan.run.origin,
            "made_at": plan.run.made_at,
            "history_from": plan.run.history_from,
            "history_through": plan.run.history_through,
            "method": plan.run.method,
        },
        "shifts": [{column: row[column] for column in PLAN_COLUMNS} for row in rows],
    }
    click.echo(json.dumps(document, indent=2, default=_json_default))


@labor.command("forecast")
@click.option("--facility", "facility_id", help="Only this facility (default: the planned DCs).")
def forecast_command(facility_id: str | None) -> None:
    """Make and store today's forecast now (the worker does this once every local day)."""
    now = datetime.now(UTC)
    with _connection() as conn:
        for fid in _facility_ids(facility_id):
            try:
                run = make_forecast(conn, fid, now)
            except NotEnoughHistory as error:
                click.echo(f"{fid}: skipped: {error}", err=True)
                continue
            click.echo(f"{fid}: forecast from {run.origin.isoformat()} for {run.horizon_days} days, learnt "
                       f"from {run.history_from} to {run.history_through}")  # fmt: skip


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
