"""The SQL of the KPI arithmetic (the definitions are in pipeline/kpis/definitions.py).

The unit of work is the order. An order's KPI facts — its contribution to each KPI's numerator and
denominator, on the day and for the facility, carrier, channel and shift the definitions give — depend
on its own events and dimensions only. So they are computed per order, kept in `kpi_fact`, and replaced
whenever the order gets a new event; the daily rollups are sums of facts.

Inputs are gathered into temporary tables — the KPI events of the orders in question (their whole
history: "first" and "last" are over all of it), each order's dimensions from the projection, its
shipments, the shift windows and the business-day calendar — then one statement turns them into facts.
Every DISTINCT ON has a full tie-break, so the same events always give the same facts.
"""

from __future__ import annotations

CREATE_INPUTS = """
DROP TABLE IF EXISTS kpi_event, kpi_order, kpi_shipment, kpi_shift, kpi_calendar, kpi_fact_new;
CREATE TEMP TABLE kpi_event (
    order_id text, event_type text, occurred_at timestamptz, facility_id text, shipment_id text, carrier text,
    inferred boolean, score smallint, item_key text, service_level text
) ON COMMIT DROP;
CREATE TEMP TABLE kpi_order (
    order_id text, facility_id text, channel text, destination_zone text, promised_delivery_by timestamptz,
    ship_by timestamptz, carrier_id text, zone text
) ON COMMIT DROP;
CREATE TEMP TABLE kpi_shipment (
    shipment_id text, order_id text, carrier_id text, service_code text, facility_id text, zone text
) ON COMMIT DROP;
CREATE TEMP TABLE kpi_shift (facility_id text, day date, shift text, starts_at timestamptz, ends_at timestamptz)
    ON COMMIT DROP;
CREATE TEMP TABLE kpi_calendar (day date, business_index integer, next_business_index integer) ON COMMIT DROP;
CREATE TEMP TABLE kpi_fact_new (
    order_id text, kpi text, variant smallint, day date, facility_id text, carrier_id text, channel text,
    shift text, numerator float8, denominator float8, inferred_events integer
) ON COMMIT DROP;
"""

_EVENT_COLUMNS = """
SELECT e.order_id, e.event_type, e.occurred_at, e.facility_id, e.shipment_id, e.carrier,
       CAST(:inferred_flag AS text) = ANY(e.flags),
       CASE WHEN e.event_type = 'SURVEY_RESPONDED' THEN (e.attributes->>'score')::smallint END,
       CASE e.event_type
            WHEN 'SUPPORT_TICKET_OPENED' THEN coalesce(e.attributes->>'ticket_id', e.source || ':' || e.event_id)
            WHEN 'SURVEY_RESPONDED' THEN coalesce(e.attributes->>'survey_id', e.source || ':' || e.event_id)
       END,
       e.attributes->>'service_level'
FROM event AS e
"""

# Every order with a KPI event in [lo, hi), with all of its KPI events, whenever they occurred.
GATHER_WINDOW_EVENTS = f"""
INSERT INTO kpi_event
WITH touched AS (
    SELECT DISTINCT order_id FROM event
    WHERE event_type = ANY(:types) AND occurred_at >= :lo AND occurred_at < :hi
)
{_EVENT_COLUMNS}
WHERE e.order_id IN (SELECT order_id FROM touched) AND e.event_type = ANY(:types)
"""  # noqa: S608 - only constant fragments are interpolated

GATHER_ALL_EVENTS = f"""
INSERT INTO kpi_event
{_EVENT_COLUMNS}
WHERE e.event_type = ANY(:types)
"""  # noqa: S608 - only constant fragments are interpolated

GATHER_ORDER_EVENTS = f"""
INSERT INTO kpi_event
{_EVENT_COLUMNS}
WHERE e.order_id = ANY(:order_ids) AND e.event_type = ANY(:types)
"""  # noqa: S608 - only constant fragments are interpolated

# The order's carrier is its first shipment's (by pickup, then label); its zone its facility's.
GATHER_ORDERS = """
INSERT INTO kpi_order
WITH orders AS (SELECT DISTINCT order_id FROM kpi_event),
first_shipment AS (
    SELECT DISTINCT ON (s.order_id) s.order_id, s.carrier_id
    FROM shipment AS s JOIN orders USING (order_id)
    WHERE s.carrier_id IS NOT NULL
    ORDER BY s.order_id, s.carrier_pickup_at NULLS LAST, s.label_printed_at NULLS LAST, s.shipment_id
)
SELECT o.order_id, st.facility_id, co.channel, co.destination_time_zone, co.promised_delivery_by, co.ship_by,
       fs.carrier_id, coalesce(f.time_zone, co.destination_time_zone, 'UTC')
FROM orders AS o
LEFT JOIN order_state AS st ON st.order_id = o.order_id
LEFT JOIN customer_order AS co ON co.order_id = o.order_id
LEFT JOIN first_shipment AS fs ON fs.order_id = o.order_id
LEFT JOIN facility AS f ON f.facility_id = st.facility_id
"""

GATHER_SHIPMENTS = """
INSERT INTO kpi_shipment
SELECT s.shipment_id, s.order_id, s.carrier_id, s.service_code, coalesce(s.facility_id, o.facility_id),
       coalesce(f.time_zone, o.zone)
FROM shipment AS s
JOIN kpi_order AS o USING (order_id)
LEFT JOIN facility AS f ON f.facility_id = coalesce(s.facility_id, o.facility_id)
"""

GATHER_SHIFTS = """
INSERT INTO kpi_shift
SELECT * FROM unnest(CAST(:facility_ids AS text[]), CAST(:days AS date[]), CAST(:shifts AS text[]),
                     CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[]))
"""

GATHER_CALENDAR = """
INSERT INTO kpi_calendar
SELECT * FROM unnest(CAST(:days AS date[]), CAST(:business_indexes AS integer[]),
                     CAST(:next_business_indexes AS integer[]))
"""

EVENT_SPAN = "SELECT min(occurred_at), max(occurred_at) FROM kpi_event"

ANALYZE_INPUTS = (
    "ANALYZE kpi_event; ANALYZE kpi_order; ANALYZE kpi_shipment; ANALYZE kpi_shift; ANALYZE kpi_calendar"
)

_TIE_BREAK = "facility_id NULLS LAST, carrier NULLS LAST, shipment_id NULLS LAST, inferred"

# Fact rows: (order_id, kpi, day, facility_id, carrier_id, channel, shift, num, den, inferred), one SELECT
# per KPI.
_ON_TIME_DELIVERY = f"""
SELECT d.order_id, 'on_time_delivery', (d.occurred_at AT TIME ZONE coalesce(o.destination_zone, o.zone))::date,
       o.facility_id, d.carrier, o.channel, NULL::text,
       (d.occurred_at <= o.promised_delivery_by)::int::float8, 1::float8, d.inferred::int
FROM (SELECT DISTINCT ON (order_id) order_id, occurred_at, carrier, inferred FROM ev
      WHERE event_type IN ('DELIVERED', 'CUSTOMER_PICKED_UP')
      ORDER BY order_id, occurred_at, event_type, {_TIE_BREAK}) AS d
JOIN kpi_order AS o USING (order_id)
WHERE o.promised_delivery_by IS NOT NULL
"""  # noqa: S608 - only constant fragments are interpolated

_PICK_TO_PACK = """
SELECT p.order_id, 'pick_to_pack_minutes', (p.pack_at AT TIME ZONE f.time_zone)::date, p.facility_id, o.carrier_id,
       o.channel, NULL::text, extract(epoch FROM p.pack_at - p.pick_at)::float8 / 60.0, 1::float8,
       p.pick_inferred::int + p.pack_inferred::int
FROM (SELECT order_id, facility_id,
             min(occurred_at) FILTER (WHERE event_type = 'PICK_STARTED') AS pick_at,
             max(occurred_at) FILTER (WHERE event_type = 'PACK_COMPLETED') AS pack_at,
             (array_agg(inferred ORDER BY occurred_at, inferred)
                  FILTER (WHERE event_type = 'PICK_STARTED'))[1] AS pick_inferred,
             (array_agg(inferred ORDER BY occurred_at DESC, inferred)
                  FILTER (WHERE event_type = 'PACK_COMPLETED'))[1] AS pack_inferred
      FROM ev WHERE event_type IN ('PICK_STARTED', 'PACK_COMPLETED') AND facility_id IS NOT NULL
      GROUP BY order_id, facility_id) AS p
JOIN kpi_order AS o USING (order_id)
JOIN facility AS f ON f.facility_id = p.facility_id
WHERE p.pick_at IS NOT NULL AND p.pack_at >= p.pick_at
"""

_EXCEPTIONS = f"""
SELECT x.order_id, 'exception_rate', (x.occurred_at AT TIME ZONE coalesce(f.time_zone, o.zone))::date,
       coalesce(x.facility_id, o.facility_id), coalesce(x.carrier, o.carrier_id), o.channel, NULL::text,
       1::float8, 0::float8, x.inferred::int
FROM (SELECT DISTINCT ON (order_id, event_type) order_id, occurred_at, facility_id, carrier, inferred FROM ev
      WHERE event_type = ANY(:exception_types)
      ORDER BY order_id, event_type, occurred_at, {_TIE_BREAK}) AS x
JOIN kpi_order AS o USING (order_id)
LEFT JOIN facility AS f ON f.facility_id = coalesce(x.facility_id, o.facility_id)
"""  # noqa: S608 - only constant fragments are interpolated

_TICKETS = f"""
SELECT t.order_id, 'support_tickets_per_1000', (t.occurred_at AT TIME ZONE o.zone)::date, o.facility_id, o.carrier_id,
       o.channel, NULL::text, 1::float8, 0::float8, t.inferred::int
FROM (SELECT DISTINCT ON (order_id, item_key) order_id, occurred_at, inferred FROM ev
      WHERE event_type = 'SUPPORT_TICKET_OPENED'
      ORDER BY order_id, item_key, occurred_at, {_TIE_BREAK}) AS t
JOIN kpi_order AS o USING (order_id)
"""  # noqa: S608 - only constant fragments are interpolated

# Orders with CARRIER_PICKUP: the denominator of both per-1,000 rates, and of on-time shipment.
_PICKED_UP_ORDERS = """
SELECT p.order_id, k.kpi, (p.occurred_at AT TIME ZONE o.zone)::date, o.facility_id, p.carrier, o.channel, NULL::text,
       0::float8, 1::float8, p.inferred::int
FROM first_pickup AS p
JOIN kpi_order AS o USING (order_id)
CROSS JOIN (VALUES ('exception_rate'), ('support_tickets_per_1000')) AS k(kpi)
"""

_ON_TIME_SHIPMENT = """
SELECT p.order_id, 'on_time_shipment', (p.occurred_at AT TIME ZONE o.zone)::date, o.facility_id, p.carrier, o.channel,
       NULL::text, (p.occurred_at <= o.ship_by)::int::float8, 1::float8, p.inferred::int
FROM first_pickup AS p
JOIN kpi_order AS o USING (order_id)
WHERE o.ship_by IS NOT NULL
"""

# Orders packed in a shift, and the shifts in which each order had facility events (`shift_worked`: the
# rollup counts each distinct shift once, as the denominator of orders packed per shift).
_PACKED_PER_SHIFT = """
SELECT w.order_id, 'orders_packed_per_shift', w.day, w.facility_id, o.carrier_id, o.channel, w.shift,
       1::float8, 0::float8, w.inferred::int
FROM in_shift AS w JOIN kpi_order AS o USING (order_id)
WHERE w.is_last_pack
UNION ALL
SELECT DISTINCT order_id, 'shift_worked', day, facility_id, NULL, NULL, shift, 0::float8, 0::float8, 0
FROM in_shift WHERE NOT is_last_pack
"""

# A parcel's count starts on its pickup day, or the day after when picked up after the cut-off, moved on
# to a business day; the deadline is the business day `transit_business_days` later.
_CARRIER_SLA = """
SELECT j.order_id, 'carrier_sla_adherence', (j.delivered_at AT TIME ZONE j.facility_zone)::date, j.facility_id,
       j.carrier_id, j.channel, NULL::text,
       ((j.delivered_at AT TIME ZONE coalesce(j.destination_zone, j.facility_zone))::date <= deadline.day)::int::float8,
       1::float8, j.pickup_inferred::int + j.delivered_inferred::int
FROM (
    SELECT s.*, sh.order_id, coalesce(sh.carrier_id, s.carrier) AS carrier_id, sh.facility_id, sh.zone AS facility_zone,
           o.channel, o.destination_zone, sl.transit_business_days, sl.pickup_cutoff_local,
           (s.pickup_at AT TIME ZONE sh.zone) AS pickup_local
    FROM (SELECT shipment_id, min(carrier) AS carrier,
                 min(occurred_at) FILTER (WHERE event_type = 'CARRIER_PICKUP') AS pickup_at,
                 min(occurred_at) FILTER (WHERE event_type = 'DELIVERED') AS delivered_at,
                 (array_agg(inferred ORDER BY occurred_at, inferred)
                      FILTER (WHERE event_type = 'CARRIER_PICKUP'))[1] AS pickup_inferred,
                 (array_agg(inferred ORDER BY occurred_at, inferred)
                      FILTER (WHERE event_type = 'DELIVERED'))[1] AS delivered_inferred,
                 min(service_level) AS scan_service_level
          FROM ev WHERE event_type IN ('CARRIER_PICKUP', 'DELIVERED') AND shipment_id IS NOT NULL
          GROUP BY shipment_id) AS s
    JOIN kpi_shipment AS sh USING (shipment_id)
    JOIN kpi_order AS o ON o.order_id = sh.order_id
    JOIN service_level AS sl
      ON sl.carrier_id = coalesce(sh.carrier_id, s.carrier)
     AND sl.service_code = coalesce(sh.service_code, s.scan_service_level)
    WHERE s.pickup_at IS NOT NULL AND s.delivered_at IS NOT NULL
) AS j
JOIN kpi_calendar AS start_day
  ON start_day.day = j.pickup_local::date + CASE WHEN j.pickup_local::time > j.pickup_cutoff_local THEN 1 ELSE 0 END
JOIN kpi_calendar AS deadline ON deadline.business_index = start_day.next_business_index + j.transit_business_days
"""

_CSAT = f"""
SELECT s.order_id, k.kpi, (s.occurred_at AT TIME ZONE o.zone)::date, o.facility_id, o.carrier_id, o.channel,
       NULL::text, k.num, 1::float8, s.inferred::int
FROM (SELECT DISTINCT ON (order_id, item_key) order_id, occurred_at, score, inferred FROM ev
      WHERE event_type = 'SURVEY_RESPONDED' AND score IS NOT NULL
      ORDER BY order_id, item_key, occurred_at, {_TIE_BREAK}) AS s
JOIN kpi_order AS o USING (order_id)
CROSS JOIN LATERAL (VALUES ('csat_score', s.score::float8),
                           ('csat_top2_pct', (s.score >= 4)::int::float8)) AS k(kpi, num)
"""  # noqa: S608 - only constant fragments are interpolated

_FACTS = "\nUNION ALL\n".join(
    (_ON_TIME_DELIVERY, _PICK_TO_PACK, _EXCEPTIONS, _TICKETS, _PICKED_UP_ORDERS, _ON_TIME_SHIPMENT,
     _PACKED_PER_SHIFT, _CARRIER_SLA, _CSAT)
)  # fmt: skip

# The facts of every order gathered, for one choice of events: all of them (variant 0 for an order without
# inferred events, whose facts count either way; 1 for one with some, whose facts count only with inferred
# events), or only the observed events of orders that have inferred ones (variant 2).
FACT_COLUMNS = (
    "order_id", "kpi", "variant", "day", "facility_id", "carrier_id", "channel", "shift", "numerator",
    "denominator", "inferred_events",
)  # fmt: skip

ORDER_FACTS = f"""
INSERT INTO kpi_fact_new ({", ".join(FACT_COLUMNS)})
WITH inferred_orders AS (SELECT DISTINCT order_id FROM kpi_event WHERE inferred),
ev AS MATERIALIZED (
    SELECT * FROM kpi_event
    WHERE NOT CAST(:observed AS boolean) OR (NOT inferred AND order_id IN (SELECT order_id FROM inferred_orders))
),
first_pickup AS (
    SELECT DISTINCT ON (order_id) order_id, occurred_at, carrier, inferred FROM ev
    WHERE event_type = 'CARRIER_PICKUP'
    ORDER BY order_id, occurred_at, {_TIE_BREAK}
),
last_pack AS (
    SELECT DISTINCT ON (order_id) order_id, occurred_at, facility_id, inferred FROM ev
    WHERE event_type = 'PACK_COMPLETED' AND facility_id IS NOT NULL
    ORDER BY order_id, occurred_at DESC, {_TIE_BREAK}
),
-- Facility events (and each order's last pack) in the shift window they fall in. A window starting on
-- day d holds local times of d or d + 1, so two equality joins on the day find it.
in_shift AS (
    SELECT w.facility_id, w.day, w.shift, e.order_id, e.inferred, e.is_last_pack
    FROM (SELECT order_id, occurred_at, facility_id, inferred, false AS is_last_pack
          FROM ev WHERE facility_id IS NOT NULL
          UNION ALL
          SELECT order_id, occurred_at, facility_id, inferred, true FROM last_pack) AS e
    JOIN facility AS f ON f.facility_id = e.facility_id
    CROSS JOIN (VALUES (0), (1)) AS back(days)
    JOIN kpi_shift AS w
      ON w.facility_id = e.facility_id AND w.day = (e.occurred_at AT TIME ZONE f.time_zone)::date - back.days
    WHERE e.occurred_at >= w.starts_at AND e.occurred_at < w.ends_at
)
SELECT order_id, kpi,
       CASE WHEN CAST(:observed AS boolean) THEN 2
            WHEN order_id IN (SELECT order_id FROM inferred_orders) THEN 1 ELSE 0 END,
       day, coalesce(facility_id, ''), coalesce(carrier_id, ''), coalesce(channel, ''), coalesce(shift, ''),
       sum(num), sum(den), sum(inferred)::int
FROM ({_FACTS}) AS facts(order_id, kpi, day, facility_id, carrier_id, channel, shift, num, den, inferred)
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""  # noqa: S608 - only constant fragments are interpolated

ROLLUP_COLUMNS = (
    "kpi", "day", "facility_id", "carrier_id", "channel", "shift", "numerator", "denominator", "inferred_events",
)  # fmt: skip


def _daily_sums(facts_table: str, days: str) -> str:
    """Facts summed per day and dimension for one choice of events (:variant 1: with inferred events, 2:
    observed only); a shift counts once in the denominator of orders packed per shift however many
    orders were worked in it."""
    return f"""
SELECT kpi, day, facility_id, carrier_id, channel, shift,
       sum(numerator) AS numerator, sum(denominator) AS denominator, sum(inferred_events)::int AS inferred_events
FROM (
    SELECT kpi, day, facility_id, carrier_id, channel, shift, numerator, denominator, inferred_events
    FROM {facts_table} WHERE {days} AND variant IN (0, :variant) AND kpi <> 'shift_worked'
    UNION ALL
    SELECT DISTINCT 'orders_packed_per_shift', day, facility_id, '', '', shift, 0::float8, 1::float8, 0
    FROM {facts_table} WHERE {days} AND variant IN (0, :variant) AND kpi = 'shift_worked'
) AS facts
GROUP BY 1, 2, 3, 4, 5, 6
"""  # noqa: S608 - the table and day condition are constants of this module


# Straight from freshly computed facts: the reference the rollups are checked against.
DAILY_ROWS = _daily_sums("kpi_fact_new", "day BETWEEN :first_day AND :last_day")

INSERT_ROLLUP = f"""
INSERT INTO kpi_rollup ({", ".join(ROLLUP_COLUMNS)}, with_inferred)
SELECT daily.*, CAST(:variant AS smallint) = 1 FROM ({_daily_sums("kpi_fact", "day = ANY(:days)")}) AS daily
"""  # noqa: S608 - only constant fragments are interpolated

# After computing every order's facts, the rollups are summed from them as they are, without an index.
INSERT_ALL_ROLLUPS = f"""
INSERT INTO kpi_rollup ({", ".join(ROLLUP_COLUMNS)}, with_inferred)
SELECT daily.*, CAST(:variant AS smallint) = 1 FROM ({_daily_sums("kpi_fact_new", "true")}) AS daily
"""  # noqa: S608 - only constant fragments are interpolated

DELETE_ROLLUP_DAYS = "DELETE FROM kpi_rollup WHERE day = ANY(:days)"

FACT_DAYS = "SELECT DISTINCT day FROM kpi_fact WHERE order_id = ANY(:order_ids)"
DELETE_FACTS = "DELETE FROM kpi_fact WHERE order_id = ANY(:order_ids)"
# In order id order: the order_id index then grows at its right edge instead of at random pages.
SAVE_FACTS = f"""
INSERT INTO kpi_fact ({", ".join(FACT_COLUMNS)})
SELECT {", ".join(FACT_COLUMNS)} FROM kpi_fact_new ORDER BY order_id
"""  # noqa: S608 - only constant fragments are interpolated
NEW_FACT_DAYS = "SELECT DISTINCT day FROM kpi_fact_new"
