"""A small, seeded history of orders with everything the KPIs look at: DCs and stores, ship and store
pickup, split parcels, re-packs, exceptions, tickets, surveys, double DELIVERED scans and inferred events.
Used where a realistic mix matters more than a hand computation (rollups against events, the page)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from db.master_data import carriers, facility
from tests.pipeline.kpis.orders import Order

_SHIP_FROM = ("DC-RNO", "DC-RNO", "DC-CMH", "DC-CMH", "ST-001")
_PICKUP_STORES = ("ST-001", "ST-002")
_SERVICES = [(item.carrier_id, level.service_code) for item in carriers() for level in item.service_levels]
_DESTINATIONS = (
    "America/Chicago",
    "America/Los_Angeles",
    "America/New_York",
    "America/Denver",
    "Pacific/Honolulu",
)
_EXCEPTIONS = {
    "DELIVERY_DELAYED": {"reason": "weather"},
    "DELIVERY_ATTEMPTED": {"reason": "no_access"},
    "ADDRESS_ISSUE": {"reason": "incomplete_address"},
    "DELIVERY_EXCEPTION": {"reason": "damaged"},
}


def synthetic_history(
    first_day: date, days: int, orders_per_day: int, *, seed: int = 1, until: datetime | None = None
) -> list[Order]:
    """Orders received on each of `days` days from `first_day`; with `until`, only the events that have
    happened by then (orders still in progress, as a live world looks)."""
    rng = random.Random(seed)
    orders = []
    for day_offset in range(days):
        for number in range(orders_per_day):
            order_id = f"SO-H{seed:02d}{day_offset:03d}{number:04d}"
            if rng.random() < 0.15:
                orders.append(_store_pickup(rng, order_id, first_day + timedelta(days=day_offset)))
            else:
                orders.append(_shipped(rng, order_id, first_day + timedelta(days=day_offset)))
    if until is not None:
        for order in orders:
            order.events = [
                event for event in order.events if datetime.fromisoformat(event["occurred_at"]) <= until
            ]
    return orders


def _shipped(rng: random.Random, order_id: str, day: date) -> Order:
    facility_id = rng.choice(_SHIP_FROM)
    zone = ZoneInfo(facility(facility_id).time_zone)
    received = datetime.combine(day, time(rng.randrange(0, 24), rng.randrange(60)), zone)
    ship_by = received + timedelta(hours=rng.choice((10, 20, 30)))
    promised = received + timedelta(days=rng.choice((3, 5, 7)))
    order = Order(order_id, facility_id).received(
        received, promised=promised, ship_by=ship_by, channel=rng.choice(("web", "mobile", "store")),
        destination_zone=rng.choice(_DESTINATIONS),
    )  # fmt: skip
    pick = received + timedelta(minutes=rng.randrange(20, 600))
    pack = pick + timedelta(minutes=rng.randrange(5, 120))
    order.step("PICK_STARTED", pick)
    if rng.random() < 0.08:
        order.step("PICK_SHORT", pick + timedelta(minutes=2), sku="SKU-000087", qty=0, qty_short=1)
    order.step("PACK_COMPLETED", pack)
    if rng.random() < 0.05:
        order.step("PACK_COMPLETED", pack + timedelta(minutes=rng.randrange(5, 60)))  # re-packed
    if rng.random() < 0.05:
        order.inferred()
    carrier, service = rng.choice(_SERVICES)
    for parcel in range(1, 3 if rng.random() < 0.1 else 2):
        _parcel(rng, order, parcel, carrier, service, pack)
    _aftercare(rng, order, pack + timedelta(days=4))
    return order


def _parcel(
    rng: random.Random, order: Order, parcel: int, carrier: str, service: str, packed: datetime
) -> None:
    order.label(packed + timedelta(minutes=3 + parcel), parcel, carrier=carrier, service=service)
    pickup = packed + timedelta(hours=rng.randrange(1, 30))
    order.scan("CARRIER_PICKUP", pickup, parcel, carrier=carrier)
    if rng.random() < 0.04:
        order.inferred()
    for kind, attributes in _EXCEPTIONS.items():
        if rng.random() < 0.04:
            order.scan(
                kind, pickup + timedelta(hours=rng.randrange(5, 60)), parcel, carrier=carrier, **attributes
            )
    if rng.random() < 0.03:
        order.scan("LOST", pickup + timedelta(days=3), parcel, carrier=carrier)
        return
    delivered = pickup + timedelta(hours=rng.randrange(14, 24 * 8))
    order.scan("DELIVERED", delivered, parcel, carrier=carrier)
    if rng.random() < 0.05:
        order.inferred()
    if rng.random() < 0.03:
        order.scan("DELIVERED", delivered + timedelta(hours=rng.randrange(1, 40)), parcel, carrier=carrier)


def _store_pickup(rng: random.Random, order_id: str, day: date) -> Order:
    store = rng.choice(_PICKUP_STORES)
    zone = ZoneInfo(facility(store).time_zone)
    received = datetime.combine(day, time(rng.randrange(8, 20), rng.randrange(60)), zone)
    order = Order(order_id, store).received(
        received, promised=received + timedelta(hours=rng.choice((4, 24))), ship_by=received + timedelta(hours=3),
        channel=rng.choice(("web", "mobile")), fulfillment="store_pickup", destination_zone=str(zone),
    )  # fmt: skip
    pick = received + timedelta(minutes=rng.randrange(10, 200))
    order.step("PICK_STARTED", pick).step("PACK_COMPLETED", pick + timedelta(minutes=rng.randrange(5, 40)))
    order.step("CUSTOMER_PICKED_UP", pick + timedelta(hours=rng.randrange(1, 48)))
    _aftercare(rng, order, pick + timedelta(days=2))
    return order


def _aftercare(rng: random.Random, order: Order, around: datetime) -> None:
    if rng.random() < 0.06:
        ticket = f"T-{order.order_id}"
        order.step(
            "SUPPORT_TICKET_OPENED", around, ticket_id=ticket, category="where_is_my_order", channel="chat"
        )
        if rng.random() < 0.3:  # the helpdesk sends the same ticket again with another event id
            order.step(
                "SUPPORT_TICKET_OPENED", around + timedelta(minutes=9), ticket_id=ticket, category="other",
                channel="email",
            )  # fmt: skip
    if rng.random() < 0.2:
        order.step(
            "SURVEY_RESPONDED", around + timedelta(hours=5), score=rng.choice((1, 2, 3, 4, 4, 5, 5, 5))
        )
