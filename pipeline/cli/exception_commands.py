"""`waypoint exceptions list|show|act`: the exception queue from a terminal, acting through the same
action service as the dashboard (role checked, audit written)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import click
from sqlalchemy import Connection, text

from db.engine import make_engine
from db.server import database_url
from pipeline.actions import ActionError, Actor, perform
from pipeline.exceptions.queue import UNRESOLVED, exception_queue
from pipeline.exceptions.store import get_exception
from pipeline.notify.outbox import order_notifications
from pipeline.settings import get_settings

STATES = ("open", "automating", "escalated", "resolved")


@contextmanager
def _connection(*, write: bool = False) -> Iterator[Connection]:
    with database_url(get_settings()) as url:
        engine = make_engine(url, pool_size=1)
        try:
            with engine.begin() if write else engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()


def _echo_json(value: object) -> None:
    click.echo(json.dumps(value, default=str, indent=2))


@click.group()
def exceptions() -> None:
    """The exception queue: list, show and act on exceptions."""


@exceptions.command("list")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(STATES),
    help="States to list (repeatable). Default: every unresolved state.",
)
@click.option("--facility", help="Only this facility, e.g. DC-RNO.")
@click.option("--carrier", help="Only this carrier, e.g. ups.")
@click.option("--type", "exception_type", help="Only this exception type, e.g. PICK_SHORT or STAGE_STUCK.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_exceptions(
    states: tuple[str, ...],
    facility: str | None,
    carrier: str | None,
    exception_type: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Exceptions, most urgent first (severity, promise at risk, age)."""
    with _connection() as conn:
        rows = exception_queue(
            conn,
            facility_id=facility,
            carrier_id=carrier,
            exception_type=exception_type,
            states=states or UNRESOLVED,
            limit=limit,
        )
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("No exceptions match.")
        return
    now = datetime.now(UTC)
    for row in rows:
        age_hours = (now - row["occurred_at"]).total_seconds() / 3600
        risk = " promise at risk" if row["promise_at_risk"] else ""
        click.echo(
            f"{row['exception_id']:>8}  {row['severity']:<8} {row['state']:<10} {row['exception_type']:<20} "
            f"{row['order_id']:<14} {row['facility_id'] or '-':<7} {row['carrier_id'] or '-':<9} {age_hours:6.1f} h{risk}"
        )


@exceptions.command()
@click.argument("exception_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def show(exception_id: int, as_json: bool) -> None:
    """One exception: its facts, evidence, the actions taken on it and the customer messages."""
    with _connection() as conn:
        exception = get_exception(conn, exception_id)
        if exception is None:
            raise click.ClickException(f"no exception {exception_id}")
        trail = [
            dict(row)
            for row in conn.execute(
                text(
                    "SELECT at, actor, actor_role, action, before, after, note FROM audit_log"
                    " WHERE entity_type = 'exception' AND entity_id = :id ORDER BY at, audit_id"
                ),
                {"id": str(exception_id)},
            ).mappings()
        ]
        messages = [
            m for m in order_notifications(conn, exception["order_id"]) if m["exception_id"] == exception_id
        ]
    if as_json:
        _echo_json({"exception": exception, "actions": trail, "notifications": messages})
        return
    click.echo(
        f"Exception {exception_id}: {exception['exception_type']} ({exception['root_cause']}), "
        f"{exception['severity']}, {exception['state']}"
    )
    click.echo(
        f"  order {exception['order_id']}  shipment {exception['shipment_id'] or '-'}  "
        f"facility {exception['facility_id'] or '-'}  carrier {exception['carrier_id'] or '-'}"
    )
    click.echo(
        f"  first seen {exception['occurred_at']:%Y-%m-%d %H:%M}Z, opened {exception['opened_at']:%Y-%m-%d %H:%M}Z"
        f"{', promise at risk' if exception['promise_at_risk'] else ''}"
    )
    for label, key in (
        ("escalated", "escalation_reason"),
        ("suggested", "suggested_label"),
        ("assigned to", "assigned_to"),
        ("resolution", "resolution"),
    ):
        if exception[key]:
            click.echo(f"  {label}: {exception[key]}")
    click.echo(f"  evidence ({exception['evidence_count']}):")
    for item in exception["evidence"]:
        click.echo(
            f"    {item.get('occurred_at') or item.get('observed_at')}  {item.get('event_type') or item.get('rule')}"
            f"  {item.get('source', '')} {item.get('event_id', '')}"
        )
    for row in trail:
        click.echo(
            f"  {row['at']:%Y-%m-%d %H:%M}Z  {row['actor']} ({row['actor_role']}): {row['action']}"
            f"{' — ' + row['note'] if row['note'] else ''}"
        )
    for message in messages:
        click.echo(
            f"  message {message['message_type']} by {message['channel']}: {message['status']}"
            f"{' / ' + message['delivery_status'] if message['delivery_status'] else ''}"
        )


@exceptions.command()
@click.argument("exception_id", type=int)
@click.argument("action")
@click.option("--as", "username", help="Act as this Waypoint user (their role is checked).")
@click.option("--automation", "playbook", help="Act as the automation, naming the playbook.")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="An action parameter, e.g. --param to_facility=DC-CMH (repeatable).",
)
@click.option("--note", help="The note of `resolve`, or the reason of `escalate`.")
def act(
    exception_id: int,
    action: str,
    username: str | None,
    playbook: str | None,
    params: tuple[str, ...],
    note: str | None,
) -> None:
    """Perform ACTION on EXCEPTION_ID: reallocate, split_shipment, notify_customer,
    request_address_confirmation, release_address_hold, escalate, assign_to_me, automate, resolve."""
    if (username is None) == (playbook is None):
        raise click.UsageError("give exactly one of --as USERNAME or --automation PLAYBOOK")
    values = dict(_param(item) for item in params)
    if note is not None:
        values["reason" if action == "escalate" else "note"] = note
    with _connection(write=True) as conn:
        actor = Actor.automation(playbook) if playbook else _person(conn, username or "")
        try:
            result = perform(conn, actor, action, exception_id, **values)
        except ActionError as error:
            raise click.ClickException(str(error)) from None
    click.echo(result.message)
    click.echo(f"  state {result.before['state']} -> {result.after['state']}; audit #{result.audit_id}")


def _param(item: str) -> tuple[str, str]:
    key, separator, value = item.partition("=")
    if not separator or not key:
        raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--param")
    return key, value


def _person(conn: Connection, username: str) -> Actor:
    row = conn.execute(
        text("SELECT username, role FROM app_user WHERE lower(username) = lower(:u) AND active"),
        {"u": username},
    ).first()
    if row is None:
        raise click.ClickException(f"no active Waypoint user {username!r}")
    return Actor.person(row.username, row.role)
