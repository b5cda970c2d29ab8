"""`waypoint kpis`: KPI figures per day or week from the rollups, and `waypoint kpis rebuild`."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import click

from db.engine import make_engine
from db.master_data import carriers, facilities
from db.server import database_url
from pipeline.kpis.definitions import kpi
from pipeline.kpis.queries import KpiScope, last_refreshed_at
from pipeline.kpis.report import KpiReport, kpi_report
from pipeline.kpis.rollups import rebuild_kpi_rollups
from pipeline.settings import get_settings

CHANNELS = ("web", "mobile", "store")
FIGURE_COLUMNS = (
    "period_start", "kpi", "label", "unit", "value", "numerator", "denominator", "inferred_events", "target",
    "baseline", "band_low", "band_high",
)  # fmt: skip
_DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.group(invoke_without_command=True)
@click.option("--from", "first_day", type=_DAY, help="First day of the period (YYYY-MM-DD), included.")
@click.option("--to", "last_day", type=_DAY, help="Last day of the period (YYYY-MM-DD), included.")
@click.option("--facility", help="Only this facility, e.g. DC-RNO or ST-014.")
@click.option("--carrier", help="Only this carrier, e.g. ups.")
@click.option("--channel", type=click.Choice(CHANNELS), help="Only this sales channel.")
@click.option("--by", type=click.Choice(["day", "week"]), default="day", show_default=True,
              help="One figure per day, or per ISO week (Monday start).")  # fmt: skip
@click.option(
    "--format", "output_format", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
@click.option("--inferred/--no-inferred", "include_inferred", default=True, show_default=True,
              help="Count events flagged inferred, or leave them out.")  # fmt: skip
@click.pass_context
def kpis(
    ctx: click.Context,
    first_day: datetime | None,
    last_day: datetime | None,
    facility: str | None,
    carrier: str | None,
    channel: str | None,
    by: str,
    output_format: str,
    include_inferred: bool,
) -> None:
    """Print every KPI per day or week from --from to --to, with its numerator, denominator, target and
    baseline (the figures of the KPI Trends page). The definitions are in the README."""
    if ctx.invoked_subcommand is not None:
        return
    if first_day is None or last_day is None:
        raise click.UsageError("--from and --to are required (or run `waypoint kpis rebuild`)")
    if last_day < first_day:
        raise click.BadParameter(
            f"{last_day:%Y-%m-%d} is before --from {first_day:%Y-%m-%d}", param_hint="--to"
        )
    _check_known("--facility", facility, [item.facility_id for item in facilities()])
    _check_known("--carrier", carrier, [item.carrier_id for item in carriers()])
    scope = KpiScope(facility, carrier, channel, include_inferred)
    with database_url(get_settings()) as url:
        engine = make_engine(url, pool_size=1)
        try:
            with engine.connect() as conn:
                if last_refreshed_at(conn) is None:
                    click.echo("No KPI rollups yet: run `waypoint kpis rebuild` (the worker keeps them "
                               "up to date once they exist).", err=True)  # fmt: skip
                report = kpi_report(conn, first_day.date(), last_day.date(), scope=scope, by=by)  # type: ignore[arg-type]
        finally:
            engine.dispose()
    rows = figure_rows(report)
    if output_format == "csv":
        click.echo(as_csv(rows), nl=False)
    else:
        click.echo(json.dumps(as_document(report, rows), indent=2, default=_json_default))


@kpis.command()
def rebuild() -> None:
    """Recompute every KPI rollup from all events (after changing a facility's zone or shift calendar,
    or a service level). The worker refreshes the days new events touch every minute."""
    with database_url(get_settings()) as url:
        engine = make_engine(url, pool_size=1)
        try:
            report = rebuild_kpi_rollups(engine)
        finally:
            engine.dispose()
    if not report.days:
        click.echo("No KPI events yet: nothing to roll up.")
        return
    click.echo(f"Rebuilt KPI rollups: {len(report.days)} days ({report.days[0]} to {report.days[-1]}), "
               f"{report.rows:,} rows.")  # fmt: skip


def figure_rows(report: KpiReport) -> list[dict]:
    """The report's series as plain rows, in KPI order then period order."""
    return [
        {"label": kpi(row["kpi"]).label, "unit": str(kpi(row["kpi"]).unit), **row}
        for row in report.series.iter_rows(named=True)
    ]


def as_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIGURE_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def as_document(report: KpiReport, rows: list[dict]) -> dict:
    scope = report.scope
    return {
        "from": report.first_day,
        "to": report.last_day,
        "by": report.by,
        "scope": {
            "facility": scope.facility_id,
            "carrier": scope.carrier_id,
            "channel": scope.channel,
            "include_inferred": scope.include_inferred,
        },
        "inferred_events": report.inferred_events,
        "figures": [{column: row[column] for column in FIGURE_COLUMNS} for row in rows],
        "this_week": report.comparison.to_dicts(),
    }


def _check_known(option: str, value: str | None, known: list[str]) -> None:
    if value is not None and value not in known:
        raise click.BadParameter(f"{value!r} is not one of {', '.join(known)}", param_hint=option)


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
