"""Reading and writing exceptions. The caller owns the transaction; nothing here commits.

`apply_finding` keeps the invariant "at most one unresolved exception per (order, root cause)": new
evidence updates the unresolved one (the unique partial index backs this up). `transition` is the
only way an exception changes state, and it refuses what the state machine does not allow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, insert, select, text, update

from db.models.exceptions import OrderException
from pipeline.exceptions.detection import Finding, merged_detail
from pipeline.exceptions.model import check_transition, worse

MAX_EVIDENCE = 50
TABLE = OrderException.__table__
Outcome = Literal["opened", "updated", "unchanged", "skipped"]

_EPISODES_SEEN = text(
    "SELECT order_id, episode FROM order_exception, jsonb_array_elements_text(detail->'episodes') AS episode"
    " WHERE order_id = ANY(:orders) AND detail ? 'episodes'"
)

# A carrier event names no facility: the exception takes the one that shipped the parcel (or the order's).
_FACILITY_OF = text(
    "SELECT coalesce(s.facility_id, o.facility_id) FROM order_state AS o"
    " LEFT JOIN shipment AS s ON s.shipment_id = :shipment_id WHERE o.order_id = :order_id"
)


def get_exception(conn: Connection, exception_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    query = select(TABLE).where(TABLE.c.exception_id == exception_id)
    row = conn.execute(query.with_for_update() if lock else query).mappings().first()
    return dict(row) if row else None


def unresolved_exception(conn: Connection, order_id: str, root_cause: str) -> dict[str, Any] | None:
    query = (
        select(TABLE)
        .where(TABLE.c.order_id == order_id, TABLE.c.root_cause == root_cause, TABLE.c.state != "resolved")
        .with_for_update()
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def order_exceptions(
    conn: Connection, order_id: str, *, unresolved_only: bool = False
) -> list[dict[str, Any]]:
    """An order's exceptions, newest first."""
    query = select(TABLE).where(TABLE.c.order_id == order_id).order_by(TABLE.c.opened_at.desc())
    if unresolved_only:
        query = query.where(TABLE.c.state != "resolved")
    return [dict(row) for row in conn.execute(query).mappings()]


def episodes_seen(conn: Connection, order_ids: Sequence[str]) -> set[tuple[str, str]]:
    """(order, episode) pairs any exception of these orders was opened or updated for, resolved or not."""
    if not order_ids:
        return set()
    return {(row.order_id, row.episode) for row in conn.execute(_EPISODES_SEEN, {"orders": list(order_ids)})}


def apply_finding(conn: Connection, finding: Finding, now: datetime) -> Outcome:
    """Open an exception for the finding, or add it to the unresolved one of its (order, root cause)."""
    current = unresolved_exception(conn, finding.order_id, finding.root_cause)
    if current is None:
        if finding.episode and (finding.order_id, finding.episode) in episodes_seen(conn, [finding.order_id]):
            return "skipped"
        row = _new_row(finding, now)
        if row["facility_id"] is None:
            row["facility_id"] = conn.execute(
                _FACILITY_OF, {"order_id": finding.order_id, "shipment_id": finding.shipment_id}
            ).scalar()
        conn.execute(insert(TABLE).values(**row))
        return "opened"
    if _already_known(current, finding):
        return "unchanged"
    detail = merged_detail(current["detail"], finding.detail)
    if finding.episode:
        detail["episodes"] = [*current["detail"].get("episodes", ()), finding.episode]
    update_exception(
        conn,
        current["exception_id"],
        exception_type=finding.exception_type,
        severity=worse(current["severity"], finding.severity),
        shipment_id=finding.shipment_id or current["shipment_id"],
        facility_id=finding.facility_id or current["facility_id"],
        carrier_id=finding.carrier_id or current["carrier_id"],
        evidence=[*current["evidence"], finding.evidence][-MAX_EVIDENCE:],
        evidence_count=current["evidence_count"] + 1,
        detail=detail,
        last_evidence_at=max(current["last_evidence_at"], finding.occurred_at),
        occurred_at=min(current["occurred_at"], finding.occurred_at),
        updated_at=now,
    )
    return "updated"


def _already_known(current: Mapping[str, Any], finding: Finding) -> bool:
    if finding.episode:
        return finding.episode in current["detail"].get("episodes", ())
    pk = finding.evidence.get("event_pk")
    return any(item.get("event_pk") == pk for item in current["evidence"])


def _new_row(finding: Finding, now: datetime) -> dict[str, Any]:
    detail = dict(finding.detail)
    if finding.episode:
        detail["episodes"] = [finding.episode]
    return {
        "exception_type": finding.exception_type,
        "root_cause": finding.root_cause,
        "severity": finding.severity,
        "state": "open",
        "order_id": finding.order_id,
        "shipment_id": finding.shipment_id,
        "facility_id": finding.facility_id,
        "carrier_id": finding.carrier_id,
        "occurred_at": finding.occurred_at,
        "opened_at": now,
        "updated_at": now,
        "last_evidence_at": finding.occurred_at,
        "evidence": [finding.evidence],
        "evidence_count": 1,
        "detail": detail,
    }


def update_exception(conn: Connection, exception_id: int, **changes: Any) -> dict[str, Any]:
    """Write `changes` (column -> value) and return the row as it now is."""
    unknown = sorted(set(changes) - set(TABLE.c.keys()))
    if unknown:
        raise KeyError(f"order_exception has no column {unknown}")
    row = (
        conn.execute(
            update(TABLE).where(TABLE.c.exception_id == exception_id).values(**changes).returning(TABLE)
        )
        .mappings()
        .one()
    )
    return dict(row)


def transition(
    conn: Connection, exception: Mapping[str, Any], to_state: str, now: datetime, **changes: Any
) -> dict[str, Any]:
    """Move the exception to `to_state` (IllegalTransitionError if the machine forbids it), with `changes`."""
    target = check_transition(exception["exception_id"], exception["state"], to_state)
    if target == "resolved":
        changes.setdefault("resolved_at", now)
    return update_exception(
        conn,
        exception["exception_id"],
        state=str(target),
        state_changes=exception["state_changes"] + 1,
        updated_at=now,
        **changes,
    )


def refresh_promises(conn: Connection, changes: Sequence[tuple[int, bool, datetime | None]]) -> None:
    """Set (exception_id, promise_at_risk, promised_delivery_by) in one statement."""
    if not changes:
        return
    ids, risks, promises = (list(column) for column in zip(*changes, strict=True))
    conn.execute(
        text(
            "UPDATE order_exception AS x SET promise_at_risk = c.risk, promised_delivery_by = c.promised"
            " FROM unnest(CAST(:ids AS bigint[]), CAST(:risks AS boolean[]), CAST(:promises AS timestamptz[]))"
            " AS c(exception_id, risk, promised) WHERE x.exception_id = c.exception_id"
        ),
        {"ids": ids, "risks": risks, "promises": promises},
    )
