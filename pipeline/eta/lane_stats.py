"""Keep the lane statistics up to date: a sample per delivered shipment, quantiles per lane.

Each run takes the orders with events loaded since the last run (`event.loaded_at`, less a margin for
loads that committed late — the same watermark as the KPI rollups), turns their delivered shipments into
samples (working hours from pickup to delivery on the lane's calendar), and summarizes again only the
lanes those samples are on. Samples age out of the lookback without any new event, so once a day every
lane is summarized again. The first run reads all history. Runs are serialized by an advisory lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Connection, Engine, text

from pipeline.eta.estimate import facility_zones
from pipeline.eta.lanes import LEVELS, LaneKey, lane_key
from pipeline.eta.policy import EtaPolicy, load_policy
from pipeline.eta.working_days import WorkingDays
from pipeline.singleton import lock_key

log = structlog.get_logger(__name__)

STATE_NAME = "lane_stats"
LATE_COMMIT_MARGIN = timedelta(minutes=5)
FULL_REFRESH_EVERY = timedelta(hours=24)

_DELIVERED = """
SELECT s.shipment_id, s.carrier_id, s.service_code, s.facility_id, o.destination_postal_code,
       s.carrier_pickup_at, s.delivered_at
FROM shipment AS s JOIN customer_order AS o USING (order_id)
WHERE s.delivered_at IS NOT NULL AND s.carrier_pickup_at IS NOT NULL AND s.delivered_at > s.carrier_pickup_at
"""
_FRESH = " AND s.order_id IN (SELECT order_id FROM event WHERE loaded_at > :after)"
_UPSERT_SAMPLES = """
INSERT INTO lane_sample (shipment_id, carrier_id, service_code, facility_id, dest_zip3, picked_up_at, delivered_at,
                         working_hours)
VALUES (:shipment_id, :carrier_id, :service_code, :facility_id, :dest_zip3, :picked_up_at, :delivered_at,
        :working_hours)
ON CONFLICT (shipment_id) DO UPDATE SET
    carrier_id = excluded.carrier_id, service_code = excluded.service_code, facility_id = excluded.facility_id,
    dest_zip3 = excluded.dest_zip3, picked_up_at = excluded.picked_up_at, delivered_at = excluded.delivered_at,
    working_hours = excluded.working_hours
"""
_SUMMARIZE = """
INSERT INTO lane_stat (carrier_id, service_code, facility_id, dest_zip3, samples, quantiles, first_delivered_at,
                       last_delivered_at, refreshed_at)
SELECT carrier_id, service_code, facility_id, dest_zip3, count(*),
       percentile_cont(CAST(:levels AS float8[])) WITHIN GROUP (ORDER BY working_hours),
       min(delivered_at), max(delivered_at), now()
FROM lane_sample AS l WHERE delivered_at >= :since AND {lanes}
GROUP BY carrier_id, service_code, facility_id, dest_zip3
ON CONFLICT (carrier_id, service_code, facility_id, dest_zip3) DO UPDATE SET
    samples = excluded.samples, quantiles = excluded.quantiles, first_delivered_at = excluded.first_delivered_at,
    last_delivered_at = excluded.last_delivered_at, refreshed_at = excluded.refreshed_at
"""
_DROP_EMPTY = """
DELETE FROM lane_stat AS l WHERE {lanes} AND NOT EXISTS (
    SELECT 1 FROM lane_sample AS s WHERE (s.carrier_id, s.service_code, s.facility_id, s.dest_zip3)
        = (l.carrier_id, l.service_code, l.facility_id, l.dest_zip3) AND s.delivered_at >= :since)
"""
# Both statements name the lane table `l`; with a list of lanes, only those are touched.
_LISTED_LANES = (
    "(l.carrier_id, l.service_code, l.facility_id, l.dest_zip3) IN (SELECT * FROM unnest("
    "CAST(:c AS text[]), CAST(:s AS text[]), CAST(:f AS text[]), CAST(:z AS text[])))"
)
_SAVE_STATE = """
INSERT INTO eta_refresh_state (name, loaded_through, full_refresh_at, refreshed_at)
VALUES (:name, :at, :full_at, now())
ON CONFLICT (name) DO UPDATE SET loaded_through = excluded.loaded_through,
    full_refresh_at = coalesce(excluded.full_refresh_at, eta_refresh_state.full_refresh_at), refreshed_at = now()
"""


@dataclass(frozen=True)
class LaneRefreshReport:
    samples: int  # delivered shipments (re)measured
    lanes: int  # lanes summarized again
    full: bool  # every lane was summarized again


def refresh_lane_stats(engine: Engine, *, now: datetime | None = None) -> LaneRefreshReport:
    """The scheduled job: one refresh in its own transaction (see `refresh_lanes`)."""
    with engine.begin() as conn:
        report = refresh_lanes(conn, now=now)
    if report.samples or report.full:
        log.info("eta.lanes_refreshed", samples=report.samples, lanes=report.lanes, full=report.full)
    return report


def refresh_lanes(
    conn: Connection, *, now: datetime | None = None, policy: EtaPolicy | None = None, full: bool = False
) -> LaneRefreshReport:
    """Measure the deliveries of orders with events since the last run and summarize their lanes again
    (every lane on the first run, once a day, or with `full`). The caller owns the transaction."""
    policy = policy or load_policy()
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(STATE_NAME)})
    started_at: datetime = conn.execute(text("SELECT now()")).scalar_one()
    now = now or started_at
    state = conn.execute(
        text("SELECT loaded_through, full_refresh_at FROM eta_refresh_state WHERE name = :name"),
        {"name": STATE_NAME},
    ).first()
    first_run = state is None
    full = (
        full
        or first_run
        or state.full_refresh_at is None
        or now - state.full_refresh_at >= FULL_REFRESH_EVERY
    )
    query, params = _DELIVERED, {}
    if not first_run:
        query, params = _DELIVERED + _FRESH, {"after": state.loaded_through - LATE_COMMIT_MARGIN}
    rows = conn.execute(text(query), params).mappings().all()
    samples = lane_samples(rows, policy)
    if samples:
        conn.execute(text(_UPSERT_SAMPLES), samples)
    since = now - timedelta(days=policy.lookback_days)
    if full:
        lanes = summarize_lanes(conn, None, since)
    else:
        lanes = summarize_lanes(conn, {_key(sample) for sample in samples}, since)
    conn.execute(
        text(_SAVE_STATE), {"name": STATE_NAME, "at": started_at, "full_at": started_at if full else None}
    )
    return LaneRefreshReport(samples=len(samples), lanes=lanes, full=full)


def summarize_lanes(conn: Connection, lanes: Iterable[LaneKey] | None, since: datetime) -> int:
    """Quantiles of the samples delivered since `since`, for `lanes` (None: every lane); lanes left with
    no sample are dropped. Returns the number of lanes written."""
    params: dict[str, Any] = {"since": since, "levels": list(LEVELS)}
    if lanes is None:
        where = "true"
    else:
        keys = sorted(lanes)
        if not keys:
            return 0
        where = _LISTED_LANES
        params.update(
            c=[k.carrier_id for k in keys],
            s=[k.service_code for k in keys],
            f=[k.facility_id for k in keys],
            z=[k.dest_zip3 for k in keys],
        )
    written = conn.execute(text(_SUMMARIZE.format(lanes=where)), params).rowcount
    conn.execute(text(_DROP_EMPTY.format(lanes=where)), params)
    return written


def lane_samples(rows: Sequence[Mapping[str, Any]], policy: EtaPolicy) -> list[dict[str, Any]]:
    """Delivered shipments as lane samples; those without a lane (unknown facility, no postal code)
    or whose delivery precedes the pickup are left out."""
    zones = facility_zones()
    calendars: dict[tuple[str, str], WorkingDays] = {}
    samples = []
    for row in rows:
        key = lane_key(
            row["carrier_id"], row["service_code"], row["facility_id"], row["destination_postal_code"]
        )
        zone = zones.get(row["facility_id"] or "")
        if key is None or zone is None:
            continue
        calendar_key = (key.facility_id, key.carrier_id)
        if calendar_key not in calendars:
            weekdays = policy.calendar_for(key.carrier_id).delivery_weekdays
            calendars[calendar_key] = WorkingDays(zone, frozenset(weekdays), policy.holiday_country)
        hours = calendars[calendar_key].working_hours_between(row["carrier_pickup_at"], row["delivered_at"])
        if hours <= 0:
            continue
        samples.append(
            {
                "shipment_id": row["shipment_id"],
                "carrier_id": key.carrier_id,
                "service_code": key.service_code,
                "facility_id": key.facility_id,
                "dest_zip3": key.dest_zip3,
                "picked_up_at": row["carrier_pickup_at"],
                "delivered_at": row["delivered_at"],
                "working_hours": hours,
            }
        )
    return samples


def _key(sample: Mapping[str, Any]) -> LaneKey:
    return LaneKey(sample["carrier_id"], sample["service_code"], sample["facility_id"], sample["dest_zip3"])
