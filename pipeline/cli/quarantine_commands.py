"""`waypoint quarantine …`: what could not be normalized, why, and replaying it after a fix."""

from __future__ import annotations

import click

from db.engine import make_engine
from db.server import database_url
from pipeline.drain import replay as replay_payloads
from pipeline.quarantine import counts_by_reason, get_record, open_records
from pipeline.settings import get_settings
from pipeline.worker import PipelineContext


@click.group()
def quarantine() -> None:
    """Rejected records: list, show, replay."""


@quarantine.command("list")
@click.option("--source", help="Only this source, e.g. carrier:ups.")
@click.option("--reason", help="Only this reason code, e.g. unknown_code.")
@click.option("--limit", default=50, show_default=True)
def list_command(source: str | None, reason: str | None, limit: int) -> None:
    """Open quarantine records, newest first, with counts per source and reason."""
    with database_url(get_settings()) as url:
        engine = make_engine(url, pool_size=1)
        with engine.connect() as conn:
            for src, code, n in counts_by_reason(conn):
                click.echo(f"{n:>8}  {src:<22} {code}")
            click.echo("")
            for r in open_records(conn, source=source, reason=reason, limit=limit):
                where = f"{r.field} ({r.rule})" if r.field else ""
                click.echo(
                    f"#{r.quarantine_id:<8} {r.quarantined_at:%Y-%m-%d %H:%M}  {r.source:<20} {r.reason_code:<26} {where}  {r.message}"
                )
        engine.dispose()


@quarantine.command("show")
@click.argument("quarantine_id", type=int)
def show_command(quarantine_id: int) -> None:
    """One record: reason, field, rule, and the bytes exactly as received."""
    with database_url(get_settings()) as url:
        engine = make_engine(url, pool_size=1)
        with engine.connect() as conn:
            record = get_record(conn, quarantine_id)
        engine.dispose()
    if record is None:
        raise click.ClickException(f"no quarantine record #{quarantine_id}")
    state = (
        f"resolved {record.resolved_at:%Y-%m-%d %H:%M} ({record.resolution})"
        if record.resolved_at
        else "open"
    )
    click.echo(
        f"#{record.quarantine_id} from {record.source}, inbox payload {record.raw_id}, record {record.record_index}"
    )
    click.echo(f"reason: {record.reason_code}  field: {record.field}  rule: {record.rule}  state: {state}")
    click.echo(f"message: {record.message}")
    click.echo("record:")
    click.echo(record.record.decode("utf-8", errors="replace"))


@quarantine.command("replay")
@click.argument("quarantine_ids", type=int, nargs=-1)
@click.option("--source", help="Replay every open record of this source.")
@click.option("--reason", help="Replay every open record with this reason code.")
def replay_command(quarantine_ids: tuple[int, ...], source: str | None, reason: str | None) -> None:
    """Re-normalize the payloads of the given records (or of every open one matching --source/--reason)
    after a mapping fix. Whatever is still wrong is quarantined again."""
    if not (quarantine_ids or source or reason):
        raise click.UsageError("give quarantine ids, --source or --reason")
    settings = get_settings()
    with database_url(settings) as url:
        engine = make_engine(url, pool_size=1)
        context = PipelineContext.load(url, engine, settings)
        with engine.begin() as conn:
            records = [get_record(conn, i) for i in quarantine_ids] or open_records(
                conn, source=source, reason=reason, limit=100_000
            )
            raw_ids = sorted({r.raw_id for r in records if r is not None and r.raw_id is not None})
            report = replay_payloads(conn, raw_ids, context.registry, context.zones)
        engine.dispose()
    click.echo(
        f"replayed {report.payloads} payloads: {report.loaded} events loaded, "
        f"{report.duplicates} already loaded, {report.quarantined} still quarantined"
    )
