"""Candidates for the silent-failure rules, read from the order-state projection (open orders only).

Each query uses the loosest threshold any facility or carrier has, so it returns a superset; the
exact per-facility and per-carrier threshold is applied in Python (detection.silent_finding).

A parcel is silent only once its carrier has been asked about it since it went quiet (`shipment.polled_at`,
stamped by carrier polling) and the answer has been read: no payload of that carrier landed before then is
still pending in the inbox. Without that, our own gap looks like the carrier's: a first run's weeks of
history, not yet polled or not yet drained, or a webhook feed that stopped.

Likewise an order is stuck in a stage, or at risk of its ship-by with nothing picked, only once its
facility's own feed has been read: no payload of the DC's WMS change log (or, for a store, of the store
tool) is still pending in the inbox. While a backlog drains — a first run's history, a worker that was
down — the move out of the stage, or the pick, may be in it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from pipeline.exceptions.rules import FULFILLMENT_STAGES, RuleBook, ThresholdOverride, Thresholds
from pipeline.sources.store_feed import SOURCE as STORE_FEED
from pipeline.sources.wms_feed import SOURCE_PREFIX as WMS_FEED_PREFIX

_UNREAD = """
    WITH unread AS (
        SELECT substr(source, length('carrier:') + 1) AS carrier_id, min(received_at) AS since
        FROM raw_inbox WHERE status = 'pending' AND source LIKE 'carrier:%' GROUP BY source
    )
"""
_ANSWER_READ = (
    "s.polled_at < coalesce((SELECT since FROM unread AS u WHERE u.carrier_id = s.carrier_id), 'infinity')"
)

_NO_SCAN_AFTER_LABEL = text(
    f"""{_UNREAD}
    SELECT s.order_id, s.shipment_id, coalesce(s.facility_id, o.facility_id) AS facility_id, s.carrier_id,
           s.label_printed_at, o.ship_by
    FROM order_state AS o JOIN shipment AS s ON s.order_id = o.order_id
    WHERE NOT o.is_terminal AND o.cancelled_at IS NULL
      AND s.label_printed_at < :cutoff AND s.carrier_pickup_at IS NULL AND s.last_scan_at IS NULL
      AND s.delivered_at IS NULL
      AND s.polled_at > s.label_printed_at AND {_ANSWER_READ}
    """  # noqa: S608 - constant fragments, no input
)
_NO_SCAN_AFTER_PICKUP = text(
    f"""{_UNREAD}
    SELECT s.order_id, s.shipment_id, coalesce(s.facility_id, o.facility_id) AS facility_id, s.carrier_id,
           s.carrier_pickup_at, s.last_scan_at, o.ship_by
    FROM order_state AS o JOIN shipment AS s ON s.order_id = o.order_id
    WHERE NOT o.is_terminal AND o.cancelled_at IS NULL
      AND s.carrier_pickup_at IS NOT NULL AND s.delivered_at IS NULL
      AND coalesce(s.last_scan_at, s.carrier_pickup_at) < :cutoff
      AND coalesce(s.status, '') NOT IN ('LOST', 'DELIVERED')
      AND s.polled_at > coalesce(s.last_scan_at, s.carrier_pickup_at) AND {_ANSWER_READ}
    """  # noqa: S608 - constant fragments, no input
)
_UNREAD_FEEDS = (
    "unread_feeds AS (SELECT DISTINCT source FROM raw_inbox"
    " WHERE status = 'pending' AND source NOT LIKE 'carrier:%')"
)
_FEED_READ = """NOT EXISTS (SELECT 1 FROM unread_feeds AS u
                      WHERE u.source = CASE f.kind WHEN 'store' THEN :store_feed ELSE :wms_prefix || f.facility_id END)"""
_SHIP_BY_AT_RISK = text(
    f"""
    WITH {_UNREAD_FEEDS}
    SELECT o.order_id, o.facility_id, o.ship_by, o.stage
    FROM order_state AS o LEFT JOIN facility AS f ON f.facility_id = o.facility_id
    WHERE NOT o.is_terminal AND o.ship_by < :cutoff AND o.picked_at IS NULL AND NOT o.on_hold
      AND o.cancelled_at IS NULL AND o.stage_rank < 50 AND {_FEED_READ}
    """  # noqa: S608 - constant fragments, no input
)
_STAGE_STUCK = text(
    f"""{_UNREAD}, {_UNREAD_FEEDS}
    SELECT o.order_id, o.facility_id, o.stage, o.stage_entered_at, o.ship_by
    FROM order_state AS o
    JOIN unnest(CAST(:stages AS text[]), CAST(:cutoffs AS timestamptz[])) AS t(stage, cutoff) ON o.stage = t.stage
    LEFT JOIN facility AS f ON f.facility_id = o.facility_id
    WHERE NOT o.is_terminal AND NOT o.on_hold AND o.cancelled_at IS NULL AND o.stage_entered_at < t.cutoff
      AND {_FEED_READ}
      AND (o.stage <> ALL(CAST(:carrier_exit_stages AS text[]))
           OR EXISTS (SELECT 1 FROM shipment AS s WHERE s.order_id = o.order_id
                      AND s.polled_at > o.stage_entered_at AND {_ANSWER_READ}))
    """  # noqa: S608 - constant fragments, no input
)
CARRIER_EXIT_STAGES = ["labeled", "staged"]
"""Stages an order leaves with the carrier's pickup scan (a store ships straight from `labeled`): held
there, it is stuck only once the carrier was asked about its parcel since, as for a silent carrier."""


def silent_candidates(conn: Connection, rules: RuleBook, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Rule name -> candidate rows."""
    loosest = _loosest(rules)
    label_cutoff = now - timedelta(hours=loosest["no_scan_after_label_hours"])
    pickup_cutoff = now - timedelta(hours=loosest["no_scan_after_pickup_hours"])
    ship_by_cutoff = now + timedelta(hours=loosest["ship_by_warning_hours"])
    stage_minutes = _loosest_stage_minutes(rules)
    stages = sorted(stage_minutes)
    cutoffs = [now - timedelta(minutes=stage_minutes[stage]) for stage in stages]

    feeds = {"store_feed": STORE_FEED, "wms_prefix": WMS_FEED_PREFIX}

    def rows(query, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: ANN001 - a text() clause
        return [dict(row) for row in conn.execute(query, params).mappings()]

    return {
        "NO_SCAN_AFTER_LABEL": rows(_NO_SCAN_AFTER_LABEL, {"cutoff": label_cutoff}),
        "NO_SCAN_AFTER_PICKUP": rows(_NO_SCAN_AFTER_PICKUP, {"cutoff": pickup_cutoff}),
        "SHIP_BY_AT_RISK": rows(_SHIP_BY_AT_RISK, {"cutoff": ship_by_cutoff, **feeds}),
        "STAGE_STUCK": rows(
            _STAGE_STUCK,
            {
                "stages": stages,
                "cutoffs": cutoffs,
                "carrier_exit_stages": CARRIER_EXIT_STAGES,
                **feeds,
            },
        ),  # fmt: skip
    }


def _overrides(rules: RuleBook) -> list[Thresholds | ThresholdOverride]:
    table = rules.thresholds
    return [
        table.default,
        *table.facility_kinds.values(),
        *table.facilities.values(),
        *table.carriers.values(),
    ]


def _loosest(rules: RuleBook) -> dict[str, float]:
    """The smallest "hours of silence" and the largest "hours of warning" any override sets."""
    values: dict[str, list[float]] = {}
    for item in _overrides(rules):
        for name in ("no_scan_after_label_hours", "no_scan_after_pickup_hours", "ship_by_warning_hours"):
            value = getattr(item, name)
            if value is not None:
                values.setdefault(name, []).append(value)
    return {
        "no_scan_after_label_hours": min(values["no_scan_after_label_hours"]),
        "no_scan_after_pickup_hours": min(values["no_scan_after_pickup_hours"]),
        "ship_by_warning_hours": max(values["ship_by_warning_hours"]),
    }


def _loosest_stage_minutes(rules: RuleBook) -> dict[str, int]:
    minutes: dict[str, int] = {}
    for item in _overrides(rules):
        for stage, value in item.stage_minutes.items():
            if stage in FULFILLMENT_STAGES:
                minutes[stage] = min(value, minutes.get(stage, value))
    return minutes
