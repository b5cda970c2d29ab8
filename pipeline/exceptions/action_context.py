"""What every exception action handler gets and gives back: the context perform() builds, the outcome a
handler returns, the validated parameters of each action, and the helpers handlers share (the order as
the projection shows it, queuing a customer message for the exception)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, text

from pipeline.exceptions.model import ActionRefusedError
from pipeline.notify.outbox import Enqueued, NoContactError, dedupe_key, enqueue
from pipeline.settings import Settings

_ORDER = text(
    "SELECT o.facility_id, o.on_hold, o.carrier_pickup_at, o.is_terminal, c.destination_time_zone"
    " FROM order_state AS o LEFT JOIN customer_order AS c USING (order_id) WHERE o.order_id = :order_id"
)


@dataclass(frozen=True)
class ActionContext:
    conn: Connection
    actor: str
    is_automation: bool
    exception: dict[str, Any]
    now: datetime
    settings: Settings
    correlation_id: str

    @property
    def exception_id(self) -> int:
        return self.exception["exception_id"]


@dataclass
class Outcome:
    exception: dict[str, Any]
    message: str
    changed: bool = True
    events: list[str] = field(default_factory=list)
    notifications: list[int] = field(default_factory=list)
    order_before: dict[str, Any] = field(default_factory=dict)
    order_after: dict[str, Any] = field(default_factory=dict)


class ActionParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class NoParams(ActionParams):
    pass


class ReallocateParams(ActionParams):
    to_facility: str | None = Field(default=None, pattern=r"^(DC|ST)-[A-Z0-9]+$")
    note: str | None = Field(default=None, max_length=1000)  # why this facility (audit log)


class SplitParams(ActionParams):
    note: str | None = Field(default=None, max_length=1000)  # why a split (audit log)


class NotifyParams(ActionParams):
    message_type: str | None = None


class AutomateParams(ActionParams):
    playbook: str = Field(pattern=r"^[a-z][a-z0-9_]{0,40}$")


class NoteParams(ActionParams):
    note: str | None = Field(default=None, max_length=1000)


class ResolveParams(ActionParams):
    note: str = Field(min_length=1, max_length=1000)


class EscalateParams(ActionParams):
    reason: str = Field(min_length=1, max_length=500)
    suggested_action: str | None = None
    suggested_label: str | None = Field(default=None, max_length=200)
    suggested_params: dict[str, Any] | None = None


def order_of(ctx: ActionContext) -> dict[str, Any]:
    row = ctx.conn.execute(_ORDER, {"order_id": ctx.exception["order_id"]}).mappings().first()
    return dict(row) if row else {}


def not_shipped(ctx: ActionContext, order: dict[str, Any]) -> None:
    if order.get("carrier_pickup_at") is not None or order.get("is_terminal"):
        raise ActionRefusedError(
            "order_id", "already_shipped", f"order {ctx.exception['order_id']} has left the facility"
        )


def enqueue_message(
    ctx: ActionContext, message_type: str, context: dict[str, str], state_changes: int
) -> Enqueued:
    exception = ctx.exception
    try:
        return enqueue(
            ctx.conn,
            order_id=exception["order_id"],
            message_type=message_type,
            context=context,
            key=dedupe_key(exception["order_id"], ctx.exception_id, state_changes, message_type),
            now=ctx.now,
            settings=ctx.settings,
            exception_id=ctx.exception_id,
        )
    except NoContactError as error:
        raise ActionRefusedError(
            error.field, error.rule, "the customer has no email or phone on the order"
        ) from None


def queued_words(queued: Enqueued, now: datetime) -> str:
    when = (
        "now" if queued.due_at <= now else f"after their quiet hours, at {queued.due_at:%Y-%m-%d %H:%M} UTC"
    )
    return f"by {queued.channel} queued (sends {when})"
