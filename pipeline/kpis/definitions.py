"""The KPIs Waypoint reports, exactly as defined (issue #5 §5; the README copies this text).

- **On-time delivery %** = orders whose first DELIVERED or CUSTOMER_PICKED_UP is at or before
  ORDER_RECEIVED.promised_delivery_by ÷ orders delivered, by the delivery's date in the destination's zone.
- **Pick-to-pack minutes** = last PACK_COMPLETED − first PICK_STARTED per order and facility, averaged by
  the PACK_COMPLETED date in facility-local time.
- **Exception rate** = distinct (order, exception type) pairs among PICK_SHORT, DELIVERY_DELAYED,
  ADDRESS_ISSUE, DELIVERY_EXCEPTION, DELIVERY_ATTEMPTED, RETURN_TO_SENDER, LOST, per 1,000 orders with
  CARRIER_PICKUP in the period.
- **Support tickets per 1,000** = SUPPORT_TICKET_OPENED events per 1,000 orders with CARRIER_PICKUP in
  the period.
- **Orders packed per shift** = orders whose last PACK_COMPLETED falls in the shift window, facility-local
  (shift calendar in facility.shift_calendar; a night shift crosses midnight and belongs to the day it
  started), ÷ the shifts in the period in which the facility recorded work (a pick started, a short pick
  or a pack completed): a scheduled shift nobody worked in, or one still ahead, is not counted.
- **Carrier SLA adherence %** = shipments delivered within the service level's committed transit business
  days after CARRIER_PICKUP ÷ shipments delivered. Business days are Monday to Friday except US federal
  holidays (the `holidays` package); a pickup after the service level's pickup cut-off in the facility's
  local time counts from the next business day.
- **On-time shipment %** = orders whose CARRIER_PICKUP is at or before ship_by ÷ orders with CARRIER_PICKUP.
- **CSAT** = mean SURVEY_RESPONDED score, and % of scores 4 or 5.

Days are calendar days in the fulfilling facility's zone, except on-time delivery as stated. Weeks are
ISO weeks (Monday start); a week's figure is its days' numerators over its days' denominators.

How the rules are applied, where the definitions leave a choice:
- *Duplicates never count twice.* The event table holds no duplicate (identity and semantic dedupe at
  load); beyond that, an order counts once however many DELIVERED scans, CARRIER_PICKUPs or exceptions of
  one type it has (the first one decides), a ticket once per ticket id, a survey once per survey id.
- *Late events count on the day they occurred*: every day is taken from `occurred_at`, never from when
  the event arrived; the rollup refresh recomputes the days late events fall on.
- *First* and *last* are over the order's whole history: a DELIVERED scan after an earlier one counts
  nothing, a PACK_COMPLETED followed by a later one is not the last. A split order is on time when its
  first parcel arrives in time (the definition's "first DELIVERED"); carrier SLA adherence judges each
  parcel on its own.
- The fulfilling facility is the order's current facility in the order-state projection (it follows a
  reallocation); pick-to-pack and packed-per-shift use the facility of the pick and pack events
  themselves, exceptions the facility of the event when it has one. Its zone gives the day; an order with
  no facility yet falls back to its destination's zone.
- The carrier of an order-level figure (exceptions without a carrier, tickets, CSAT, pick-to-pack) is the
  carrier of the order's first shipment; carrier-stage figures use the scan's carrier. A store pickup has
  no carrier, so a carrier filter leaves it out.
- An order whose promise (or ship-by) is not known yet — its ORDER_RECEIVED has not arrived — and a
  parcel without a pickup scan or with an unknown service level are left out of the ratio that needs
  them, rather than counted as late. The SLA deadline is compared with the delivery's date in the
  destination's zone, where the carrier's commitment applies.
- Events flagged `inferred` are counted or left out at the reader's choice; every figure reports how
  many inferred events it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    PERCENT = "percent"
    MINUTES = "minutes"
    PER_1000_ORDERS = "per_1000_orders"
    ORDERS = "orders"
    SCORE = "score"


@dataclass(frozen=True)
class KpiDefinition:
    key: str
    label: str
    unit: Unit
    scale: float  # value = numerator / denominator * scale
    higher_is_better: bool
    numerator: str
    denominator: str
    # The denominator counts shifts worked, which belong to a facility but to no carrier or channel:
    # a carrier or channel filter narrows the numerator only.
    denominator_ignores_carrier_and_channel: bool = False


KPIS: tuple[KpiDefinition, ...] = (
    KpiDefinition("on_time_delivery", "On-time delivery", Unit.PERCENT, 100.0, True,
                  "orders delivered or collected by the promise", "orders delivered or collected"),
    KpiDefinition("pick_to_pack_minutes", "Pick-to-pack", Unit.MINUTES, 1.0, False,
                  "minutes from first pick to last pack", "orders packed"),
    KpiDefinition("exception_rate", "Exception rate", Unit.PER_1000_ORDERS, 1000.0, False,
                  "distinct (order, exception type) pairs", "orders picked up by a carrier"),
    KpiDefinition("support_tickets_per_1000", "Support tickets", Unit.PER_1000_ORDERS, 1000.0, False,
                  "support tickets opened", "orders picked up by a carrier"),
    KpiDefinition("orders_packed_per_shift", "Orders packed per shift", Unit.ORDERS, 1.0, True,
                  "orders packed within a shift", "shifts worked", denominator_ignores_carrier_and_channel=True),
    KpiDefinition("carrier_sla_adherence", "Carrier SLA adherence", Unit.PERCENT, 100.0, True,
                  "parcels delivered within the committed business days", "parcels delivered"),
    KpiDefinition("on_time_shipment", "On-time shipment", Unit.PERCENT, 100.0, True,
                  "orders picked up by ship-by", "orders picked up by a carrier"),
    KpiDefinition("csat_score", "CSAT (mean score)", Unit.SCORE, 1.0, True,
                  "sum of survey scores", "survey responses"),
    KpiDefinition("csat_top2_pct", "CSAT (% scoring 4 or 5)", Unit.PERCENT, 100.0, True,
                  "survey scores of 4 or 5", "survey responses"),
)  # fmt: skip

KPI_KEYS: tuple[str, ...] = tuple(item.key for item in KPIS)
_BY_KEY = {item.key: item for item in KPIS}

EXCEPTION_TYPES: tuple[str, ...] = (
    "PICK_SHORT", "DELIVERY_DELAYED", "ADDRESS_ISSUE", "DELIVERY_EXCEPTION", "DELIVERY_ATTEMPTED",
    "RETURN_TO_SENDER", "LOST",
)  # fmt: skip

# Every event type any KPI reads; the refresh gathers only these.
KPI_EVENT_TYPES: tuple[str, ...] = (
    "PICK_STARTED", "PACK_COMPLETED", "CARRIER_PICKUP", "DELIVERED", "CUSTOMER_PICKED_UP",
    "SUPPORT_TICKET_OPENED", "SURVEY_RESPONDED", *EXCEPTION_TYPES,
)  # fmt: skip

INFERRED_FLAG = "inferred"


def kpi(key: str) -> KpiDefinition:
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown KPI {key!r}; KPIs are {', '.join(KPI_KEYS)}") from None


def format_value(key: str, value: float | None) -> str:
    """A figure as people read it: 96.4%, 38.5 min, 12.3 per 1,000, 412 orders, 4.21 / 5."""
    if value is None:
        return "—"
    unit = kpi(key).unit
    if unit is Unit.PERCENT:
        return f"{value:.1f}%"
    if unit is Unit.MINUTES:
        return f"{value:,.1f} min"
    if unit is Unit.PER_1000_ORDERS:
        return f"{value:,.1f} per 1,000"
    if unit is Unit.ORDERS:
        return f"{value:,.0f} orders"
    return f"{value:.2f} / 5"
