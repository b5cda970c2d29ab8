"""`waypoint eta`: score the delivery estimates on history, and refresh them by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from db.engine import make_engine
from db.server import database_url
from pipeline.eta.backtest import BacktestReport, ModelScore, backtest
from pipeline.eta.jobs import refresh_etas
from pipeline.eta.policy import EtaPolicy, PolicyError, load_policy
from pipeline.settings import get_settings

_DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.group()
def eta() -> None:
    """Delivery estimates: lane statistics, the current estimate per shipment, and their backtest."""


@eta.command("backtest")
@click.option(
    "--from", "first_day", type=_DAY, required=True, help="First pickup day (YYYY-MM-DD, UTC), included."
)
@click.option(
    "--to", "last_day", type=_DAY, required=True, help="Last pickup day (YYYY-MM-DD, UTC), included."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a table for people; json: every figure, for scripts.",
)
def backtest_command(first_day: datetime, last_day: datetime, output_format: str) -> None:
    """Replay history: estimate every shipment picked up from --from to --to (and delivered since) as of
    its pickup scan, with only the deliveries known before it, and report the mean absolute error in
    hours and the share of deliveries inside the window, for the lane model and for the
    service-level-only baseline."""
    if last_day < first_day:
        raise click.BadParameter(
            f"{last_day:%Y-%m-%d} is before --from {first_day:%Y-%m-%d}", param_hint="--to"
        )
    policy = _policy()
    with database_url(get_settings()) as url:
        engine = make_engine(url, pool_size=1)
        try:
            with engine.connect() as conn:
                report = backtest(conn, first_day.date(), last_day.date(), policy=policy)
        finally:
            engine.dispose()
    if report.baseline.deliveries == 0:
        click.echo(
            f"No shipment picked up from {first_day:%Y-%m-%d} to {last_day:%Y-%m-%d} has been delivered yet: "
            "nothing to score.",
            err=True,
        )
    if output_format == "json":
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        click.echo(render_report(report))


@eta.command()
def refresh() -> None:
    """Measure new deliveries into the lane statistics, then estimate again every shipment with new
    events or a passed estimate (what the worker does every minute)."""
    _policy()
    with database_url(get_settings()) as url:
        engine = make_engine(url, pool_size=1)
        try:
            report = refresh_etas(engine, now=datetime.now(UTC))
        finally:
            engine.dispose()
    lanes, etas = report.lanes, report.etas
    click.echo(
        f"Lane statistics: {lanes.samples:,} deliveries measured, {lanes.lanes:,} lanes summarized"
        f"{' (all lanes)' if lanes.full else ''}.\n"
        f"Estimates: {etas.estimated:,} shipments estimated, {etas.changed:,} changed."
    )


def _policy() -> EtaPolicy:
    """The policy file, or a usage error naming the field that breaks a rule."""
    try:
        return load_policy()
    except PolicyError as error:
        raise click.ClickException(f"ETA policy: {error}") from None


def render_report(report: BacktestReport) -> str:
    lines = [
        f"ETA backtest, pickups {report.first_day} to {report.last_day} (estimates as of CARRIER_PICKUP)",
        "",
        f"{'model':<22} {'deliveries':>10} {'MAE h':>8} {'median h':>9} {'in window':>10} {'window days':>12}",
    ]
    lines.append(_row("lane model", report.lane_model))
    lines += [_row(f"  of which {source}", score) for source, score in report.by_source.items()]
    lines.append(_row("service level only", report.baseline))
    lines += [
        "",
        f"Lane model estimates from a lane (not the service-level fallback): {report.lane_share:.1%}",
    ]
    return "\n".join(lines)


def _row(name: str, score: ModelScore) -> str:
    return (
        f"{name:<22} {score.deliveries:>10,} {score.mae_hours:>8.1f} {score.median_error_hours:>9.1f} "
        f"{score.inside_window:>10.1%} {score.mean_window_days:>12.2f}"
    )
