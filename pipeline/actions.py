"""THE action service: a person's click and an automated playbook call the same function.

`perform(conn, actor, action, exception_id, **params)` checks the actor's role against the permission
table (pipeline/exceptions/permissions.json), locks the exception, does the work (emitting canonical
events through the load path, writing the outbox, moving the state machine — see
pipeline/exceptions/handlers.py), writes audit_log (who — a username or automation:<playbook> — when,
what, before and after) and returns what changed. All in the caller's transaction: nothing commits here.

`confirm_address(conn, token)` is what the customer's "confirm your address" link does; the tracking
API serves it at handlers.CONFIRM_ADDRESS_PATH.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, text

from pipeline.exceptions import address_tokens
from pipeline.exceptions.handlers import ADDRESS_PLAYBOOK, HANDLERS, ActionContext
from pipeline.exceptions.model import ActionError, ActionRefusedError, IllegalTransitionError
from pipeline.exceptions.permissions import AUTOMATION_ROLE, permission_table
from pipeline.exceptions.rules import load_rules
from pipeline.exceptions.store import get_exception
from pipeline.settings import Settings, get_settings

__all__ = [
    "ActionError",
    "ActionRefusedError",
    "ActionResult",
    "Actor",
    "ExceptionNotFoundError",
    "IllegalTransitionError",
    "PermissionDeniedError",
    "action_label",
    "actions_for",
    "confirm_address",
    "perform",
]

SNAPSHOT = (
    "state",
    "severity",
    "assigned_to",
    "automation",
    "escalation_reason",
    "suggested_action",
    "resolution",
)
_AUDIT = text(
    """
    INSERT INTO audit_log (at, actor, actor_role, action, entity_type, entity_id, before, after, note, correlation_id)
    VALUES (:at, :actor, :actor_role, :action, 'exception', :entity_id, CAST(:before AS jsonb), CAST(:after AS jsonb),
            :note, :correlation_id)
    RETURNING audit_id
    """
)


class PermissionDeniedError(ActionError):
    """The actor's role may not perform this action (the permission table says who may)."""


class ExceptionNotFoundError(ActionError):
    """No exception with that id."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in person (username and app role) or a playbook (automation:<playbook>)."""

    name: str
    role: str

    @classmethod
    def person(cls, username: str, role: str) -> Actor:
        return cls(username, role)

    @classmethod
    def automation(cls, playbook: str) -> Actor:
        return cls(f"automation:{playbook}", AUTOMATION_ROLE)

    @property
    def is_automation(self) -> bool:
        return self.role == AUTOMATION_ROLE


@dataclass(frozen=True)
class ActionResult:
    action: str
    exception_id: int
    changed: bool
    message: str  # what happened, in plain words, for the person who clicked
    before: dict[str, Any]
    after: dict[str, Any]
    events: tuple[str, ...] = ()  # event_ids emitted (source waypoint:actions)
    notifications: tuple[int, ...] = ()  # outbox rows written
    audit_id: int | None = None


def perform(
    conn: Connection,
    actor: Actor,
    action: str,
    exception_id: int,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    correlation_id: str | None = None,
    **params: Any,
) -> ActionResult:
    """Do `action` on exception `exception_id` as `actor`; see the module docstring."""
    table = permission_table()
    if action not in table.actions:
        raise ActionRefusedError(
            "action", "unknown_action", f"{action!r} is not an action; actions are {sorted(table.actions)}"
        )
    if not table.allows(actor.role, action):
        allowed = ", ".join(sorted(table.actions[action].roles))
        raise PermissionDeniedError(
            "role", "permission", f"the {actor.role} role may not {action}; allowed: {allowed}"
        )
    exception = get_exception(conn, exception_id, lock=True)
    if exception is None:
        raise ExceptionNotFoundError("exception_id", "exists", f"no exception {exception_id}")
    if exception["state"] == "resolved":
        raise ActionRefusedError(
            "state", "resolved", f"exception {exception_id} is resolved: {exception['resolution']}"
        )
    params_model, handler = HANDLERS[action]
    try:
        validated = params_model.model_validate(params)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "params"
        raise ActionRefusedError(where, first["type"], first["msg"]) from None
    context = ActionContext(
        conn=conn,
        actor=actor.name,
        is_automation=actor.is_automation,
        exception=exception,
        now=now or datetime.now(UTC),
        settings=settings or get_settings(),
        correlation_id=correlation_id or str(uuid.uuid4()),
    )
    outcome = handler(context, validated)
    before = {**_snapshot(exception), **({"order": outcome.order_before} if outcome.order_before else {})}
    after = {
        **_snapshot(outcome.exception),
        **({"order": outcome.order_after} if outcome.order_after else {}),
    }
    note = params.get("note") or params.get("reason")
    audit_id = conn.execute(
        _AUDIT,
        {
            "at": context.now,
            "actor": actor.name,
            "actor_role": actor.role,
            "action": action,
            "entity_id": str(exception_id),
            "before": json.dumps(before),
            "after": json.dumps(after),
            "note": note,
            "correlation_id": context.correlation_id,
        },
    ).scalar_one()
    return ActionResult(
        action=action,
        exception_id=exception_id,
        changed=outcome.changed,
        message=outcome.message,
        before=before,
        after=after,
        events=tuple(outcome.events),
        notifications=tuple(outcome.notifications),
        audit_id=audit_id,
    )


def _snapshot(exception: Mapping[str, Any]) -> dict[str, Any]:
    return {key: exception[key] for key in SNAPSHOT}


def confirm_address(
    conn: Connection, token: str, *, now: datetime | None = None, settings: Settings | None = None
) -> ActionResult:
    """The customer confirmed the address through the link: release the hold and resolve the exception.

    Raises address_tokens.InvalidTokenError (not ours, or not for a known exception) or ExpiredTokenError.
    Confirming twice is harmless: the second answer says it was already confirmed.
    """
    now = now or datetime.now(UTC)
    settings = settings or get_settings()
    parsed = address_tokens.verify(token, address_tokens.token_secret(settings), now)
    exception = get_exception(conn, parsed.exception_id)
    if exception is None or exception["order_id"] != parsed.order_id:
        raise address_tokens.InvalidTokenError(
            "token: it does not belong to an exception we know (rule: signature)"
        )
    if exception["state"] == "resolved":
        confirmed = "address_confirmed_at" in exception["detail"]
        message = (
            "The address was already confirmed"
            if confirmed
            else f"This request is closed: {exception['resolution']}"
        )
        snapshot = _snapshot(exception)
        return ActionResult(
            "release_address_hold", exception["exception_id"], False, message, snapshot, snapshot
        )
    return perform(
        conn,
        Actor.automation(ADDRESS_PLAYBOOK),
        "release_address_hold",
        exception["exception_id"],
        note="The customer confirmed the delivery address through the link",
        now=now,
        settings=settings,
    )


def action_label(action: str) -> str:
    return permission_table().label(action)


def actions_for(exception: Mapping[str, Any], role: str) -> list[str]:
    """The actions `role` may take on this exception as it stands, in the order to offer them. An
    escalated exception offers its suggested next action first."""
    if exception["state"] == "resolved":
        return []
    table = permission_table()
    rule = load_rules().rule(exception["exception_type"]).for_reason(exception["detail"].get("reason"))
    root_cause = exception["root_cause"]
    applies = {
        "reallocate": root_cause == "inventory_mismatch"
        or exception["exception_type"] in ("SHIP_BY_AT_RISK", "STAGE_STUCK"),
        "split_shipment": bool(exception["detail"].get("short_lines")),
        "request_address_confirmation": root_cause == "address_issue",
        # The customer was asked (the order is held): still offered once a playbook has escalated it.
        "release_address_hold": root_cause == "address_issue"
        and (exception["automation"] == ADDRESS_PLAYBOOK or "address_confirmation" in exception["detail"]),
        "notify_customer": rule.message_type is not None,
        "assign_to_me": role != AUTOMATION_ROLE,
        "automate": exception["state"] == "open",
        "escalate": exception["state"] in ("open", "automating"),
        "resolve": True,
    }
    offered = [name for name in table.actions if applies[name] and table.allows(role, name)]
    suggested = exception.get("suggested_action")
    if exception["state"] == "escalated" and suggested in offered:
        offered.remove(suggested)
        offered.insert(0, suggested)
    return offered
