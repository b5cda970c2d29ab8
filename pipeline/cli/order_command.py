"""`waypoint order ORDER_ID`: an order's state and timeline, for people and for scripts."""

from __future__ import annotations

import json

import click

from db.engine import make_engine
from db.server import database_url
from pipeline.order_view import order_view
from pipeline.settings import get_settings


@click.command()
@click.argument("order_id")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def order(order_id: str, as_json: bool) -> None:
    """Show ORDER_ID's current stage, shipments and every event in time order (local time and zone)."""
    with database_url(get_settings()) as url:
        engine = make_engine(url, pool_size=1)
        with engine.connect() as conn:
            view = order_view(conn, order_id)
        engine.dispose()
    if view is None:
        raise click.ClickException(f"no order {order_id!r}")
    if as_json:
        click.echo(json.dumps({"state": view.state, "order": view.order, "shipments": view.shipments,
                               "timeline": view.timeline}, default=str, indent=2))  # fmt: skip
        return
    state = view.state
    hold = " (on hold)" if state["on_hold"] else ""
    click.echo(
        f"{order_id}: {state['stage']}{hold}, last event {state['status']} at {state['last_event_at']:%Y-%m-%d %H:%M}Z"
    )
    for shipment in view.shipments:
        click.echo(
            f"  shipment {shipment['shipment_id']}: {shipment['carrier_id']} {shipment['tracking_number']} {shipment['status'] or ''}"
        )
    for event in view.timeline:
        local = (
            f"{event['local_time']:%Y-%m-%d %H:%M} {event['time_zone']}"
            if event["local_time"]
            else f"{event['occurred_at']:%Y-%m-%d %H:%M}Z"
        )
        flags = f" [{', '.join(event['flags'])}]" if event["flags"] else ""
        click.echo(f"  {local:<38} {event['event_type']:<24} {event['source']}{flags}")
