"""The page-load benchmark on a tiny world: every page and search kind is timed on real reads."""

from __future__ import annotations

from benchmarks.page_loads import (
    PAGE_GOAL_MS,
    SEARCH_GOAL_MS,
    Timing,
    dispose_app_pools,
    page_timings,
    prepare_world,
    typed_queries,
)
from dashboard.order_search import parse_query


def test_percentiles_are_nearest_rank_and_the_verdict_follows_the_goal() -> None:
    timing = Timing("page", [float(n) for n in range(1, 101)], goal_ms=95.0)

    assert (timing.percentile(0.5), timing.percentile(0.95), timing.percentile(1.0)) == (50.0, 95.0, 100.0)
    assert timing.line().endswith("PASS")
    assert Timing("page", [10.0] * 94 + [96.0] * 6, goal_ms=95.0).line().endswith("FAIL")


def test_typed_queries_are_what_an_agent_types_and_parse_back_to_the_stored_keys() -> None:
    order = {
        "order_id": "SO-0001230004",
        "tracking_number": "1Z999AA10000000001",
        "customer_email": "ann.lee@example.com",
        "customer_phone": "+1 312-555-0101",
    }
    typed = typed_queries(order)

    assert typed["order id"] == "so-0001230004" and " " in typed["tracking number"]
    assert "SO-0001230004" in parse_query(typed["order id"]).order_ids
    assert "1Z999AA10000000001" in parse_query(typed["tracking number"]).tracking_numbers
    assert parse_query(typed["email"]).email == "ann.lee@example.com"
    assert "13125550101" in parse_query(typed["phone"]).phone_digits


def test_every_page_and_search_kind_is_timed_on_a_small_world(fresh_database_url, fresh_engine) -> None:
    prepare_world(fresh_database_url, fresh_engine, days=0.5, orders_per_month=30_000)
    try:
        timings = page_timings(fresh_database_url, fresh_engine, repeats=3)
    finally:
        dispose_app_pools(fresh_database_url)

    labels = [timing.label for timing in timings]
    assert {
        "live flow DC-RNO",
        "live flow DC-CMH",
        "exception queue (default view)",
        "admin (users, kiosk links)",
    } <= set(labels)
    assert any(label.startswith("KPI trends") for label in labels)
    assert any(label.startswith("source activity") for label in labels)
    assert [label for label in labels if label.startswith("order search")] == [
        "order search by order id",
        "order search by tracking number",
        "order search by email",
        "order search by phone",
    ]
    assert all(len(timing.samples_ms) == 3 and min(timing.samples_ms) > 0 for timing in timings)
    assert {timing.goal_ms for timing in timings if timing.label.startswith("order search")} == {
        SEARCH_GOAL_MS
    }
    assert {timing.goal_ms for timing in timings if not timing.label.startswith("order search")} == {
        PAGE_GOAL_MS
    }
