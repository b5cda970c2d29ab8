"""The Exception queue's reads, without Streamlit: the order of urgency, counts, filters, "new since"."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from dashboard.queries.exception_queue import (
    QueueFilters,
    count_new_since,
    load_exception,
    load_exception_queue,
    load_reallocation_choice,
)
from tests.pages.exception_queue_world import ADDRESS, DELAYED, LOST, PLACED, SHORT, build_queue


def test_most_urgent_first_with_counts_per_root_cause_and_filters(fresh_engine: Engine) -> None:
    build_queue(fresh_engine)

    everything = load_exception_queue(fresh_engine, QueueFilters())
    at_cmh = load_exception_queue(fresh_engine, QueueFilters(facility_id="DC-CMH"))
    by_ups = load_exception_queue(
        fresh_engine, QueueFilters(carrier_id="ups", exception_type="ADDRESS_ISSUE")
    )

    # critical first; then high with the promise at risk ahead; then by age
    assert everything.rows["order_id"].to_list() == [LOST, SHORT, ADDRESS, DELAYED]
    assert dict(everything.counts.select("root_cause", "exceptions").iter_rows()) == {
        "inventory_mismatch": 1,
        "lost": 1,
        "address_issue": 1,
        "carrier_delay": 1,
    }
    assert at_cmh.rows["order_id"].to_list() == [LOST]
    assert by_ups.rows["order_id"].to_list() == [ADDRESS]
    assert load_exception_queue(fresh_engine, QueueFilters(), limit=2).rows.height == 2


def test_new_since_counts_what_was_opened_after_a_moment(fresh_engine: Engine) -> None:
    build_queue(fresh_engine)
    opened = PLACED + timedelta(hours=12, minutes=30)

    assert count_new_since(fresh_engine, opened - timedelta(seconds=1), QueueFilters()) == 4
    assert count_new_since(fresh_engine, opened, QueueFilters()) == 0


def test_one_exception_and_its_reallocation_choice(fresh_engine: Engine) -> None:
    ids = build_queue(fresh_engine)
    exception = load_exception(fresh_engine, ids[SHORT])

    assert exception is not None and exception["order_id"] == SHORT
    assert load_exception(fresh_engine, 999_999) is None
    assert load_reallocation_choice(fresh_engine, exception) is None
