"""The work behind each exception action. Only pipeline.actions.perform calls these: it has checked the
role and locked the exception. Each handler checks everything before it writes anything, so a refused
action leaves nothing behind in the caller's transaction. The address actions live in
address_handlers.py, what handlers share in action_context.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.exceptions.action_context import (
    ActionContext,
    ActionParams,
    AutomateParams,
    EscalateParams,
    NoParams,
    NoteParams,
    NotifyParams,
    Outcome,
    ReallocateParams,
    ResolveParams,
    SplitParams,
    enqueue_message,
    not_shipped,
    order_of,
    queued_words,
)
from pipeline.exceptions.address_handlers import (
    ADDRESS_PLAYBOOK,
    CONFIRM_ADDRESS_PATH,
    release_address_hold,
    release_hold,
    request_address_confirmation,
)
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
from pipeline.notify.templates import load_templates, message_context

__all__ = ["ADDRESS_PLAYBOOK", "CONFIRM_ADDRESS_PATH", "HANDLERS", "SUGGESTIBLE", "ActionContext", "Outcome"]

SUGGESTIBLE = frozenset(ACTIONS) - {"escalate", "automate", "assign_to_me"}


def reallocate(ctx: ActionContext, params: ReallocateParams) -> Outcome:
    check_transition(ctx.exception_id, ctx.exception["state"], "resolved")
    order = order_of(ctx)
    not_shipped(ctx, order)
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


def split_shipment(ctx: ActionContext, params: SplitParams) -> Outcome:
    check_transition(ctx.exception_id, ctx.exception["state"], "resolved")
    not_shipped(ctx, order_of(ctx))
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
    queued = enqueue_message(ctx, message_type, context, exception["state_changes"])
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
        updated,
        f"Message to the customer {queued_words(queued, ctx.now)}",
        notifications=[queued.notification_id],
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
    check_transition(ctx.exception_id, ctx.exception["state"], "resolved")
    # An address exception settled another way (delivered, a person's call) lifts the hold it placed.
    held = "address_confirmation" in ctx.exception["detail"]
    events = release_hold(ctx, order_of(ctx)) if held else []
    updated = transition(
        ctx.conn,
        ctx.exception,
        "resolved",
        ctx.now,
        resolution=params.note,
        resolved_by=ctx.actor,
        automation=None,
    )
    if not events:
        return Outcome(updated, f"Resolved: {params.note}")
    return Outcome(
        updated,
        f"Resolved: {params.note}; the address hold is released",
        events=events,
        order_before={"on_hold": True},
        order_after={"on_hold": False},
    )


HANDLERS: dict[str, tuple[type[ActionParams], Callable[[ActionContext, Any], Outcome]]] = {
    "reallocate": (ReallocateParams, reallocate),
    "split_shipment": (SplitParams, split_shipment),
    "request_address_confirmation": (NoParams, request_address_confirmation),
    "release_address_hold": (NoteParams, release_address_hold),
    "notify_customer": (NotifyParams, notify_customer),
    "assign_to_me": (NoParams, assign_to_me),
    "automate": (AutomateParams, automate),
    "escalate": (EscalateParams, escalate),
    "resolve": (ResolveParams, resolve),
}
