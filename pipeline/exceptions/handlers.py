"""The work behind each exception action. Only pipeline.actions.perform calls these: it has checked the
role and locked the exception. Each handler checks everything before it writes anything, so a refused
action leaves nothing behind in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, text

from pipeline.exceptions import address_tokens
from pipeline.exceptions.emit import emit_event
from pipeline.exceptions.model import ActionRefusedError, check_transition
from pipeline.exceptions.permissions import ACTIONS, permission_table
from pipeline.exceptions.reallocation import (
    current_facility,
    lines_to_move,
    reallocation_candidates,
    split_plan,
)
from pipeline.exceptions.rules import load_rules
from pipeline.exceptions.store import transition, update_exception
from pipeline.notify.outbox import Enqueued, NoContactError, dedupe_key, enqueue
from pipeline.notify.templates import load_templates, message_context, spoken_date
from pipeline.settings import Settings

CONFIRM_ADDRESS_PATH = "/v1/address-confirmations/{token}"
ADDRESS_PLAYBOOK = "address_confirmation"
SUGGESTIBLE = frozenset(ACTIONS) - {"escalate", "automate", "assign_to_me"}

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


class _Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class NoParams(_Params):
    pass


class ReallocateParams(_Params):
    to_facility: str | None = Field(default=None, pattern=r"^(DC|ST)-[A-Z0-9]+$")


class NotifyParams(_Params):
    message_type: str | None = None


class AutomateParams(_Params):
    playbook: str = Field(pattern=r"^[a-z][a-z0-9_]{0,40}$")


class NoteParams(_Params):
    note: str | None = Field(default=None, max_length=1000)


class ResolveParams(_Params):
    note: str = Field(min_length=1, max_length=1000)


class EscalateParams(_Params):
    reason: str = Field(min_length=1, max_length=500)
    suggested_action: str | None = None
    suggested_label: str | None = Field(default=None, max_length=200)
    suggested_params: dict[str, Any] | None = None


def _order(ctx: ActionContext) -> dict[str, Any]:
    row = ctx.conn.execute(_ORDER, {"order_id": ctx.exception["order_id"]}).mappings().first()
    return dict(row) if row else {}


def _not_shipped(ctx: ActionContext, order: dict[str, Any]) -> None:
    if order.get("carrier_pickup_at") is not None or order.get("is_terminal"):
        raise ActionRefusedError(
            "order_id", "already_shipped", f"order {ctx.exception['order_id']} has left the facility"
        )


def reallocate(ctx: ActionContext, params: ReallocateParams) -> Outcome:
    check_transition(ctx.exception_id, ctx.exception["state"], "resolved")
    order = _order(ctx)
    _not_shipped(ctx, order)
    current = current_facility(ctx.conn, ctx.exception)
    if current is None:
        raise ActionRefusedError("facility_id", "no_facility", "the order is not allocated to a facility yet")
    lines = lines_to_move(ctx.conn, ctx.exception)
    candidates = reallocation_candidates(ctx.conn, lines, current)
    if params.to_facility is not None:
        candidates = [c for c in candidates if c.facility_id == params.to_facility]
    if not candidates:
        where = params.to_facility or "any other facility"
        skus = ", ".join(sorted({line["sku"] for line in lines}))
        raise ActionRefusedError(
            "to_facility", "no_stock", f"{where} does not have {skus} on hand in the quantity needed"
        )
    target = candidates[0]
    short = bool(ctx.exception["detail"].get("short_lines"))
    attributes: dict[str, Any] = {
        "from_facility": current,
        "to_facility": target.facility_id,
        "reason": "no_stock",
    }
    if short:
        attributes["lines"] = lines
    event_id = f"exception-{ctx.exception_id}-reallocate-{target.facility_id}"
    emit_event(
        ctx.conn,
        event_id=event_id,
        event_type="ORDER_REALLOCATED",
        order_id=ctx.exception["order_id"],
        facility_id=current,
        occurred_at=ctx.now,
        attributes=attributes,
        correlation_id=ctx.correlation_id,
    )
    what = f"{len(lines)} short line(s)" if short else "the order"
    message = f"Re-allocated {what} from {current} to {target.label}"
    updated = transition(
        ctx.conn, ctx.exception, "resolved", ctx.now, resolution=message, resolved_by=ctx.actor
    )
    return Outcome(
        updated,
        message,
        events=[event_id],
        order_before={"facility_id": current},
        order_after={"facility_id": target.facility_id},
    )


def split_shipment(ctx: ActionContext, params: NoParams) -> Outcome:
    check_transition(ctx.exception_id, ctx.exception["state"], "resolved")
    _not_shipped(ctx, _order(ctx))
    current = current_facility(ctx.conn, ctx.exception)
    if current is None:
        raise ActionRefusedError("facility_id", "no_facility", "the order is not allocated to a facility yet")
    shipments = split_plan(ctx.conn, ctx.exception)
    event_id = f"exception-{ctx.exception_id}-split"
    emit_event(
        ctx.conn,
        event_id=event_id,
        event_type="ORDER_SPLIT",
        order_id=ctx.exception["order_id"],
        facility_id=current,
        occurred_at=ctx.now,
        attributes={"shipments": shipments, "reason": "short_pick"},
        correlation_id=ctx.correlation_id,
    )
    now_ships, follows = shipments
    message = (
        f"Split: {now_ships['shipment_id']} ships now with {len(now_ships['lines'])} line(s); "
        f"{follows['shipment_id']} follows with the short quantity"
    )
    updated = transition(
        ctx.conn, ctx.exception, "resolved", ctx.now, resolution=message, resolved_by=ctx.actor
    )
    return Outcome(updated, message, events=[event_id])


def notify_customer(ctx: ActionContext, params: NotifyParams) -> Outcome:
    exception = ctx.exception
    rule = load_rules().rule(exception["exception_type"]).for_reason(exception["detail"].get("reason"))
    message_type = params.message_type or rule.message_type
    if message_type is None:
        raise ActionRefusedError(
            "message_type", "no_message", f"there is no customer message for {exception['exception_type']}"
        )
    if message_type == "address_confirmation":
        raise ActionRefusedError(
            "message_type", "needs_token", "use request_address_confirmation for that message"
        )
    book = load_templates()
    book.template(message_type)
    context = message_context(book, exception["order_id"], exception["detail"])
    queued = _enqueue(ctx, message_type, context, exception["state_changes"])
    if not queued.created:
        return Outcome(
            exception,
            f"The customer was already sent this message (#{queued.notification_id})",
            changed=False,
        )
    detail = {
        **exception["detail"],
        "customer_notified": {"message_type": message_type, "at": ctx.now.isoformat()},
    }
    updated = update_exception(ctx.conn, ctx.exception_id, detail=detail, updated_at=ctx.now)
    return Outcome(
        updated, f"Message to the customer {_queued(queued, ctx.now)}", notifications=[queued.notification_id]
    )


def request_address_confirmation(ctx: ActionContext, params: NoParams) -> Outcome:
    exception = ctx.exception
    if exception["root_cause"] != "address_issue":
        raise ActionRefusedError(
            "root_cause",
            "address_issue_only",
            "only an address issue needs the customer to confirm the address",
        )
    moves = exception["state"] == "open"
    if moves:
        check_transition(ctx.exception_id, "open", "automating")
    order = _order(ctx)
    facility = current_facility(ctx.conn, exception)
    if facility is None:
        raise ActionRefusedError("facility_id", "no_facility", "the order has no facility to hold it")
    secret = address_tokens.token_secret(ctx.settings)
    ttl = timedelta(hours=ctx.settings.address_confirmation_ttl_hours)
    token, expires_at = address_tokens.issue(ctx.exception_id, exception["order_id"], ctx.now, ttl, secret)
    zone = ZoneInfo(order.get("destination_time_zone") or "UTC")
    until = expires_at.astimezone(zone)
    context = message_context(
        load_templates(),
        exception["order_id"],
        exception["detail"],
        confirm_link=ctx.settings.public_base_url.rstrip("/") + CONFIRM_ADDRESS_PATH.format(token=token),
        confirm_until=f"{spoken_date(until.date())} at {until:%H:%M}",
    )
    queued = _enqueue(ctx, "address_confirmation", context, exception["state_changes"] + int(moves))
    if not queued.created:
        return Outcome(
            exception, f"The customer was already asked to confirm (#{queued.notification_id})", changed=False
        )
    events = []
    if not order.get("on_hold"):
        event_id = f"exception-{ctx.exception_id}-hold-{exception['state_changes']}"
        emit_event(
            ctx.conn,
            event_id=event_id,
            event_type="ORDER_ON_HOLD",
            order_id=exception["order_id"],
            facility_id=facility,
            occurred_at=ctx.now,
            attributes={"reason": "address_verification"},
            correlation_id=ctx.correlation_id,
        )
        events.append(event_id)
    detail = {
        **exception["detail"],
        "address_confirmation": {
            "requested_at": ctx.now.isoformat(),
            "expires_at": expires_at.isoformat(),
            "notification_id": queued.notification_id,
        },
    }
    changes: dict[str, Any] = {"detail": detail}
    if moves:
        updated = transition(
            ctx.conn, exception, "automating", ctx.now, automation=ADDRESS_PLAYBOOK, **changes
        )
    else:
        updated = update_exception(ctx.conn, ctx.exception_id, updated_at=ctx.now, **changes)
    message = (
        f"Order on hold; confirmation request to the customer {_queued(queued, ctx.now)}, "
        f"link valid until {until:%Y-%m-%d %H:%M %Z}"
    )
    return Outcome(
        updated,
        message,
        events=events,
        notifications=[queued.notification_id],
        order_before={"on_hold": bool(order.get("on_hold"))},
        order_after={"on_hold": True},
    )


def release_address_hold(ctx: ActionContext, params: NoteParams) -> Outcome:
    exception = ctx.exception
    if exception["root_cause"] != "address_issue":
        raise ActionRefusedError(
            "root_cause", "address_issue_only", "only an address issue holds the order for the address"
        )
    check_transition(ctx.exception_id, exception["state"], "resolved")
    order = _order(ctx)
    events = []
    facility = current_facility(ctx.conn, exception)
    if order.get("on_hold") and facility is not None:
        event_id = f"exception-{ctx.exception_id}-release"
        emit_event(
            ctx.conn,
            event_id=event_id,
            event_type="ORDER_HOLD_RELEASED",
            order_id=exception["order_id"],
            facility_id=facility,
            occurred_at=ctx.now,
            attributes={"reason": "address_verification"},
            correlation_id=ctx.correlation_id,
        )
        events.append(event_id)
    message = params.note or "The delivery address is confirmed; the hold is released"
    detail = {**exception["detail"], "address_confirmed_at": ctx.now.isoformat()}
    updated = transition(
        ctx.conn,
        exception,
        "resolved",
        ctx.now,
        resolution=message,
        resolved_by=ctx.actor,
        automation=None,
        detail=detail,
    )
    return Outcome(
        updated,
        message,
        events=events,
        order_before={"on_hold": bool(order.get("on_hold"))},
        order_after={"on_hold": False},
    )


def automate(ctx: ActionContext, params: AutomateParams) -> Outcome:
    updated = transition(ctx.conn, ctx.exception, "automating", ctx.now, automation=params.playbook)
    return Outcome(updated, f"Automation {params.playbook!r} is working on it")


def escalate(ctx: ActionContext, params: EscalateParams) -> Outcome:
    if params.suggested_action is not None and params.suggested_action not in SUGGESTIBLE:
        raise ActionRefusedError(
            "suggested_action",
            "suggestible",
            f"{params.suggested_action!r} is not one of {sorted(SUGGESTIBLE)}",
        )
    label = params.suggested_label
    if params.suggested_action and not label:
        label = permission_table().label(params.suggested_action)
    updated = transition(
        ctx.conn,
        ctx.exception,
        "escalated",
        ctx.now,
        automation=None,
        escalation_reason=params.reason,
        suggested_action=params.suggested_action,
        suggested_label=label,
        suggested_params=params.suggested_params,
    )
    return Outcome(updated, f"Escalated: {params.reason}")


def assign_to_me(ctx: ActionContext, params: NoParams) -> Outcome:
    if ctx.is_automation:
        raise ActionRefusedError("actor", "person_only", "only a person can take an exception")
    if ctx.exception["assigned_to"] == ctx.actor:
        return Outcome(ctx.exception, "Already assigned to you", changed=False)
    updated = update_exception(
        ctx.conn, ctx.exception_id, assigned_to=ctx.actor, assigned_at=ctx.now, updated_at=ctx.now
    )
    return Outcome(updated, f"Assigned to {ctx.actor}")


def resolve(ctx: ActionContext, params: ResolveParams) -> Outcome:
    updated = transition(
        ctx.conn,
        ctx.exception,
        "resolved",
        ctx.now,
        resolution=params.note,
        resolved_by=ctx.actor,
        automation=None,
    )
    return Outcome(updated, f"Resolved: {params.note}")


def _enqueue(ctx: ActionContext, message_type: str, context: dict[str, str], state_changes: int) -> Enqueued:
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


def _queued(queued: Enqueued, now: datetime) -> str:
    when = (
        "now" if queued.due_at <= now else f"after their quiet hours, at {queued.due_at:%Y-%m-%d %H:%M} UTC"
    )
    return f"by {queued.channel} queued (sends {when})"


HANDLERS: dict[str, tuple[type[_Params], Callable[[ActionContext, Any], Outcome]]] = {
    "reallocate": (ReallocateParams, reallocate),
    "split_shipment": (NoParams, split_shipment),
    "request_address_confirmation": (NoParams, request_address_confirmation),
    "release_address_hold": (NoteParams, release_address_hold),
    "notify_customer": (NotifyParams, notify_customer),
    "assign_to_me": (NoParams, assign_to_me),
    "automate": (AutomateParams, automate),
    "escalate": (EscalateParams, escalate),
    "resolve": (ResolveParams, resolve),
}
