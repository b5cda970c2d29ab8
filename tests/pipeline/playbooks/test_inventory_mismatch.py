"""The inventory-mismatch playbook: a short pick is recovered by re-allocating the short lines to a
facility with stock or by splitting the shipment — the option that keeps the promise at the lowest added
cost — through the action service; when it cannot, a person gets the reason and the next step first."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import Connection, Engine, text

from pipeline.actions import Actor, actions_for, perform
from pipeline.exceptions.detector import detect_exceptions, detect_once
from pipeline.notify.dispatch import SendPolicy, send_due
from pipeline.playbooks.policy import POLICY_FILE, load_policy, parse_policy
from pipeline.playbooks.runner import run_one, run_playbooks
from pipeline.sources.inventory_feed import sync_inventory
from pipeline.sources.source_http import RetryPolicy
from simulator.sources.wms_reference import REFERENCE_DDL
from tests.canonical_factory import canonical_event
from tests.pipeline.exceptions.streams import exceptions_of, load, order_until, pick_short
from tests.pipeline.notify.servers import free_port, smtp_server
from tests.pipeline.playbooks.world import (
    DETECTED,
    PLACED,
    audit_notes,
    audit_trail,
    emitted,
    settings,
    smtp_settings,
    stock,
    who_caused,
)
from tests.pipeline.sources.wms_database import wms_engine_for

RUN = DETECTED + timedelta(minutes=30)  # Monday 19:35 UTC, after the policy's 20 minutes for the floor
SUPERVISOR = Actor.person("supervisor", "supervisor")
AGENT = Actor.person("support_agent", "support_agent")


def short_picked(conn: Connection, order_id: str, **order) -> dict:
    load(
        conn,
        [
            *order_until(order_id, PLACED, "ITEM_PICKED", **order),
            pick_short(order_id, PLACED + timedelta(minutes=58)),
        ],
    )
    detect_once(conn, now=DETECTED)
    (exception,) = exceptions_of(conn, order_id)
    return exception


def run(conn: Connection, exception: dict, policy=None, **changes):
    return run_one(
        conn, exception["exception_id"], now=RUN, settings=settings(**changes), policy=policy or load_policy()
    )


def test_the_short_line_moves_to_the_facility_with_stock_by_the_cheapest_service_on_time(
    fresh_engine: Engine,
) -> None:
    engine = fresh_engine
    with engine.begin() as conn:
        stock(conn, "DC-CMH", "SKU-000087", 10)
        load(
            conn,
            [
                *order_until("SO-51000001", PLACED, "ITEM_PICKED"),
                pick_short("SO-51000001", PLACED + timedelta(minutes=58)),
            ],
        )
    detect_exceptions(engine, now=DETECTED)
    report = run_playbooks(engine, now=RUN, settings=settings())

    (exception,) = exceptions_of(engine, "SO-51000001")
    assert report.acted == 1 and report.outcomes[0].exception_id == exception["exception_id"]
    # Reno restocks in 72 h; Columbus ships tomorrow: Priority Mail (3 days) keeps Friday's promise for
    # $2.50 + $11.80, where Ground (5 days) would be late and only Next Day Air would save a split.
    assert emitted(engine, "SO-51000001") == [
        (
            "ORDER_REALLOCATED",
            {
                "from_facility": "DC-RNO",
                "to_facility": "DC-CMH",
                "reason": "no_stock",
                "lines": [{"sku": "SKU-000087", "qty": 1, "line_no": 2}],
            },
        )
    ]
    assert exception["state"] == "resolved" and exception["resolved_by"] == "automation:inventory_mismatch"
    assert audit_trail(engine, exception["exception_id"]) == [("automation:inventory_mismatch", "reallocate")]
    assert who_caused(engine, "SO-51000001") == [
        ("ORDER_REALLOCATED", "automation:inventory_mismatch", "automation", "reallocate")
    ]
    (note,) = audit_notes(engine, exception["exception_id"])
    assert "USPS Priority Mail, arrives Friday, November 20, $14.30 added" in note


def test_a_bin_refilled_from_reserve_splits_the_shipment_when_that_is_cheaper(conn: Connection) -> None:
    stock(conn, "DC-RNO", "SKU-000087", 5)  # the WMS has reserve stock: only the bin was short
    stock(conn, "DC-CMH", "SKU-000087", 10)
    exception = short_picked(conn, "SO-51000002")

    outcome = run(conn, exception)

    assert outcome.outcome == "acted"
    ((event_type, attributes),) = emitted(conn, "SO-51000002")
    assert event_type == "ORDER_SPLIT"
    assert attributes["shipments"] == [
        {"shipment_id": "SO-51000002-1", "lines": [
            {"line_no": 1, "sku": "SKU-004512", "uom": "EA", "qty": 1},
            {"line_no": 2, "sku": "SKU-000087", "uom": "EA", "qty": 1},
        ]},
        {"shipment_id": "SO-51000002-2", "lines": [{"line_no": 2, "sku": "SKU-000087", "uom": "EA", "qty": 1}]},
    ]  # fmt: skip
    assert (
        "split: DC-RNO ships the rest when restocked, USPS Priority Mail"
        in audit_notes(conn, exception["exception_id"])[0]
    )


def test_when_no_option_keeps_the_promise_a_person_is_offered_the_message_to_send_first(
    conn: Connection,
) -> None:
    exception = short_picked(conn, "SO-51000003", promise=timedelta(days=2))  # promised Wednesday

    outcome = run(conn, exception)

    (after,) = exceptions_of(conn, "SO-51000003")
    assert outcome.outcome == "escalated" and after["state"] == "escalated"
    assert after["escalation_reason"].startswith(
        "No way to ship 1 × SKU-000087 keeps the promise of Wednesday, November 18; the earliest is to split:"
        " DC-RNO ships the rest when restocked, UPS Next Day Air, arrives Friday, November 20"
    )
    assert (
        'Suggested message: "One of the items in your order SO-51000003 is taking a little longer'
        in after["escalation_reason"]
    )
    assert (after["suggested_action"], after["suggested_params"]) == (
        "notify_customer",
        {"message_type": "item_delayed"},
    )
    assert actions_for(after, "support_agent")[0] == "notify_customer"
    assert audit_trail(conn, exception["exception_id"]) == [("automation:inventory_mismatch", "escalate")]
    assert emitted(conn, "SO-51000003") == []


def test_with_no_stock_anywhere_and_nothing_picked_a_person_tells_the_customer(conn: Connection) -> None:
    shorts = [
        canonical_event("PICK_SHORT", "SO-51000004", PLACED + timedelta(minutes=58), attributes={
            "sku": sku, "qty": 0, "qty_short": qty, "line_no": line_no, "reason": "no_stock"})
        for line_no, sku, qty in ((1, "SKU-004512", 1), (2, "SKU-000087", 2))
    ]  # fmt: skip
    load(conn, [*order_until("SO-51000004", PLACED, "PICK_STARTED"), *shorts])
    detect_once(conn, now=DETECTED)
    (exception,) = exceptions_of(conn, "SO-51000004")

    outcome = run(conn, exception)

    (after,) = exceptions_of(conn, "SO-51000004")
    assert outcome.outcome == "escalated"
    assert after["escalation_reason"].startswith(
        "No other facility has 1 × SKU-004512, 2 × SKU-000087 on hand, and nothing of the order was picked to ship now."
    )
    assert after["suggested_action"] == "notify_customer"


def test_an_option_above_the_spending_limit_is_offered_to_a_person_who_takes_it_in_one_click(
    conn: Connection,
) -> None:
    stock(conn, "DC-CMH", "SKU-000087", 10)
    document = json.loads(POLICY_FILE.read_text())
    document["inventory"]["max_added_cost"] = 10.0
    exception = short_picked(conn, "SO-51000005")

    run(conn, exception, policy=parse_policy(document))

    (after,) = exceptions_of(conn, "SO-51000005")
    assert after["state"] == "escalated"
    assert (
        "costs at least $14.30" in after["escalation_reason"]
        and "above the $10.00" in after["escalation_reason"]
    )
    assert (
        after["suggested_label"]
        == "Re-allocate to DC-CMH, USPS Priority Mail, arrives Friday, November 20, $14.30 added"
    )
    assert actions_for(after, "supervisor")[0] == "reallocate"

    result = perform(
        conn,
        SUPERVISOR,
        after["suggested_action"],
        after["exception_id"],
        now=RUN,
        **after["suggested_params"],
    )

    assert result.after["state"] == "resolved"
    assert emitted(conn, "SO-51000005")[0][1]["to_facility"] == "DC-CMH"


def test_policy_leaves_store_pickup_orders_to_a_person(conn: Connection) -> None:
    stock(conn, "DC-CMH", "SKU-000087", 10)
    events = order_until("SO-51000006", PLACED, "ITEM_PICKED", facility_id="ST-004")
    events[0]["attributes"]["fulfillment"] = "store_pickup"
    load(conn, [*events, pick_short("SO-51000006", PLACED + timedelta(minutes=58))])
    detect_once(conn, now=DETECTED)
    (exception,) = exceptions_of(conn, "SO-51000006")

    run(conn, exception)

    (after,) = exceptions_of(conn, "SO-51000006")
    assert (
        after["escalation_reason"]
        == "Policy: store pickup orders are not re-allocated or split by automation."
    )
    assert (after["suggested_action"], after["suggested_params"]) == ("reallocate", {"to_facility": "DC-CMH"})


def test_with_no_way_to_reach_the_customer_the_earliest_option_is_suggested_instead(conn: Connection) -> None:
    exception = short_picked(conn, "SO-51000007", promise=timedelta(days=2), email=None, phone=None)

    run(conn, exception)

    (after,) = exceptions_of(conn, "SO-51000007")
    assert after["suggested_action"] == "split_shipment"
    assert after["suggested_label"].startswith(
        "Split: DC-RNO ships the rest when restocked, UPS Next Day Air"
    )


def test_escalated_then_the_person_sends_the_suggested_message_and_the_customer_receives_it(
    fresh_engine: Engine,
) -> None:
    with fresh_engine.begin() as conn:
        load(conn, [
            *order_until("SO-51000008", PLACED, "ITEM_PICKED", promise=timedelta(days=2)),
            pick_short("SO-51000008", PLACED + timedelta(minutes=58)),
        ])  # fmt: skip
    detect_exceptions(fresh_engine, now=DETECTED)
    with smtp_server() as (inbox, port):
        mail = smtp_settings(port)
        assert run_playbooks(fresh_engine, now=RUN, settings=mail).escalated == 1
        (escalated,) = exceptions_of(fresh_engine, "SO-51000008")
        with fresh_engine.begin() as conn:
            perform(
                conn, AGENT, escalated["suggested_action"], escalated["exception_id"], now=RUN,
                settings=mail, **escalated["suggested_params"],
            )  # fmt: skip
        send_due(fresh_engine, RUN, settings=mail, policy=SendPolicy(attempts=1))

    ((recipients, email),) = inbox.received
    assert recipients == ["ann.lee@example.com"]
    assert email["Subject"] == "An item in your order SO-51000008 is taking longer"
    assert audit_trail(fresh_engine, escalated["exception_id"]) == [
        ("automation:inventory_mismatch", "escalate"),
        ("support_agent", "notify_customer"),
    ]


def wms_holds(main_url: str, facility_id: str, on_hand: dict[str, int]) -> None:
    """The simulator's WMS database of a DC, holding `on_hand` units per SKU."""
    wms = wms_engine_for(main_url, facility_id)
    try:
        with wms.begin() as conn:
            conn.execute(text(REFERENCE_DDL))
            for sku, units in on_hand.items():
                conn.execute(
                    text(
                        "INSERT INTO wms.sku_master (sku, description, unit_weight, weight_uom, unit_length,"
                        " unit_width, unit_height, dim_uom) VALUES (:sku, 'Test item', 1, 'lb', 1, 1, 1, 'in')"
                    ),
                    {"sku": sku},
                )
                conn.execute(
                    text("INSERT INTO wms.inventory (sku, on_hand) VALUES (:sku, :units)"),
                    {"sku": sku, "units": units},
                )
    finally:
        wms.dispose()


def test_the_stock_the_wms_reports_through_the_inventory_sync_is_where_the_short_line_goes(
    fresh_engine: Engine, fresh_database_url: str
) -> None:
    wms_holds(fresh_database_url, "DC-RNO", {"SKU-004512": 40, "SKU-000087": 0})
    wms_holds(fresh_database_url, "DC-CMH", {"SKU-004512": 12, "SKU-000087": 6})
    stores_down = settings(store_api_base_url=f"http://127.0.0.1:{free_port()}")
    synced = sync_inventory(
        fresh_engine,
        stores_down,
        database_url=fresh_database_url,
        retry=RetryPolicy(attempts=1, initial_seconds=0.01, max_seconds=0.01),
    )
    with fresh_engine.begin() as conn:
        load(conn, [
            *order_until("SO-51000009", PLACED, "ITEM_PICKED"),
            pick_short("SO-51000009", PLACED + timedelta(minutes=58)),
        ])  # fmt: skip
    detect_exceptions(fresh_engine, now=DETECTED)

    report = run_playbooks(fresh_engine, now=RUN, settings=settings())

    assert synced.rows == {"DC-RNO": 2, "DC-CMH": 2} and len(synced.failed) == 30  # the stores' API is down
    assert report.acted == 1
    ((event_type, attributes),) = emitted(fresh_engine, "SO-51000009")
    assert (event_type, attributes["from_facility"], attributes["to_facility"]) == (
        "ORDER_REALLOCATED",
        "DC-RNO",
        "DC-CMH",
    )


def test_the_last_unit_is_re_allocated_once_until_the_wms_reports_again(conn: Connection) -> None:
    stock(conn, "DC-CMH", "SKU-000087", 1)
    conn.execute(text("UPDATE facility_inventory SET updated_at = :at"), {"at": PLACED})  # synced before
    first, second = short_picked(conn, "SO-51000010"), short_picked(conn, "SO-51000011")

    run(conn, first)
    run(conn, second)

    assert emitted(conn, "SO-51000010")[0][1]["to_facility"] == "DC-CMH"
    assert [kind for kind, _ in emitted(conn, "SO-51000011")] == ["ORDER_SPLIT"]  # DC-CMH's unit is taken
    conn.execute(
        text("UPDATE facility_inventory SET on_hand = 4, updated_at = :at"),
        {"at": RUN + timedelta(minutes=5)},
    )  # the next sync: the WMS has had a delivery
    third = short_picked(conn, "SO-51000012")
    run(conn, third)
    assert emitted(conn, "SO-51000012")[0][1]["to_facility"] == "DC-CMH"
