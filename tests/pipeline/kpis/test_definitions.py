"""The KPI definitions on hand-computed orders: every expected figure below is worked out in the comment
beside it, from the definition's words (pipeline/kpis/definitions.py)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Connection, text

from pipeline.kpis.facts import daily_kpi_rows
from tests.pipeline.kpis.orders import CHICAGO, COLUMBUS, RENO, Order, load, local, totals

NOV = 2026, 11


def test_pick_to_pack_on_the_25_hour_day_uses_real_minutes_and_the_facility_local_date(
    conn: Connection,
) -> None:
    # 2026-11-01 at DC-RNO: 01:00–01:59 happens twice (PDT, then PST); the day runs 07:00Z to 08:00Z.
    a1 = Order("SO-KP000001").step("PICK_STARTED", local(RENO, *NOV, 1, 1, 10))  # 08:10Z
    a1.step("PACK_COMPLETED", local(RENO, *NOV, 1, 1, 30, fold=1))  # the second 01:30 (PST), 09:30Z: 80 min
    a2 = Order("SO-KP000002").step("PICK_STARTED", local(RENO, *NOV, 1, 0, 50))  # 07:50Z
    a2.step("PACK_COMPLETED", local(RENO, *NOV, 1, 1, 30))  # the first 01:30 (PDT), 08:30Z: 40 min
    a3 = Order("SO-KP000003").step("PICK_STARTED", local(RENO, *NOV, 1, 23, 0))  # 07:00Z on Nov 2
    a3.step("PACK_COMPLETED", local(RENO, *NOV, 1, 23, 30))  # still Nov 1 in Reno: 30 min
    a4 = Order("SO-KP000004").step("PICK_STARTED", local(RENO, 2026, 10, 31, 23, 40))  # 06:40Z on Nov 1
    a4.step("PACK_COMPLETED", local(RENO, 2026, 10, 31, 23, 50))  # Oct 31 in Reno: 10 min
    load(conn, a1, a2, a3, a4)

    rows = daily_kpi_rows(conn, date(2026, 10, 31), date(2026, 11, 2))

    assert totals(rows, "pick_to_pack_minutes", day=date(2026, 11, 1)) == (80 + 40 + 30, 3)  # 50 min
    assert totals(rows, "pick_to_pack_minutes", day=date(2026, 10, 31)) == (10, 1)
    assert totals(rows, "pick_to_pack_minutes", day=date(2026, 11, 2)) == (0, 0)


def test_a_night_shift_across_the_fall_back_night_holds_both_one_thirties(conn: Connection) -> None:
    # With a night shift every day, Saturday Oct 31's runs 23:00 PDT to 06:00 PST: eight real hours.
    night_every_day = [{"name": "night", "start": "23:00", "end": "06:00", "weekdays": [0, 1, 2, 3, 4, 5, 6]}]
    conn.execute(
        text("UPDATE facility SET shift_calendar = CAST(:calendar AS jsonb) WHERE facility_id = 'DC-RNO'"),
        {"calendar": json.dumps(night_every_day)},
    )
    orders = []
    for number, (pick, pack) in enumerate(
        [
            (local(RENO, 2026, 10, 31, 23, 40), local(RENO, 2026, 10, 31, 23, 50)),
            (local(RENO, *NOV, 1, 0, 50), local(RENO, *NOV, 1, 1, 30)),  # first 01:30
            (local(RENO, *NOV, 1, 1, 10), local(RENO, *NOV, 1, 1, 30, fold=1)),  # second 01:30
            (
                local(RENO, *NOV, 1, 5, 30),
                local(RENO, *NOV, 1, 5, 59),
            ),  # 13:59Z, the last minute of the shift
            (local(RENO, *NOV, 1, 23, 0), local(RENO, *NOV, 1, 23, 30)),  # Sunday's night shift
        ],
        start=1,
    ):
        orders.append(Order(f"SO-KP00010{number}").step("PICK_STARTED", pick).step("PACK_COMPLETED", pack))
    load(conn, *orders)

    rows = daily_kpi_rows(conn, date(2026, 10, 31), date(2026, 11, 1))

    assert totals(rows, "orders_packed_per_shift", day=date(2026, 10, 31), shift="night") == (4, 1)
    assert totals(rows, "orders_packed_per_shift", day=date(2026, 11, 1), shift="night") == (1, 1)


def test_a_night_shift_crossing_midnight_belongs_to_the_day_it_started(conn: Connection) -> None:
    # DC-RNO: day 06:00–14:30 and swing 14:30–23:00 every day, night 23:00–06:00 Monday to Friday.
    b1 = Order("SO-KP000201").step("PICK_STARTED", local(RENO, *NOV, 6, 1, 30))
    b1.step("PACK_COMPLETED", local(RENO, *NOV, 6, 2, 0))  # Friday 02:00: Thursday's night shift
    b2 = Order("SO-KP000202").step("PICK_STARTED", local(RENO, *NOV, 6, 6, 10))
    b2.step("PACK_COMPLETED", local(RENO, *NOV, 6, 6, 40))  # Friday's day shift
    b3 = Order("SO-KP000203").step("PICK_STARTED", local(RENO, *NOV, 6, 23, 10))
    b3.step("PACK_COMPLETED", local(RENO, *NOV, 6, 23, 30))  # Friday's night shift (07:30Z Saturday)
    b4 = Order("SO-KP000204").step("PICK_STARTED", local(RENO, *NOV, 7, 22, 50))  # Saturday swing: worked
    b4.step("PACK_COMPLETED", local(RENO, *NOV, 7, 23, 30))  # Saturday 23:30: no night shift, off-shift
    load(conn, b1, b2, b3, b4)

    rows = daily_kpi_rows(conn, date(2026, 11, 5), date(2026, 11, 7))

    assert totals(rows, "orders_packed_per_shift", day=date(2026, 11, 5), shift="night") == (1, 1)
    assert totals(rows, "orders_packed_per_shift", day=date(2026, 11, 6), shift="day") == (1, 1)
    assert totals(rows, "orders_packed_per_shift", day=date(2026, 11, 6), shift="night") == (1, 1)
    assert totals(rows, "orders_packed_per_shift", day=date(2026, 11, 7), shift="swing") == (0, 1)
    assert totals(rows, "orders_packed_per_shift") == (3, 4)  # 0.75 orders per shift worked


def test_split_shipments_one_late_count_the_order_once_and_each_parcel_for_the_sla(conn: Connection) -> None:
    # UPS Ground: 5 business days, cut-off 17:00. Picked up Monday Nov 9 10:00 in Reno: counting starts that
    # day; Wednesday Nov 11 is Veterans Day, so the deadline is Tuesday Nov 17 (10, 12, 13, 16, 17).
    promised = local(CHICAGO, *NOV, 16, 23, 59)
    d1 = Order("SO-KP000301").received(
        local(RENO, *NOV, 8, 9), promised=promised, ship_by=local(RENO, *NOV, 9, 12)
    )
    d1.label(local(RENO, *NOV, 9, 8), 1).label(local(RENO, *NOV, 9, 8, 5), 2)
    d1.scan("CARRIER_PICKUP", local(RENO, *NOV, 9, 10), 1).scan("CARRIER_PICKUP", local(RENO, *NOV, 9, 10), 2)
    d1.scan("DELIVERED", local(CHICAGO, *NOV, 13, 15), 1)  # within; the order's first delivery, on time
    d1.scan("DELIVERED", local(CHICAGO, *NOV, 18, 12), 2)  # a day past the deadline
    d2 = Order("SO-KP000302").received(
        local(RENO, *NOV, 8, 9), promised=promised, ship_by=local(RENO, *NOV, 9, 12)
    )
    d2.label(local(RENO, *NOV, 9, 8)).scan("CARRIER_PICKUP", local(RENO, *NOV, 9, 10))
    d2.scan("DELIVERED", local(CHICAGO, *NOV, 17, 16))  # within only because of the holiday; past the promise
    load(conn, d1, d2)

    rows = daily_kpi_rows(conn, date(2026, 11, 9), date(2026, 11, 18))

    assert totals(rows, "carrier_sla_adherence") == (2, 3)
    assert totals(rows, "carrier_sla_adherence", day=date(2026, 11, 18)) == (0, 1)
    assert totals(rows, "on_time_delivery") == (1, 2)
    assert totals(rows, "on_time_delivery", day=date(2026, 11, 13)) == (1, 1)
    assert totals(rows, "on_time_shipment") == (2, 2)  # one pickup per order counts, both before ship-by


def test_a_pickup_after_the_cut_off_counts_from_the_next_business_day(conn: Connection) -> None:
    # Friday Nov 13 in Reno. 17:30 is after UPS Ground's 17:00 cut-off: counting starts Monday Nov 16, the
    # deadline is Monday Nov 23. 16:30 is before it: counting starts Friday, the deadline is Friday Nov 20.
    promised, ship_by = local(CHICAGO, *NOV, 25, 23, 59), local(RENO, *NOV, 13, 18)
    late_pickup = Order("SO-KP000401").received(local(RENO, *NOV, 12, 9), promised=promised, ship_by=ship_by)
    late_pickup.label(local(RENO, *NOV, 13, 9)).scan("CARRIER_PICKUP", local(RENO, *NOV, 13, 17, 30))
    late_pickup.scan("DELIVERED", local(CHICAGO, *NOV, 23, 14))
    early_pickup = Order("SO-KP000402").received(local(RENO, *NOV, 12, 9), promised=promised, ship_by=ship_by)
    early_pickup.label(local(RENO, *NOV, 13, 9)).scan("CARRIER_PICKUP", local(RENO, *NOV, 13, 16, 30))
    early_pickup.scan("DELIVERED", local(CHICAGO, *NOV, 23, 14))
    load(conn, late_pickup, early_pickup)

    rows = daily_kpi_rows(conn, date(2026, 11, 13), date(2026, 11, 23))

    assert totals(rows, "carrier_sla_adherence") == (1, 2)
    # Both pickups are Friday in Reno, though 01:30Z and 00:30Z Saturday.
    assert totals(rows, "on_time_shipment", day=date(2026, 11, 13)) == (2, 2)


def test_store_pickups_and_deliveries_count_on_the_destinations_date(conn: Connection) -> None:
    promise = local(COLUMBUS, *NOV, 10, 23, 59)
    on_time = Order("SO-KP000501", "ST-001").received(
        local(COLUMBUS, *NOV, 9, 10), promised=promise, ship_by=promise, channel="mobile",
        fulfillment="store_pickup", destination_zone="America/New_York",
    )  # fmt: skip
    on_time.step("CUSTOMER_PICKED_UP", local(COLUMBUS, *NOV, 10, 20))  # 01:00Z Nov 11, Nov 10 in Columbus
    late = Order("SO-KP000502", "ST-001").received(
        local(COLUMBUS, *NOV, 9, 10), promised=promise, ship_by=promise, channel="mobile",
        fulfillment="store_pickup", destination_zone="America/New_York",
    )  # fmt: skip
    late.step("CUSTOMER_PICKED_UP", local(COLUMBUS, *NOV, 12, 9))
    to_los_angeles = Order("SO-KP000503", "DC-CMH").received(
        local(COLUMBUS, *NOV, 5, 10), promised=local(RENO, *NOV, 9, 23, 59), ship_by=local(COLUMBUS, *NOV, 6, 17),
        destination_zone="America/Los_Angeles",
    )  # fmt: skip
    to_los_angeles.scan(
        "DELIVERED", datetime(2026, 11, 10, 5, 0, tzinfo=UTC)
    )  # 21:00 on Nov 9 in Los Angeles
    load(conn, on_time, late, to_los_angeles)

    rows = daily_kpi_rows(conn, date(2026, 11, 9), date(2026, 11, 12))

    assert totals(rows, "on_time_delivery", day=date(2026, 11, 10)) == (1, 1)
    assert totals(rows, "on_time_delivery", day=date(2026, 11, 12)) == (0, 1)
    assert totals(rows, "on_time_delivery", day=date(2026, 11, 9), facility_id="DC-CMH") == (1, 1)
    store = rows.filter(rows["facility_id"] == "ST-001")
    assert set(store["carrier_id"]) == {""} and set(store["channel"]) == {"mobile"}


def test_duplicates_never_count_twice_and_the_first_of_each_counts(conn: Connection) -> None:
    promise = local(CHICAGO, *NOV, 12, 23, 59)
    order = Order("SO-KP000601").received(
        local(RENO, *NOV, 8, 9), promised=promise, ship_by=local(RENO, *NOV, 9, 17)
    )
    order.step("PICK_STARTED", local(RENO, *NOV, 9, 9)).step("PACK_COMPLETED", local(RENO, *NOV, 9, 9, 30))
    order.step("PACK_COMPLETED", local(RENO, *NOV, 9, 10))  # re-packed: the last pack counts, 60 min
    order.label(local(RENO, *NOV, 9, 10, 5)).scan("CARRIER_PICKUP", local(RENO, *NOV, 9, 15))
    order.scan("DELIVERED", local(CHICAGO, *NOV, 10, 15))  # the first delivery: on time
    order.scan("DELIVERED", local(CHICAGO, *NOV, 13, 15))  # a second DELIVERED scan, after the promise
    resent = {
        **order.events[-1],
        "event_id": "resent-delivery",
        "attributes": {**order.events[-1]["attributes"], "description": "Delivered!"},
    }
    assert load(conn, order) == len(order.events)
    assert load(conn, order, [resent]) == 0  # the same events again, and a scan resent under a new id

    rows = daily_kpi_rows(conn, date(2026, 11, 9), date(2026, 11, 13))

    assert totals(rows, "on_time_delivery") == (1, 1)
    assert totals(rows, "on_time_delivery", day=date(2026, 11, 10)) == (1, 1)
    assert totals(rows, "pick_to_pack_minutes") == (60, 1)
    assert totals(rows, "orders_packed_per_shift", day=date(2026, 11, 9), shift="day") == (1, 1)


def test_a_late_event_counts_on_the_day_it_occurred(conn: Connection) -> None:
    order = Order("SO-KP000701").received(
        local(RENO, *NOV, 8, 9), promised=local(CHICAGO, *NOV, 12, 23, 59), ship_by=local(RENO, *NOV, 9, 17)
    )
    order.label(local(RENO, *NOV, 9, 10)).scan("CARRIER_PICKUP", local(RENO, *NOV, 9, 15))
    load(conn, order)
    late = Order("SO-KP000701").scan("DELIVERED", local(CHICAGO, *NOV, 11, 15))
    load(conn, late, received_at=datetime(2026, 11, 20, tzinfo=UTC))  # arrived nine days later

    rows = daily_kpi_rows(conn, date(2026, 11, 9), date(2026, 11, 20))

    assert totals(rows, "on_time_delivery", day=date(2026, 11, 11)) == (1, 1)
    assert totals(rows, "carrier_sla_adherence", day=date(2026, 11, 11)) == (1, 1)


@pytest.fixture
def monday_at_columbus(conn: Connection) -> Connection:
    """Four DC-CMH orders picked up Monday Nov 16 at 15:00 (ship-by 16:00, G4's 14:00), with exceptions,
    tickets and surveys the same day; G4's pickup scan is inferred."""
    ship_by = local(COLUMBUS, *NOV, 16, 16)
    g = [Order(f"SO-KP00080{n}", "DC-CMH") for n in range(1, 5)]
    for order in g:
        order.received(
            local(COLUMBUS, *NOV, 15, 9), promised=local(CHICAGO, *NOV, 20, 23, 59),
            ship_by=ship_by if order is not g[3] else local(COLUMBUS, *NOV, 16, 14), channel="web",
        )  # fmt: skip
        order.label(local(COLUMBUS, *NOV, 16, 11), carrier="fedex", service="FEDEX_GROUND")
        order.scan("CARRIER_PICKUP", local(COLUMBUS, *NOV, 16, 15), carrier="fedex")
    g[3].inferred()
    g[0].step("PICK_SHORT", local(COLUMBUS, *NOV, 16, 8), sku="SKU-000087", qty=0, qty_short=1)
    g[0].step("PICK_SHORT", local(COLUMBUS, *NOV, 16, 9), sku="SKU-000087", qty=0, qty_short=1)  # same pair
    g[0].scan(
        "DELIVERY_DELAYED", local(COLUMBUS, *NOV, 16, 22), carrier="fedex", reason="weather"
    )  # 03:00Z Nov 17
    g[1].scan("DELIVERY_ATTEMPTED", local(COLUMBUS, *NOV, 16, 18), carrier="fedex", reason="no_access")
    g[1].scan("DELIVERY_ATTEMPTED", local(COLUMBUS, *NOV, 16, 19), carrier="fedex", reason="no_access")
    g[2].step(
        "SUPPORT_TICKET_OPENED",
        local(COLUMBUS, *NOV, 16, 12),
        ticket_id="T-1",
        category="other",
        channel="chat",
    )
    g[2].step(
        "SUPPORT_TICKET_OPENED",
        local(COLUMBUS, *NOV, 16, 12, 5),
        ticket_id="T-1",
        category="other",
        channel="email",
    )
    g[3].step(
        "SUPPORT_TICKET_OPENED",
        local(COLUMBUS, *NOV, 16, 13),
        ticket_id="T-2",
        category="other",
        channel="chat",
    )
    for order, score in zip(g, (5, 4, 2), strict=False):
        order.step(
            "SURVEY_RESPONDED", local(COLUMBUS, *NOV, 16, 20), score=score, survey_id=f"S-{order.order_id}"
        )
    load(conn, *g)
    return conn


def test_rates_per_1000_orders_picked_up_shipment_on_time_and_csat(monday_at_columbus: Connection) -> None:
    rows = daily_kpi_rows(monday_at_columbus, date(2026, 11, 16), date(2026, 11, 16))

    # (G1, PICK_SHORT), (G1, DELIVERY_DELAYED), (G2, DELIVERY_ATTEMPTED) per 4 orders picked up: 750 per 1,000.
    assert totals(rows, "exception_rate", facility_id="DC-CMH") == (3, 4)
    assert totals(rows, "support_tickets_per_1000") == (2, 4)  # T-1 (sent twice) and T-2: 500 per 1,000
    assert totals(rows, "on_time_shipment") == (3, 4)
    assert totals(rows, "csat_score") == (5 + 4 + 2, 3)  # 3.67
    assert totals(rows, "csat_top2_pct") == (2, 3)  # 66.7%
    assert set(rows.filter(rows["kpi"] == "on_time_shipment")["carrier_id"]) == {"fedex"}
    assert rows.filter(rows["kpi"] == "on_time_shipment")["inferred_events"].sum() == 1


def test_inferred_events_can_be_left_out(monday_at_columbus: Connection) -> None:
    rows = daily_kpi_rows(monday_at_columbus, date(2026, 11, 16), date(2026, 11, 16), include_inferred=False)

    assert totals(rows, "on_time_shipment") == (3, 3)  # G4's inferred pickup is not an observed pickup
    assert totals(rows, "exception_rate") == (3, 3)
    assert rows["inferred_events"].sum() == 0
