"""`waypoint ingest` and `waypoint normalize`: onboarding a source from files.

`ingest` lands a file in the raw inbox (large JSON Lines files in chunks) and drains it at once;
`normalize` shows what the file would become, as canonical JSON Lines, without storing anything.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from db.engine import make_engine
from db.server import database_url
from pipeline.drain import process_rows, shipments_for
from pipeline.inbox import Arrival, InboxRow, land, read_rows
from pipeline.normalize import normalize_payload
from pipeline.settings import get_settings
from pipeline.sources.base import ParseContext
from pipeline.worker import PipelineContext

FORMAT_SOURCES = {
    "canonical": "canonical:cli",
    "epcis": "epcis:cli",
    "ups": "carrier:ups",
    "fedex": "carrier:fedex",
    "usps": "carrier:usps",
    "dhl": "carrier:dhl",
    "easypost": "carrier:ontrac",
    "lastmile": "carrier:swiftmile",
}
JSONL_CHUNK_LINES = 5_000
FORMAT = click.option("--format", "fmt", type=click.Choice(sorted(FORMAT_SOURCES)), required=True)


def _payloads(path: Path, fmt: str) -> list[bytes]:
    data = path.read_bytes()
    if fmt != "canonical":
        return [data]
    lines = data.splitlines()
    return [b"\n".join(lines[i : i + JSONL_CHUNK_LINES]) for i in range(0, len(lines), JSONL_CHUNK_LINES)]


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@FORMAT
@click.option("--source", help="Source name to record (default by format, e.g. carrier:ups, canonical:cli).")
def ingest(file: Path, fmt: str, source: str | None) -> None:
    """Land FILE in the raw inbox and load it now. Bad records go to quarantine with their reason."""
    settings = get_settings()
    source = source or FORMAT_SOURCES[fmt]
    with database_url(settings) as url:
        engine = make_engine(url, pool_size=1)
        context = PipelineContext.load(url, engine, settings)
        loaded = quarantined = duplicates = 0
        for payload in _payloads(file, fmt):
            with engine.begin() as conn:
                raw_id = land(conn, Arrival(source, payload, {"file": file.name}))
                report = process_rows(conn, read_rows(conn, [raw_id]), context.registry, context.zones)
            loaded, duplicates, quarantined = (
                loaded + report.loaded, duplicates + report.duplicates, quarantined + report.quarantined,
            )  # fmt: skip
        engine.dispose()
    click.echo(f"{file.name}: {loaded} events loaded, {duplicates} duplicates, {quarantined} quarantined")
    if quarantined:
        click.echo("see `waypoint quarantine list --source " + source + "`")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@FORMAT
def normalize(file: Path, fmt: str) -> None:
    """Print FILE's canonical events as JSON Lines without storing them. Exits 1 on the first problem,
    naming the field and the rule. Carrier scans are matched to orders through the database's shipments."""
    settings = get_settings()
    source = FORMAT_SOURCES[fmt]
    with database_url(settings) as url:
        engine = make_engine(url, pool_size=1)
        context = PipelineContext.load(url, engine, settings)
        problems = 0
        for payload in _payloads(file, fmt):
            row = InboxRow(0, source, datetime.now(UTC), "cli", "application/json", {}, payload)
            with engine.connect() as conn:
                shipments = shipments_for(conn, [row])
            result = normalize_payload(
                payload, ParseContext(source, row.received_at, context.zones, shipments), context.registry
            )
            for event in result.events:
                click.echo(json.dumps(_as_canonical(event), default=str))
            for rejection in result.rejections:
                problems += 1
                where = f"{rejection.field}: " if rejection.field else ""
                rule = f" (rule: {rejection.rule})" if rejection.rule else ""
                click.echo(f"{rejection.reason_code}: {where}{rejection.message}{rule}", err=True)
        engine.dispose()
    if problems:
        sys.exit(1)


def _as_canonical(event) -> dict:
    """A validated event as a canonical JSON object (what `waypoint ingest --format canonical` reads back)."""
    document = {
        "event_id": event.event_id,
        "source": event.source,
        "event_type": event.event_type,
        "occurred_at": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "order_id": event.order_id,
        "facility_id": event.facility_id,
        "sequence": event.sequence,
        "shipment_id": event.shipment_id,
        "carrier": event.carrier,
        "tracking_number": event.tracking_number,
        "attributes": event.attributes,
        "flags": list(event.flags) or None,
    }
    if event.utc_offset_minutes is not None:
        sign = "-" if event.utc_offset_minutes < 0 else "+"
        minutes = abs(event.utc_offset_minutes)
        document["utc_offset"] = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return {key: value for key, value in document.items() if value is not None}
