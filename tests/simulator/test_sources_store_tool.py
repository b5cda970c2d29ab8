"""The store allocation tool writes its own event names in the store's wall time, payloads in its own words."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
import pytest

from simulator.catalog import INVENTORY_SCHEMA, SKU_SCHEMA, WorldCatalog
from simulator.sources.store_tool import inventory_rows, render_events
from tests.simulator.sample_world import sample_truth
from tests.simulator.truth_rows import truth, truth_frame


@pytest.fixture(scope="module")
def events() -> list[dict]:
    return render_events(sample_truth()).to_dicts()


def _named(events: list[dict], order: str) -> dict[str, dict]:
    return {event["event_name"]: event for event in events if event["order_ref"] == order}


def test_only_store_records_become_store_events_with_the_tools_names(events: list[dict]) -> None:
    assert {event["store_id"] for event in events} == {"ST-022", "ST-001"}
    assert list(_named(events, "SO-00012347")) == [
        "order.created", "order.assigned", "pick.started", "pick.item", "pick.completed", "pack.completed",
        "label.created",
    ]  # fmt: skip


def test_event_time_is_store_local_without_offset(events: list[dict]) -> None:
    phoenix = _named(events, "SO-00012347")["order.created"]
    manhattan = _named(events, "SO-00012348")["order.created"]
    assert phoenix["event_time"] == datetime(2026, 10, 30, 13, 12, 5)  # MST, no DST in Phoenix
    assert manhattan["event_time"] == datetime(2026, 10, 30, 16, 12, 5)  # EDT


def test_payloads(events: list[dict]) -> None:
    ship = _named(events, "SO-00012347")
    created = json.loads(ship["order.created"]["payload"])
    assert created["fulfillment_type"] == "SHIP_FROM_STORE" and created["ship_to"]["postal_code"] == "85004"
    assert created["items"] == [{"line": 1, "sku": "WP-100001", "quantity": 1}]
    assert json.loads(ship["pick.item"]["payload"]) == {"line": 1, "sku": "WP-100001", "quantity": 1}
    assert json.loads(ship["pack.completed"]["payload"]) == {
        "package_id": "PKG-ST022-88120",
        "weight_oz": 12.3,
    }
    label = json.loads(ship["label.created"]["payload"])
    assert (label["carrier"], label["tracking_number"]) == ("usps", "9405511899223197428490")
    assert ship["pick.started"]["associate_id"] == "ST022-A07" and ship["pick.started"]["payload"] == "{}"


def test_pickup_orders_and_rejections(events: list[dict]) -> None:
    pickup = _named(events, "SO-00012348")
    created = json.loads(pickup["order.created"]["payload"])
    assert created["fulfillment_type"] == "PICKUP_IN_STORE" and created["ship_to"] is None
    assert json.loads(pickup["order.rejected"]["payload"]) == {
        "reason": "out_of_stock",
        "reassigned_to": "ST-002",
    }
    assert {"order.ready_for_pickup", "order.picked_up"} <= set(pickup)


def test_event_ids_are_stable_and_distinct(events: list[dict]) -> None:
    again = render_events(sample_truth())["event_id"].to_list()
    assert again == [event["event_id"] for event in events] and len(set(again)) == len(again)


def test_short_picks_and_cancellations() -> None:
    store = {"source_system": "store_tool", "facility_id": "ST-030", "order_id": "SO-1"}
    at = datetime(2026, 7, 1, 22, 0, tzinfo=UTC)
    rows = render_events(
        truth_frame(
            [
                truth("PICK_SHORT", at=at, line_no=2, sku="WP-1", qty=0, detail={"qty_short": 2}, **store),
                truth("ORDER_CANCELLED", seq=2, at=at, detail={"reason": "customer_request"}, **store),
            ]
        )
    ).to_dicts()
    assert json.loads(rows[0]["payload"]) == {
        "line": 2,
        "sku": "WP-1",
        "quantity_picked": 0,
        "quantity_short": 2,
    }
    assert rows[0]["event_time"] == datetime(2026, 7, 1, 12, 0)  # Honolulu, UTC-10
    assert json.loads(rows[1]["payload"]) == {"reason": "customer_request"}


def test_inventory_rows_are_the_stores_only() -> None:
    inventory = pl.DataFrame(
        {"facility_id": ["DC-RNO", "ST-001", "ST-030"], "sku": ["A", "A", "B"], "on_hand": [100, 4, 2]},
        schema=INVENTORY_SCHEMA,
    )
    catalog = WorldCatalog(seed=1, skus=pl.DataFrame(schema=SKU_SCHEMA), inventory=inventory)
    (rendered,) = inventory_rows(catalog)
    assert rendered.table == "store_tool.inventory"
    assert rendered.rows.to_dicts() == [
        {"store_id": "ST-001", "sku": "A", "on_hand": 4},
        {"store_id": "ST-030", "sku": "B", "on_hand": 2},
    ]
