"""Order search: whatever a customer reads out finds the order, through the indexes made for it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, text

from dashboard.order_search import SEARCH_SQL, find_orders, parse_query, phone_candidates, search_orders
from pipeline.load import load_events
from tests.canonical_factory import canonical_event, shipped_order, staged

PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)


def received(order_id: str, at: datetime, *, email: str | None, phone: str | None) -> dict:
    event = canonical_event("ORDER_RECEIVED", order_id, at)
    customer = {key: value for key, value in (("email", email), ("phone", phone)) if value}
    event["attributes"] = copy.deepcopy(event["attributes"])
    if customer:
        event["attributes"]["customer"] = customer
    else:
        event["attributes"].pop("customer")
    return event


def with_customer(events: list[dict], email: str, phone: str) -> list[dict]:
    first = received(events[0]["order_id"], PLACED, email=email, phone=phone)
    return [{**events[0], "attributes": first["attributes"]}, *events[1:]]


@pytest.fixture
def orders(conn: Connection) -> Connection:
    """Two orders of one customer (one shipped with a UPS label), one of another, one without contact data."""
    load_events(
        conn,
        staged(
            [
                *with_customer(
                    shipped_order("SO-0001230001", PLACED, tracking_number="1Z999AA10000000077"),
                    "Ann.Lee@Example.com",
                    "+1 (312) 555-0101",
                ),
                received(
                    "SO-0001230002", PLACED + timedelta(days=2), email="ann.lee@example.com", phone=None
                ),
                received("SO-0001230003", PLACED, email="bo.chan@example.org", phone="+44 20 7946 0958"),
                received("SO-0001230004", PLACED, email=None, phone=None),
            ]
        ),
    )
    return conn


def ids(conn: Connection, typed: str) -> list[str]:
    return [hit.order_id for hit in find_orders(conn, parse_query(typed))]


def test_an_order_id_is_found_whatever_its_case_and_spacing(orders: Connection):
    assert ids(orders, "SO-0001230001") == ["SO-0001230001"]
    assert ids(orders, "  so-0001230004 ") == ["SO-0001230004"]
    assert ids(orders, "0001230003") == ["SO-0001230003"]
    assert ids(orders, "so0001230003") == ["SO-0001230003"]


def test_a_tracking_number_read_out_in_groups_finds_its_order(orders: Connection):
    (hit,) = find_orders(orders, parse_query("1z999 aa1 0000 0000 77"))

    assert (hit.order_id, hit.matched_on, hit.matched_on_label) == (
        "SO-0001230001",
        "tracking_number",
        "tracking number",
    )
    assert hit.stage == "delivered"


def test_an_email_finds_every_order_of_the_customer_newest_first(orders: Connection):
    assert ids(orders, " ANN.LEE@example.COM ") == ["SO-0001230002", "SO-0001230001"]
    assert {hit.matched_on for hit in find_orders(orders, parse_query("ann.lee@example.com"))} == {"email"}


def test_a_phone_is_found_with_or_without_country_code_and_punctuation(orders: Connection):
    for typed in ("+1 312 555 0101", "(312) 555-0101", "312.555.0101", "13125550101"):
        assert ids(orders, typed) == ["SO-0001230001"], typed
    assert ids(orders, "+44 20 7946 0958") == ["SO-0001230003"]


def test_a_hit_carries_what_the_results_list_shows(orders: Connection):
    (hit,) = find_orders(orders, parse_query("SO-0001230001"))

    assert hit.matched_on == "order_id"
    assert hit.customer_email == "Ann.Lee@Example.com"
    assert hit.customer_phone == "+1 (312) 555-0101"
    assert hit.placed_at == PLACED
    assert hit.facility_id == "DC-RNO"
    assert hit.destination_time_zone == "America/Chicago"


def test_nothing_matches_an_unknown_or_empty_query(orders: Connection):
    assert ids(orders, "SO-9999999999") == []
    assert ids(orders, "nobody@example.com") == []
    assert ids(orders, "   ") == []
    assert parse_query("  ").is_empty


def test_an_exact_order_id_comes_before_other_kinds_of_match(orders: Connection):
    load_events(
        orders,
        staged(
            [
                received("SO-0001230009", PLACED + timedelta(days=5), email=None, phone=None),
                canonical_event(
                    "LABEL_PRINTED",
                    "SO-0001230008",
                    PLACED + timedelta(days=6),
                    shipment_id="SO-0001230008-1",
                    tracking_number="SO-0001230009",
                ),
            ]
        ),
    )

    assert ids(orders, "SO-0001230009") == ["SO-0001230009", "SO-0001230008"]


def test_the_query_is_normalized_into_exact_keys():
    query = parse_query("  1z 999 aa1  ")
    assert query.text == "1z 999 aa1"
    assert query.order_ids == ("1Z999AA1",)
    assert query.tracking_numbers == ("1z999aa1", "1Z999AA1")
    assert query.email is None and query.phone_digits == ()

    email = parse_query("mailto:Ann.Lee@Example.com")
    assert (email.email, email.order_ids, email.tracking_numbers) == ("ann.lee@example.com", (), ())


def test_phone_candidates_follow_the_north_american_plan_and_e164_lengths():
    assert phone_candidates("(312) 555-0101") == ("3125550101", "13125550101")
    assert phone_candidates("+1 312 555 0101") == ("13125550101", "3125550101")
    assert phone_candidates("+44 20 7946 0958") == ("442079460958",)
    assert phone_candidates("555-01") == ()
    assert phone_candidates("1Z999AA10000000001") == ()
    assert phone_candidates("9400 1000 0000 0000 0000 00") == ()  # 22 digits: a USPS number, not a phone


def test_each_kind_of_lookup_uses_its_index(orders: Connection):
    orders.execute(text("SET LOCAL enable_seqscan = off"))
    query = parse_query("+1 312 555 0101")
    parameters = {
        "order_ids": list(query.order_ids),
        "tracking_numbers": list(query.tracking_numbers),
        "email": "ann.lee@example.com",
        "phone_digits": list(query.phone_digits),
        "limit": 20,
    }
    plan = "\n".join(row[0] for row in orders.execute(text(f"EXPLAIN {SEARCH_SQL}"), parameters))

    for index in (
        "pk_order_state",
        "ix_customer_order_phone",
        "ix_customer_order_email",
        "ix_shipment_tracking_number",
    ):
        assert index in plan


def test_search_orders_runs_on_an_engine(fresh_engine: Engine):
    with fresh_engine.begin() as conn:
        load_events(conn, staged([received("SO-0001230005", PLACED, email="cy@example.net", phone=None)]))

    assert [hit.order_id for hit in search_orders(fresh_engine, "CY@example.net")] == ["SO-0001230005"]
    assert search_orders(fresh_engine, "") == []
