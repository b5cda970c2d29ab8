"""The SQL of the pipeline-health job (health_job.py): what it reads to measure each source and what it
writes. Parameters are bound; every statement is bounded by an index or by a time window."""

from __future__ import annotations

from sqlalchemy import text

# Hourly payload counts per source over the history window (the expected rate, the recent rates).
COUNTERS = text(
    """
    SELECT source, hour, received, normalized, quarantined, duplicates, last_received_at
    FROM source_counter
    WHERE hour >= :since AND hour <= :now
    ORDER BY source, hour
    """
)

# Ingest latency, received (landed in the inbox) -> visible (loaded, in the drain's transaction), per
# payload processed in the window. ix_raw_inbox_processed_at keeps this to the window's rows.
LATENCY = text(
    """
    SELECT source,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_ms) AS p50_ms,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY lag_ms) AS p95_ms,
           count(*) AS loaded
    FROM (
        SELECT source, greatest(extract(epoch FROM processed_at - received_at) * 1000, 0) AS lag_ms
        FROM raw_inbox
        WHERE processed_at >= :since AND processed_at <= :now AND status = 'done'
    ) AS recent
    GROUP BY source
    """
)

# Open orders per source that should report their next event, and how many have waited longer than their
# stage allows: fulfillment stages are the facility's (its WMS, or the store tool), carrier stages the
# carrier's of the order's latest parcel.
MISSING_EVENTS = text(
    """
    WITH limits AS (
        SELECT stage, minutes FROM unnest(CAST(:stages AS text[]), CAST(:minutes AS int[])) AS l(stage, minutes)
    ),
    open_orders AS (
        SELECT o.order_id, o.stage, o.stage_entered_at, l.minutes,
               CASE
                   WHEN o.stage IN ('handed_to_carrier', 'in_transit', 'out_for_delivery')
                       THEN 'carrier:' || s.carrier_id
                   WHEN f.kind = 'dc' THEN 'wms:' || f.facility_id
                   WHEN f.kind = 'store' THEN 'stores'
               END AS source
        FROM order_state AS o
        JOIN limits AS l ON l.stage = o.stage
        LEFT JOIN facility AS f ON f.facility_id = o.facility_id
        LEFT JOIN LATERAL (
            SELECT carrier_id FROM shipment WHERE shipment.order_id = o.order_id
            ORDER BY label_printed_at DESC NULLS LAST LIMIT 1
        ) AS s ON true
        WHERE NOT o.is_terminal
    )
    SELECT source, count(*) AS open_orders,
           count(*) FILTER (WHERE stage_entered_at < :now - make_interval(mins => minutes)) AS missing
    FROM open_orders
    WHERE source IS NOT NULL
    GROUP BY source
    """
)

# Each source's latest sample before this run: is a breach continuing (and since when)?
LATEST_STATUS = text(
    """
    SELECT DISTINCT ON (source) source, status, detail->>'breach_started_at' AS breach_started_at
    FROM pipeline_health_sample
    WHERE measured_at < :now
    ORDER BY source, measured_at DESC
    """
)

SAVE_SAMPLE = text(
    """
    INSERT INTO pipeline_health_sample (source, measured_at, status, expected_per_hour, received_last_hour,
        silent_minutes, freshness_limit_minutes, latency_p50_ms, latency_p95_ms, quarantine_rate,
        duplicate_rate, missing_events, breaches, detail)
    VALUES (:source, :measured_at, :status, :expected_per_hour, :received_last_hour, :silent_minutes,
        :freshness_limit_minutes, :latency_p50_ms, :latency_p95_ms, :quarantine_rate, :duplicate_rate,
        :missing_events, CAST(:breaches AS text[]), CAST(:detail AS jsonb))
    ON CONFLICT (source, measured_at) DO NOTHING
    """
)

OPEN_HEALTH_EXCEPTIONS = text(
    "SELECT order_id, exception_id FROM order_exception"
    " WHERE root_cause = 'pipeline_health' AND state <> 'resolved'"
)

PRUNE = text("DELETE FROM pipeline_health_sample WHERE measured_at < :before")
