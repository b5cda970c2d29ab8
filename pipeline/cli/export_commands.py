"""`waypoint export …`: Waypoint's events in a partner's format."""

from __future__ import annotations

import json
from pathlib import Path

import click

from db.engine import make_engine
from db.server import database_url
from pipeline.settings import get_settings
from pipeline.sources.epcis_export import order_document


@click.group()
def export() -> None:
    """Write Waypoint's events in a standard format for partners."""


@export.command()
@click.option("--order", "order_id", required=True, help="Order id, e.g. SO-00012345.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="File to write (default: standard output).",
)
def epcis(order_id: str, output: Path | None) -> None:
    """Write ORDER's supply-chain events as a GS1 EPCIS 2.0 JSON-LD document.

    Every event becomes an ObjectEvent with its CBV business step and disposition (or Waypoint's own
    step URI), the facility's SGLN, the order as a business transaction, and the canonical facts in the
    `wp:` extension, so `waypoint ingest FILE --format epcis` reads the same events back. Helpdesk
    records (tickets, surveys, refunds) are not supply-chain events and are left out.
    """
    with database_url(get_settings()) as url:
        engine = make_engine(url, pool_size=1)
        try:
            with engine.connect() as conn:
                document = order_document(conn, order_id)
        finally:
            engine.dispose()
    if not document["epcisBody"]["eventList"]:
        raise click.ClickException(f"no events to export for order {order_id!r}")
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text)
    click.echo(f"{output}: {len(document['epcisBody']['eventList'])} EPCIS events of {order_id}", err=True)
