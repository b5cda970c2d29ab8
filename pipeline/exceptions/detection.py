"""The rules as pure functions: events and order facts in, findings and verdicts out. No I/O here.

A finding is one piece of evidence that something is wrong with an order. The detector turns it into
a new exception or adds it to the unresolved one of the same (order, root cause). A verdict says that
an unresolved exception is over, and why, in plain words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.exceptions.rules import RuleBook, Thresholds

DETAIL_KEYS = ("reason", "new_estimated_delivery", "estimated_delivery", "next_attempt", "description")


@dataclass(frozen=True)
class Finding:
    exception_type: str
    root_cause: str
    severity: str
    order_id: str
    occurred_at: datetime
    evidence: dict[str, Any]
    shipment_id: str | None = None
    facility_id: str | None = None
    carrier_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    # Silent rules: once an exception of this episode is resolved, the same episode never re-opens it.
    episode: str | None = None


def event_findings(events: Iterable[Mapping[str, Any]], rules: RuleBook) -> list[Finding]:
    """A finding per event whose type has an event rule (PICK_SHORT, DELIVERY_DELAYED, …)."""
    findings = []
    for event in events:
        base = rules.event_rules.get(event["event_type"])
        if base is None:
            continue
        attributes = event.get("attributes") or {}
        rule = base.for_reason(attributes.get("reason"))
        detail = {key: attributes[key] for key in DETAIL_KEYS if key in attributes}
        if event["event_type"] == "PICK_SHORT":
            detail["short_lines"] = [_short_line(attributes)]
        findings.append(
            Finding(
                exception_type=event["event_type"],
                root_cause=rule.root_cause,
                severity=rule.severity,
                order_id=event["order_id"],
                occurred_at=event["occurred_at"],
                shipment_id=event.get("shipment_id"),
                facility_id=event.get("facility_id"),
                carrier_id=event.get("carrier"),
                evidence={
                    "event_pk": event["event_pk"],
                    "source": event["source"],
                    "event_id": event["event_id"],
                    "event_type": event["event_type"],
                    "occurred_at": event["occurred_at"].isoformat(),
                },
                detail=detail,
            )
        )
    return findings


def _short_line(attributes: Mapping[str, Any]) -> dict[str, Any]:
    line = {"sku": attributes["sku"], "qty_short": attributes["qty_short"], "qty_picked": attributes["qty"]}
    if "line_no" in attributes:
        line["line_no"] = attributes["line_no"]
    return line


def merged_detail(current: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Newer facts replace older ones; short lines accumulate (one per line and SKU)."""
    merged = {**current, **new}
    if "short_lines" in current or "short_lines" in new:
        lines: dict[tuple, dict] = {}
        for line in [*current.get("short_lines", ()), *new.get("short_lines", ())]:
            lines[(line.get("line_no"), line["sku"])] = line
        merged["short_lines"] = list(lines.values())
    return merged


def silent_finding(rule_name: str, row: Mapping[str, Any], rules: RuleBook, now: datetime) -> Finding | None:
    """A finding when the candidate row (from the projection) really crosses its facility's and carrier's
    threshold; the SQL that found the row used the loosest threshold of all."""
    rule = rules.silent_rules[rule_name]
    limits = rules.thresholds_for(row.get("facility_id"), row.get("carrier_id"))
    since, detail, severity = _silence(rule_name, row, limits, now)
    if since is None:
        return None
    if rule.overdue_severity and row.get("ship_by") is not None and now > row["ship_by"]:
        severity = rule.overdue_severity
    episode = f"{rule_name}:{since.isoformat()}"
    return Finding(
        exception_type=rule_name,
        root_cause=rule.root_cause,
        severity=severity or rule.severity,
        order_id=row["order_id"],
        occurred_at=since,
        shipment_id=row.get("shipment_id"),
        facility_id=row.get("facility_id"),
        carrier_id=row.get("carrier_id"),
        evidence={"rule": rule_name, "observed_at": now.isoformat(), **_jsonable(detail)},
        detail=_jsonable(detail),
        episode=episode,
    )


def _silence(
    rule_name: str, row: Mapping[str, Any], limits: Thresholds, now: datetime
) -> tuple[datetime | None, dict[str, Any], str | None]:
    """(since when the silence counts, facts, severity override) — or (None, …) below the threshold."""
    if rule_name == "NO_SCAN_AFTER_LABEL":
        since = row["label_printed_at"]
        hours = limits.no_scan_after_label_hours
        ok = since is not None and now - since >= timedelta(hours=hours)
        return (since if ok else None), {"silent_since": since, "threshold_hours": hours}, None
    if rule_name == "NO_SCAN_AFTER_PICKUP":
        since = row["last_scan_at"] or row["carrier_pickup_at"]
        hours = limits.no_scan_after_pickup_hours
        ok = since is not None and now - since >= timedelta(hours=hours)
        return (since if ok else None), {"silent_since": since, "threshold_hours": hours}, None
    if rule_name == "SHIP_BY_AT_RISK":
        ship_by = row["ship_by"]
        hours = limits.ship_by_warning_hours
        ok = ship_by is not None and ship_by - now <= timedelta(hours=hours)
        return (
            (ship_by if ok else None),
            {"ship_by": ship_by, "stage": row["stage"], "warning_hours": hours},
            None,
        )
    if rule_name == "STAGE_STUCK":
        minutes = limits.stage_minutes.get(row["stage"])
        entered = row["stage_entered_at"]
        ok = minutes is not None and now - entered >= timedelta(minutes=minutes)
        facts = {"stage": row["stage"], "stage_entered_at": entered, "threshold_minutes": minutes}
        return (entered if ok else None), facts, None
    raise KeyError(f"unknown silent rule {rule_name!r}")


def _jsonable(facts: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in facts.items()}


@dataclass(frozen=True)
class OrderFacts:
    """What the projection knows about an exception's order (and shipment, when it has one)."""

    stage: str | None
    stage_entered_at: datetime | None
    picked_at: datetime | None
    packed_at: datetime | None
    carrier_pickup_at: datetime | None
    out_for_delivery_at: datetime | None
    delivered_at: datetime | None
    ready_for_pickup_at: datetime | None
    cancelled_at: datetime | None
    ship_by: datetime | None
    promised_delivery_by: datetime | None
    destination_time_zone: str | None
    shipment_delivered_at: datetime | None = None
    shipment_last_scan_at: datetime | None = None
    has_shipment: bool = False

    @property
    def delivered(self) -> datetime | None:
        return self.shipment_delivered_at if self.has_shipment else self.delivered_at


def verdict(
    exception: Mapping[str, Any], facts: OrderFacts, rules: RuleBook, zone: ZoneInfo | None = None
) -> str | None:
    """Why the exception is over, in plain words; None while it is not. A cancelled order ends every
    exception; a delivery ends every one that is not left to a person (resolve_when "manual")."""
    if facts.cancelled_at is not None:
        return f"Order cancelled at {_when(facts.cancelled_at, zone)}"
    rule = rules.rule(exception["exception_type"]).for_reason(exception["detail"].get("reason"))
    if rule.resolve_when == "manual":
        return None
    detail = exception["detail"]
    match rule.resolve_when:
        case "packed_or_shipped":
            for label, at in (
                ("Packed", facts.packed_at),
                ("Ready for pickup", facts.ready_for_pickup_at),
                ("Handed to the carrier", facts.carrier_pickup_at),
            ):
                if at is not None and at > exception["last_evidence_at"]:
                    return f"{label} at {_when(at, zone)}, after the short pick"
        case "scanned_since":
            silent_since = _instant(detail.get("silent_since"))
            scan = facts.shipment_last_scan_at
            if scan is not None and silent_since is not None and scan > silent_since:
                return f"The carrier scanned the parcel again at {_when(scan, zone)}"
        case "picked":
            if facts.picked_at is not None:
                return f"Picked at {_when(facts.picked_at, zone)}"
        case "stage_moved":
            entered = _instant(detail.get("stage_entered_at"))
            moved = facts.stage != detail.get("stage") or (
                entered is not None
                and facts.stage_entered_at is not None
                and facts.stage_entered_at > entered
            )
            if facts.stage is not None and moved:
                return f"Moved on to {facts.stage}"
    delivered = facts.delivered
    return f"Delivered at {_when(delivered, zone)}" if delivered else None


def promise_at_risk(
    root_cause: str, detail: Mapping[str, Any], facts: OrderFacts, limits: Thresholds, now: datetime
) -> bool:
    """Whether the delivery promise shown to the customer is likely to be missed."""
    if facts.delivered is not None or facts.cancelled_at is not None:
        return False
    if root_cause == "lost":
        return True
    promised = facts.promised_delivery_by
    if promised is None:
        return False
    if now >= promised:
        return True
    if facts.ship_by is not None and now > facts.ship_by and facts.carrier_pickup_at is None:
        return True
    estimate = detail.get("new_estimated_delivery") or detail.get("estimated_delivery")
    if estimate and date.fromisoformat(estimate) > _promised_date(promised, facts.destination_time_zone):
        return True
    near = promised - now <= timedelta(hours=limits.promise_risk_hours)
    return near and facts.out_for_delivery_at is None


def _promised_date(promised: datetime, zone: str | None) -> date:
    return promised.astimezone(ZoneInfo(zone)).date() if zone else promised.date()


def _instant(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _when(at: datetime | None, zone: ZoneInfo | None) -> str:
    if at is None:
        return "an unknown time"
    local = at.astimezone(zone) if zone else at
    return local.strftime("%Y-%m-%d %H:%M %Z")
