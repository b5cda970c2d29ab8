"""`waypoint simulate …`: the simulated source systems (WMS, store tool, carriers, helpdesk) and customers."""

from __future__ import annotations

import threading

import click
import psycopg

from db.engine import libpq_url
from db.server import database_url
from pipeline.settings import get_settings
from simulator.databases import sim_database_url
from simulator.engine import (
    WorldAlreadySeeded,
    database_sizes,
    is_seeded,
    seed,
    source_database_urls,
    world_state,
)


@click.group()
def simulate() -> None:
    """Seed and run the simulated world that feeds Waypoint's sources."""


@simulate.command("seed")
@click.option(
    "--days", type=float, default=None, help="Days of history to generate (default: WAYPOINT_SIM_DAYS)."
)
@click.option(
    "--orders-per-month",
    type=int,
    default=None,
    help="Order volume (default: WAYPOINT_SIM_ORDERS_PER_MONTH).",
)
@click.option(
    "--seed", "seed_value", type=int, default=None, help="Random seed (default: WAYPOINT_SIM_SEED)."
)
@click.option(
    "--force", is_flag=True, help="Drop and recreate the source databases of an already seeded world."
)
def seed_command(
    days: float | None, orders_per_month: int | None, seed_value: int | None, force: bool
) -> None:
    """Create the source databases and fill them with history up to now."""
    settings = get_settings()
    with database_url(settings) as url:
        try:
            report = seed(
                url,
                days=days if days is not None else settings.sim_days,
                orders_per_month=orders_per_month or settings.sim_orders_per_month,
                seed=seed_value if seed_value is not None else settings.sim_seed,
                force=force,
            )
        except WorldAlreadySeeded as error:
            raise click.ClickException(f"{error} (add --force)") from error
    click.echo(
        f"seeded {report.days:g} days at {report.orders_per_month:,} orders/month (seed {report.seed}) "
        f"in {report.seconds:.1f} s: {report.truth_rows:,} records, {report.pending_rows:,} pending"
    )
    for table, rows in sorted(report.rows_written.items()):
        click.echo(f"  {table:<45} {rows:>12,} rows")
    for name, size in report.database_bytes.items():
        click.echo(f"  {name:<45} {size / 1e6:>10.1f} MB")


@simulate.command()
@click.option(
    "--speed", type=float, default=None, help="Clock rate (1 = real time; default WAYPOINT_SIM_SPEED)."
)
def live(speed: float | None) -> None:
    """Catch up to now, then keep the world running and serve the source systems' APIs until stopped."""
    from simulator.live import run_live
    from simulator.messaging.mail_server import MailServerUnavailable

    settings = get_settings()
    with database_url(settings) as url:
        if not is_seeded(url):
            raise click.ClickException("the world is not seeded: run `waypoint simulate seed` first")
        try:
            state = run_live(
                url, speed=speed or settings.sim_speed, stop_event=threading.Event(), settings=settings
            )
        except MailServerUnavailable as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"stopped at {state.clock.isoformat()}")


@simulate.command()
def status() -> None:
    """World parameters, the simulated clock, rows per source table and pending rows."""
    settings = get_settings()
    with database_url(settings) as url:
        state = world_state(url)
        if state is None:
            click.echo("not seeded")
            return
        click.echo(f"seed {state.seed}, {state.orders_per_month:,} orders/month")
        click.echo(
            f"history from {state.first_hour.isoformat()}, seeded until {state.seeded_until.isoformat()}"
        )
        click.echo(
            f"clock {state.clock.isoformat()}, orders generated until {state.generated_until.isoformat()}"
        )
        for key, source_url in source_database_urls(url).items():
            with psycopg.connect(libpq_url(source_url)) as conn:
                for table, rows in _table_rows(conn):
                    click.echo(f"  {key:<11} {table:<40} {rows:>12,} rows")
        with psycopg.connect(libpq_url(sim_database_url(url))) as conn:
            pending = conn.execute("SELECT count(*) FROM sim.pending").fetchone()[0]
        click.echo(f"pending rows {pending:,}")
        for name, size in database_sizes(url).items():
            click.echo(f"  {name:<45} {size / 1e6:>10.1f} MB")


def _table_rows(conn: psycopg.Connection) -> list[tuple[str, int]]:
    """Row counts of the source tables (exact; the tables are a few million rows at most)."""
    tables = conn.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE' "
        "ORDER BY 1, 2"
    ).fetchall()
    result = []
    for schema, name in tables:
        query = psycopg.sql.SQL("SELECT count(*) FROM {}").format(psycopg.sql.Identifier(schema, name))
        result.append((f"{schema}.{name}", conn.execute(query).fetchone()[0]))
    return result
