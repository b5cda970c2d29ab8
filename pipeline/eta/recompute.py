"""Keep every shipment's estimate current, and estimate for playbooks and the tracking API.

`recompute_etas(engine, now=…)` is the worker's job: it estimates again the shipments of orders with
events loaded since its last run (the same `loaded_at` watermark as the lane statistics) and those whose
likely instant has passed without a delivery (`review_at`). The first run estimates the undelivered
shipments labelled within the policy's lookback. `recompute_eta(conn, shipment_id, now)` does one
shipment in the caller's transaction (the carrier-delay playbook calls it). `estimate_for_facility`
answers "if this order shipped from there, when would it arrive?" without writing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection, Engine, text

from pipeline.eta.current import ShipmentEta, destination_zone, eta_view
from pipeline.eta.estimate import Estimate, ShipmentFacts, estimate_shipment
from pipeline.eta.facts import lane_distributions, shipment_facts
from pipeline.eta.policy import EtaPolicy, load_policy
from pipeline.eta.store import EstimateToSave, save_estimates
from pipeline.singleton import lock_key

log = structlog.get_logger(__name__)

STATE_NAME = "shipment_etas"
LATE_COMMIT_MARGIN = timedelta(minutes=5)
BATCH = 1_000

_FRESH = """
SELECT DISTINCT s.shipment_id FROM shipment AS s
WHERE s.order_id IN (SELECT order_id FROM event WHERE loaded_at > :after)
"""
_DUE = "SELECT shipment_id FROM shipment_eta WHERE review_at <= :now"
_FIRST_RUN = """
SELECT shipment_id FROM shipment WHERE delivered_at IS NULL AND coalesce(label_printed_at, last_scan_at) >= :since
"""
_CHANGED_AT = "SELECT changed_at FROM shipment_eta WHERE shipment_id = :id"
_SAVE_STATE = """
INSERT INTO eta_refresh_state (name, loaded_through, refreshed_at) VALUES (:name, :at, now())
ON CONFLICT (name) DO UPDATE SET loaded_through = excluded.loaded_through, refreshed_at = now()
"""


@dataclass(frozen=True)
class EtaRunReport:
    estimated: int  # shipments estimated
    changed: int  # material changes written to the history
    first_run: bool


def recompute_etas(engine: Engine, *, now: datetime | None = None) -> EtaRunReport:
    """The scheduled job: one run in its own transaction (see `recompute_changed`)."""
    with engine.begin() as conn:
        report = recompute_changed(conn, now=now)
    if report.estimated:
        log.info("eta.recomputed", estimated=report.estimated, changed=report.changed, first=report.first_run)
    return report


def recompute_changed(
    conn: Connection, *, now: datetime | None = None, policy: EtaPolicy | None = None
) -> EtaRunReport:
    """Estimate the shipments with new events or a due review. The caller owns the transaction."""
    policy = policy or load_policy()
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(STATE_NAME)})
    started_at: datetime = conn.execute(text("SELECT now()")).scalar_one()
    now = now or datetime.now(UTC)
    loaded_through = conn.execute(
        text("SELECT loaded_through FROM eta_refresh_state WHERE name = :name"), {"name": STATE_NAME}
    ).scalar_one_or_none()
    if loaded_through is None:
        since = now - timedelta(days=policy.lookback_days)
        fresh = set(conn.execute(text(_FIRST_RUN), {"since": since}).scalars())
        due: set[str] = set()
    else:
        fresh = set(conn.execute(text(_FRESH), {"after": loaded_through - LATE_COMMIT_MARGIN}).scalars())
        due = set(conn.execute(text(_DUE), {"now": now}).scalars()) - fresh
    estimated = changed = 0
    for reason, ids in (("event", sorted(fresh)), ("time", sorted(due))):
        for start in range(0, len(ids), BATCH):
            count, moved = _estimate_and_save(conn, ids[start : start + BATCH], now, policy, reason)
            estimated, changed = estimated + count, changed + moved
    conn.execute(text(_SAVE_STATE), {"name": STATE_NAME, "at": started_at})
    return EtaRunReport(estimated=estimated, changed=changed, first_run=loaded_through is None)


def recompute_eta(
    conn: Connection, shipment_id: str, now: datetime, *, policy: EtaPolicy | None = None
) -> ShipmentEta:
    """Estimate one shipment again and store it (a history row if it moved materially); its str() is the
    estimate in words. An unknown shipment gets source `none` and nothing is stored. The caller owns the
    transaction."""
    policy = policy or load_policy()
    facts = shipment_facts(conn, [shipment_id]).get(shipment_id)
    if facts is None:
        unknown = Estimate("none", None, None, None, None, {"unknown_shipment": True})
        return eta_view(shipment_id, unknown, ZoneInfo("UTC"))
    estimate = estimate_shipments(conn, [facts], now, policy)[shipment_id]
    item = EstimateToSave(shipment_id, facts.order_id, estimate, facts.signals.latest_scan or "event")
    save_estimates(conn, [item], now, policy.material_change_hours)
    changed_at = conn.execute(text(_CHANGED_AT), {"id": shipment_id}).scalar_one()
    zone = destination_zone(facts.destination_time_zone, facts.facility_id)
    return eta_view(shipment_id, estimate, zone, stored=True, computed_at=now, changed_at=changed_at)


def estimate_shipments(
    conn: Connection, facts: Sequence[ShipmentFacts], now: datetime, policy: EtaPolicy
) -> dict[str, Estimate]:
    """Estimates for shipments whose facts are known (reads lane statistics; writes nothing)."""
    lanes = lane_distributions(conn, [item.lane for item in facts if item.lane is not None])
    return {
        item.shipment_id: estimate_shipment(item, lanes.get(item.lane) if item.lane else None, policy, now)
        for item in facts
    }


def estimate_for_facility(
    conn: Connection,
    *,
    facility_id: str,
    carrier_id: str,
    service_code: str,
    destination_postal_code: str | None,
    destination_time_zone: str | None,
    ready_at: datetime,
    promised_delivery_by: datetime | None = None,
    now: datetime | None = None,
    policy: EtaPolicy | None = None,
) -> Estimate:
    """When a parcel ready to ship at `ready_at` from `facility_id` with this carrier service would arrive:
    the next pickup cut-off, then the lane model or the service level. Writes nothing."""
    policy = policy or load_policy()
    facts = ShipmentFacts(
        shipment_id="(candidate)",
        order_id="(candidate)",
        facility_id=facility_id,
        carrier_id=carrier_id,
        service_code=service_code,
        destination_postal_code=destination_postal_code,
        destination_time_zone=destination_time_zone,
        promised_delivery_by=promised_delivery_by,
        label_printed_at=ready_at,
    )
    return estimate_shipments(conn, [facts], now or ready_at, policy)[facts.shipment_id]


def _estimate_and_save(
    conn: Connection, shipment_ids: Sequence[str], now: datetime, policy: EtaPolicy, reason: str
) -> tuple[int, int]:
    facts = list(shipment_facts(conn, shipment_ids).values())
    estimates = estimate_shipments(conn, facts, now, policy)
    items = [
        EstimateToSave(
            item.shipment_id,
            item.order_id,
            estimates[item.shipment_id],
            (item.signals.latest_scan or "LABEL_PRINTED") if reason == "event" else "time",
        )
        for item in facts
    ]
    return len(items), save_estimates(conn, items, now, policy.material_change_hours)
