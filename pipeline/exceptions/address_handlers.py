"""The address-issue actions: hold the order and ask the customer to confirm the address through a signed,
expiring link (request_address_confirmation), and lift the hold once it is confirmed (release_address_hold,
also what the customer's click does through pipeline.actions.confirm_address). Neither changes the address.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.exceptions import address_tokens
from pipeline.exceptions.action_context import (
    ActionContext,
    NoParams,
    NoteParams,
    Outcome,
    enqueue_message,
    order_of,
    queued_words,
)
from pipeline.exceptions.emit import emit_event
from pipeline.exceptions.model import ActionRefusedError, check_transition
from pipeline.exceptions.reallocation import current_facility
from pipeline.exceptions.store import transition, update_exception
from pipeline.notify.templates import load_templates, message_context, spoken_date

CONFIRM_ADDRESS_PATH = "/v1/address-confirmations/{token}"
ADDRESS_PLAYBOOK = "address_confirmation"


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
    order = order_of(ctx)
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
    queued = enqueue_message(ctx, "address_confirmation", context, exception["state_changes"] + int(moves))
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
        f"Order on hold; confirmation request to the customer {queued_words(queued, ctx.now)}, "
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
    order = order_of(ctx)
    events = release_hold(ctx, order)
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


def release_hold(ctx: ActionContext, order: dict[str, Any]) -> list[str]:
    """Lift the address-verification hold on the order, if it is on hold: the event ids emitted."""
    facility = current_facility(ctx.conn, ctx.exception)
    if not order.get("on_hold") or facility is None:
        return []
    event_id = f"exception-{ctx.exception_id}-release"
    emit_event(
        ctx.conn,
        event_id=event_id,
        event_type="ORDER_HOLD_RELEASED",
        order_id=ctx.exception["order_id"],
        facility_id=facility,
        occurred_at=ctx.now,
        attributes={"reason": "address_verification"},
        correlation_id=ctx.correlation_id,
    )
    return [event_id]
