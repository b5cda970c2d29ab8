"""`waypoint dq`: data quality — the report of what the checks found and did, and the checks themselves on
demand (the worker runs them on its schedule)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from db.engine import make_engine
from db.server import database_url
from pipeline.settings import get_settings

_SINCE = click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"])


@click.group()
def dq() -> None:
    """Data quality: findings report, backfill, SKU master cleansing, pipeline health."""


@dq.command("report")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--since", type=_SINCE, help="Only findings from this day or instant on (YYYY-MM-DD, UTC).")
@click.option("--examples", type=click.IntRange(0, 20), default=2, show_default=True,
              help="Examples shown per rule and source.")  # fmt: skip
def report_command(output_format: str, since: datetime | None, examples: int) -> None:
    """Counts per rule and source (timestamps, backfill, SKU master), with examples."""
    from pipeline.quality.report import build_report, render_text

    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    with database_url(get_settings()) as url:
        engine = make_engine(url, pool_size=1)
        try:
            with engine.connect() as conn:
                report = build_report(conn, since=since, examples=examples)
        finally:
            engine.dispose()
    if output_format == "json":
        click.echo(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        click.echo(render_text(report))


@dq.command("backfill")
def backfill_command() -> None:
    """Run the backfill once: find lifecycle gaps, re-fetch from the source, infer what is still missing."""
    from pipeline.quality.backfill import backfill_gaps

    settings = get_settings()
    with database_url(settings) as url:
        engine = make_engine(url, pool_size=2)
        try:
            result = backfill_gaps(engine, settings, database_url=url)
        finally:
            engine.dispose()
    if result.skipped_locked:
        raise click.ClickException("another backfill run holds the lock; try again in a minute")
    click.echo(
        f"gaps {result.found}, re-fetched {result.refetched}, inferred {result.inferred}, closed {result.closed}"
    )


@dq.command("cleanse-skus")
def cleanse_command() -> None:
    """Rebuild the cleansed SKU master from the SKU master as the WMS holds it; print before and after."""
    from pipeline.quality.sku_cleansing import cleanse_sku_master_job

    with database_url(get_settings()) as url:
        engine = make_engine(url, pool_size=1)
        try:
            summary = cleanse_sku_master_job(engine)
        finally:
            engine.dispose()
    click.echo(f"{summary.skus} SKUs; weight units as typed: {dict(summary.weight_units_before)}")
    click.echo(f"dimension units as typed: {dict(summary.dimension_units_before)}")
    click.echo(
        f"issues: {dict(summary.issues) or 'none'}; corrections by factor: {dict(summary.corrections_by_factor)}"
    )


@dq.command("health")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def health_command(output_format: str) -> None:
    """Measure every source's health now (and raise or resolve PIPELINE_HEALTH exceptions)."""
    from pipeline.quality.health import breach_summary
    from pipeline.quality.health_job import check_pipeline_health

    with database_url(get_settings()) as url:
        engine = make_engine(url, pool_size=1)
        try:
            result = check_pipeline_health(engine)
        finally:
            engine.dispose()
    if result.skipped_locked:
        raise click.ClickException("another health check holds the lock; try again in a minute")
    if output_format == "json":
        click.echo(json.dumps([vars(health) for health in result.sources], indent=2, default=str))
        return
    for health in result.sources:
        click.echo(f"{health.status:<8} {breach_summary(health)}")
    click.echo(f"opened {result.opened}, resolved {result.resolved}")
