"""`run_playbooks(engine, *, now)`: the job that lets automation work the exception queue.

Each run takes
- open exceptions the policy hands to a playbook (by exception type and root cause) once they are older
  than the playbook's `act_after_minutes` and no person has taken them, and
- exceptions a playbook is working on (automating) that need it again: a customer message failed, or
  the customer has not answered in time.

One transaction per exception, with the exception row locked and its state read again inside it, so a
person's click or the detector in between wins and the playbook steps aside. Every step goes through
pipeline.actions.perform as automation:<playbook>.

A playbook that breaks on one exception never stops the others. A database hiccup is tried again at the
next run; any other failure would repeat forever, so the exception is escalated to a person with the
error as the reason (HAND_OVER_STEPS gives the first button).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import structlog
from psycopg import errors as pg_errors
from sqlalchemy import Connection, Engine, text

from pipeline.actions import ActionError
from pipeline.exceptions.handlers import ADDRESS_PLAYBOOK
from pipeline.exceptions.store import get_exception
from pipeline.playbooks.address_confirmation import ask_for_address, follow_up_address
from pipeline.playbooks.carrier_delay import follow_up_delay, tell_customer_about_delay
from pipeline.playbooks.escalation import PROVIDER_FAILURES, NextStep, escalate
from pipeline.playbooks.inventory_mismatch import recover_short_lines
from pipeline.playbooks.policy import (
    CARRIER_DELAY_PLAYBOOK,
    INVENTORY_PLAYBOOK,
    PLAYBOOK_ROOT_CAUSES,
    PlaybookPolicy,
    load_policy,
)
from pipeline.playbooks.report import PlaybookOutcome, PlaybookReport
from pipeline.settings import Settings, get_settings

log = structlog.get_logger(__name__)

Step = Callable[[Connection, Mapping[str, Any], datetime, Settings, PlaybookPolicy], PlaybookOutcome]

FIRST_STEPS: dict[str, Step] = {
    INVENTORY_PLAYBOOK: lambda conn, x, now, settings, policy: recover_short_lines(
        conn, x, now=now, settings=settings, policy=policy
    ),
    CARRIER_DELAY_PLAYBOOK: lambda conn, x, now, settings, policy: tell_customer_about_delay(
        conn, x, now=now, settings=settings
    ),
    ADDRESS_PLAYBOOK: lambda conn, x, now, settings, policy: ask_for_address(
        conn, x, now=now, settings=settings
    ),
}
FOLLOW_UPS: dict[str, Step] = {
    CARRIER_DELAY_PLAYBOOK: lambda conn, x, now, settings, policy: follow_up_delay(
        conn, x, now=now, settings=settings
    ),
    ADDRESS_PLAYBOOK: lambda conn, x, now, settings, policy: follow_up_address(
        conn, x, now=now, settings=settings, policy=policy
    ),
}

RETRYABLE = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure, pg_errors.LockNotAvailable,
             psycopg.OperationalError, psycopg.InterfaceError)  # fmt: skip
# What a person does instead when a playbook broke on an exception (the queue's first button).
HAND_OVER_STEPS: dict[str, NextStep] = {
    INVENTORY_PLAYBOOK: NextStep("reallocate", "Re-allocate the short lines by hand (or split)"),
    CARRIER_DELAY_PLAYBOOK: NextStep("notify_customer", "Tell the customer about the delay"),
    ADDRESS_PLAYBOOK: NextStep("request_address_confirmation", "Ask the customer to confirm the address"),
}

# Which exceptions may need a playbook now. A cheap superset: the playbook decides after locking the row.
_WORK = text(
    """
    WITH scope AS (
        SELECT * FROM unnest(CAST(:types AS text[]), CAST(:causes AS text[]), CAST(:minutes AS float8[]))
            AS s(exception_type, root_cause, act_after_minutes)
    )
    SELECT x.exception_id, x.opened_at, x.exception_type, x.root_cause, x.automation
    FROM order_exception AS x JOIN scope AS s USING (exception_type, root_cause)
    WHERE x.state = 'open' AND x.assigned_to IS NULL
      AND x.opened_at <= CAST(:now AS timestamptz) - s.act_after_minutes * interval '1 minute'
    UNION ALL
    SELECT x.exception_id, x.opened_at, x.exception_type, x.root_cause, x.automation FROM order_exception AS x
    WHERE x.state = 'automating' AND x.automation = :carrier_delay
      AND NOT EXISTS (SELECT 1 FROM notification AS n WHERE n.order_id = x.order_id
                      AND n.exception_id = x.exception_id AND n.status IN ('pending', 'sent')
                      AND NOT coalesce(n.delivery_status = ANY(CAST(:provider_failures AS text[])), false))
    UNION ALL
    SELECT x.exception_id, x.opened_at, x.exception_type, x.root_cause, x.automation FROM order_exception AS x
    LEFT JOIN notification AS n
           ON n.notification_id = CAST(x.detail->'address_confirmation'->>'notification_id' AS bigint)
    WHERE x.state = 'automating' AND x.automation = :address
      AND (n.notification_id IS NULL OR n.status IN ('failed', 'expired')
           OR n.delivery_status = ANY(CAST(:provider_failures AS text[]))
           OR coalesce(n.sent_at, n.created_at) <= CAST(:now AS timestamptz) - :answer_hours * interval '1 hour'
           OR CAST(x.detail->'address_confirmation'->>'expires_at' AS timestamptz) <= :now)
    ORDER BY opened_at, exception_id
    LIMIT :limit
    """
)


def run_playbooks(
    engine: Engine,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    policy: PlaybookPolicy | None = None,
    limit: int = 500,
) -> PlaybookReport:
    """One pass over the exceptions that need a playbook (see the module docstring), at most `limit`."""
    now = now or datetime.now(UTC)
    settings = settings or get_settings()
    policy = policy or load_policy()
    report = PlaybookReport()
    with engine.connect() as conn:
        work = conn.execute(_WORK, _work_parameters(policy, now, limit)).all()
    for row in work:
        try:
            with engine.begin() as conn:
                outcome = run_one(conn, row.exception_id, now=now, settings=settings, policy=policy)
        except Exception as error:  # noqa: BLE001 - one exception that breaks a playbook must not stop the others
            playbook = row.automation or policy.playbook_for(row.exception_type, row.root_cause) or "unknown"
            log.exception("playbooks.failed", exception_id=row.exception_id, playbook=playbook)
            outcome = PlaybookOutcome(
                row.exception_id, playbook, "failed", f"{type(error).__name__}: {error}"
            )
            if not is_retryable(error):
                _hand_over(engine, row.exception_id, playbook, error, now=now, settings=settings)
        if outcome is not None:
            report.add(outcome)
    if report.acted or report.escalated or report.failed:
        log.info("playbooks.ran", acted=report.acted, escalated=report.escalated, failed=report.failed)
    return report


def is_retryable(error: BaseException) -> bool:
    """A database hiccup (deadlock, serialization failure, lock timeout, lost connection) that the next
    run may not meet; anything else would fail the same way again."""
    if getattr(error, "connection_invalidated", False):
        return True
    return isinstance(getattr(error, "orig", error), RETRYABLE)


def _hand_over(
    engine: Engine,
    exception_id: int,
    playbook: str,
    error: BaseException,
    *,
    now: datetime,
    settings: Settings,
) -> None:
    """A playbook that fails on an exception for good gives it to a person instead of retrying forever."""
    reason = (
        f"Automation ({playbook}) failed on this exception and stopped: {type(error).__name__}: {error}. "
        "Handle it by hand"
    )
    step = HAND_OVER_STEPS.get(playbook)
    try:
        with engine.begin() as conn:
            escalate(conn, playbook, exception_id, reason, step, now=now, settings=settings)
    except ActionError as refused:  # resolved or escalated meanwhile: a person already has it
        log.info("playbooks.hand_over_skipped", exception_id=exception_id, why=refused.message)
    except Exception:  # noqa: BLE001 - the next run tries again; the failure is logged either way
        log.exception("playbooks.hand_over_failed", exception_id=exception_id)


def run_one(
    conn: Connection, exception_id: int, *, now: datetime, settings: Settings, policy: PlaybookPolicy
) -> PlaybookOutcome | None:
    """The playbook step this exception needs now, in the caller's transaction; None when it needs none."""
    exception = get_exception(conn, exception_id, lock=True)
    if exception is None:
        return None
    step = _step_for(exception, policy, now)
    return step(conn, exception, now, settings, policy) if step is not None else None


def _step_for(exception: Mapping[str, Any], policy: PlaybookPolicy, now: datetime) -> Step | None:
    if exception["state"] == "automating":
        return FOLLOW_UPS.get(exception["automation"] or "")
    if exception["state"] != "open" or exception["assigned_to"] is not None:
        return None
    playbook = policy.playbook_for(exception["exception_type"], exception["root_cause"])
    if playbook is None:
        return None
    wait = timedelta(minutes=policy.playbooks[playbook].act_after_minutes)
    return FIRST_STEPS[playbook] if exception["opened_at"] <= now - wait else None


def _work_parameters(policy: PlaybookPolicy, now: datetime, limit: int) -> dict[str, Any]:
    scope = [
        (exception_type, cause, playbook.act_after_minutes)
        for name, playbook in policy.playbooks.items()
        for exception_type in playbook.exception_types
        for cause in sorted(PLAYBOOK_ROOT_CAUSES[name])
    ]
    types, causes, minutes = (list(column) for column in zip(*scope, strict=True))
    return {
        "types": types,
        "causes": causes,
        "minutes": minutes,
        "now": now,
        "carrier_delay": CARRIER_DELAY_PLAYBOOK,
        "address": ADDRESS_PLAYBOOK,
        "answer_hours": policy.address.answer_within_hours,
        "provider_failures": sorted(PROVIDER_FAILURES),
        "limit": limit,
    }
