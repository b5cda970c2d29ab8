"""The Order timeline page through AppTest: who may open it, search, deep links, the story of an order,
raw payloads and masking, on orders landed in the inbox and drained like the live stream."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import make_url, text
from streamlit.testing.v1 import AppTest

from dashboard.auth import SignedInUser
from dashboard.order_story import markdown_safe
from db.engine import ensure_database, make_engine, sibling_database_url
from pipeline.settings import get_settings
from tests.conftest import _throwaway_name, drop_with_sources
from tests.pages import order_timeline_orders as world
from tests.pages.app_session import open_page as open_script
from tests.pages.app_session import signed_in_as

SEARCH_KEY = "order_timeline_search"
ALLOWED = ("admin", "supervisor", "support_agent", "manager")
CHICAGO = ZoneInfo("America/Chicago")  # the destination of every test order (the registry's example)


def open_page(user: SignedInUser, order: str | None = None, **state) -> AppTest:
    query = {} if order is None else {"order": order}
    return open_script(
        "order_timeline.py", user, query=query, state=state, context={"timezone": "America/Chicago"}
    )


def texts(at: AppTest) -> str:
    """Everything written on the page, to look for a phrase wherever the layout puts it."""
    parts = [*at.markdown, *at.caption, *at.subheader, *at.header, *at.info, *at.warning, *at.error]
    return "\n".join(str(part.value) for part in parts)


@pytest.fixture(scope="module")
def orders_url(template_url: str) -> Iterator[str]:
    url = sibling_database_url(template_url, _throwaway_name("timeline"))
    ensure_database(url, template=make_url(template_url).database)
    engine = make_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            landed = world.land_orders(conn)
        engine.dispose()
        yield url, landed
    finally:
        engine.dispose()
        drop_with_sources(url)


@pytest.fixture
def orders(orders_url, monkeypatch: pytest.MonkeyPatch) -> Iterator[world.OrderWorld]:
    url, landed = orders_url
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield landed
    get_settings.cache_clear()


@pytest.mark.parametrize("role", ALLOWED)
def test_the_roles_that_answer_for_orders_may_open_the_page(orders, role: str):
    at = open_page(signed_in_as(role, "DC-RNO" if role == "supervisor" else None), world.DELAYED)

    assert not at.exception
    assert at.title[0].value == "Order timeline"
    assert world.DELAYED in [header.value for header in at.header]


def test_a_floor_lead_is_refused_before_anything_is_read(orders):
    at = open_page(signed_in_as("floor_lead", "DC-CMH"), world.DELAYED)

    assert not at.exception
    assert "Order timeline is not available to the floor lead role" in at.error[0].value
    assert not at.text_input and not at.header


def test_a_deep_link_opens_the_order_with_status_promise_estimate_and_what_to_say(orders):
    at = open_page(signed_in_as("support_agent"), world.DELAYED)

    page = texts(at)
    assert "**Delivery is delayed**" in page
    assert "In transit since" in page
    assert f"**{orders.promise.astimezone(CHICAGO):%a %b %-d, %Y}" in page
    assert "Source: the carrier's new date after a delay" in page  # the ETA (pipeline.eta) of the parcel
    assert "after the promise" in page
    assert "What to tell the customer: Delayed by weather" in page
    assert markdown_safe("Apologise: bad weather has slowed deliveries on the way.") in page


def test_the_customer_is_shown_to_a_support_agent_and_masked_for_a_manager(orders):
    agent = texts(open_page(signed_in_as("support_agent"), world.DELAYED))
    manager = texts(open_page(signed_in_as("manager"), world.DELAYED))

    assert markdown_safe(world.CUSTOMER_EMAIL) in agent and world.CUSTOMER_PHONE in agent
    assert markdown_safe("A***@e***.com") in manager and markdown_safe("***-***-0101") in manager
    assert world.CUSTOMER_EMAIL not in manager and "Masked for your role" in manager


def test_the_timeline_tells_every_event_in_plain_language_newest_first(orders):
    at = open_page(signed_in_as("support_agent"), world.DELAYED)

    steps = [expander.label for expander in at.expander]
    assert len(steps) == 13
    assert "**Delivery is delayed**" in steps[0]
    assert "**We've received your order**" in steps[-1]
    assert all(
        " CST · " in label or " CDT · " in label or " PST · " in label or " PDT · " in label
        for label in steps
    )


def test_the_utc_toggle_shows_every_time_in_utc(orders):
    at = open_page(signed_in_as("support_agent"), world.DELAYED)

    at.toggle(key="order_timeline_utc").set_value(True).run()

    assert all(" UTC · " in expander.label for expander in at.expander)


def test_a_shipment_block_links_to_the_carriers_tracking_page(orders):
    at = open_page(signed_in_as("support_agent"), world.DELAYED)

    (link,) = at.get("link_button")
    assert link.proto.url == f"https://www.ups.com/track?tracknum={world.DELAYED_TRACKING}"
    assert "Last scan: **Delivery is delayed**" in texts(at)


def test_a_split_order_shows_one_block_per_parcel(orders):
    at = open_page(signed_in_as("support_agent"), world.SPLIT)

    urls = sorted(link.proto.url for link in at.get("link_button"))
    assert urls == [
        f"https://www.fedex.com/fedextrack/?trknbr={world.SPLIT_TRACKING[1]}",
        f"https://www.ups.com/track?tracknum={world.SPLIT_TRACKING[0]}",
    ]
    page = texts(at)
    assert "Shipments" in page
    assert "What to tell the customer: Part of the order delivered" in page


def step_key(event: tuple[str, str]) -> str:
    source, event_id = event
    return f"event_{source}_{event_id}"


def test_an_opened_event_shows_only_its_own_record_of_a_batch_payload(orders):
    closed = open_page(signed_in_as("support_agent"), world.DELAYED)
    assert not closed.code

    at = open_page(signed_in_as("support_agent"), world.DELAYED, **{step_key(orders.delay_event): True})

    (code,) = at.code
    record = json.loads(code.value)
    assert record["event_id"] == orders.delay_event[1]
    assert record["event_type"] == "DELIVERY_DELAYED" and record["order_id"] == world.DELAYED
    assert "only this event's record of the batch" in texts(at)


def test_raw_payloads_and_attributes_are_masked_for_a_supervisor(orders):
    opened = {step_key(orders.received_event): True}
    agent = open_page(signed_in_as("support_agent"), world.DELAYED, **opened)
    supervisor = open_page(signed_in_as("supervisor", "DC-RNO"), world.DELAYED, **opened)

    def shown(at: AppTest) -> str:
        return "\n".join([code.value for code in at.code] + [json.dumps(item.value) for item in at.json])

    assert world.CUSTOMER_EMAIL in shown(agent) and world.CUSTOMER_PHONE in shown(agent)
    assert "A***@e***.com" in supervisor.code[0].value  # the raw payload, not only the attributes
    assert "A***@e***.com" in shown(supervisor) and "***-***-0101" in shown(supervisor)
    assert world.CUSTOMER_EMAIL not in shown(supervisor) and "555 0101" not in shown(supervisor)


def test_a_dst_flag_is_marked_discreetly(orders):
    at = open_page(signed_in_as("support_agent"), world.HELD)

    hold, allocated, received = (expander.label for expander in at.expander)
    assert ":gray[· DST]" in allocated and "DST" not in hold + received
    assert "repeated hour at a DST change" in texts(at)
    assert "What to tell the customer: Waiting for the address to be confirmed" in texts(at)


def test_typing_an_order_id_opens_it_and_puts_it_in_the_url(orders):
    at = open_page(signed_in_as("support_agent"))
    assert "Find an order above" in texts(at)

    at.text_input(key=SEARCH_KEY).input(f"  {world.HELD.lower()} ").run()

    assert at.query_params["order"] == world.HELD
    assert world.HELD in [header.value for header in at.header]


def test_an_email_with_several_orders_lists_them_to_choose_from(orders):
    at = open_page(signed_in_as("support_agent"))

    at.text_input(key=SEARCH_KEY).input("ann.lee@EXAMPLE.com").run()

    buttons = [button.label for button in at.button]
    assert buttons == [world.SPLIT, world.DELAYED] or buttons == [world.DELAYED, world.SPLIT]
    assert "2 orders match" in texts(at)
    assert "order" not in at.query_params

    at.button(key=f"open_{world.SPLIT}").click().run()

    assert at.query_params["order"] == world.SPLIT
    assert world.SPLIT in [header.value for header in at.header]


def test_a_search_that_finds_nothing_says_so(orders):
    at = open_page(signed_in_as("support_agent"))

    at.text_input(key=SEARCH_KEY).input("nobody@example.com").run()

    assert "No order matches “nobody@example.com”" in at.info[0].value


def test_a_deep_link_to_an_unknown_order_says_so(orders):
    at = open_page(signed_in_as("admin"), "SO-0000000000")

    assert not at.exception
    assert "Waypoint has no order SO-0000000000" in at.warning[0].value


def test_a_deep_link_typed_in_lower_case_opens_the_order_and_names_it_exactly_in_the_url(orders):
    at = open_page(signed_in_as("support_agent"), f" {world.HELD.lower()}")

    assert world.HELD in [header.value for header in at.header]
    assert at.query_params["order"] == world.HELD


def test_an_unreachable_database_is_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, template_url: str
):
    monkeypatch.setenv("DATABASE_URL", sibling_database_url(template_url, "wp_no_such_database"))
    get_settings.cache_clear()
    try:
        at = open_page(signed_in_as("support_agent"), world.DELAYED)
    finally:
        get_settings.cache_clear()

    assert not at.exception
    assert "database cannot be reached" in at.error[0].value


@pytest.fixture
def order_with_an_exception(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The delayed order with an open carrier-delay exception, in a database of its own (the test acts on it)."""
    engine = make_engine(fresh_database_url, pool_size=1)
    with engine.begin() as conn:
        world.land_orders(conn)
        exception_id = world.open_exception(
            conn, world.DELAYED, "DELIVERY_DELAYED", "carrier_delay", reason="weather"
        )
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    get_settings.cache_clear()
    try:
        yield exception_id
    finally:
        get_settings.cache_clear()
        engine.dispose()


def test_an_agent_acts_on_an_open_exception_from_the_order_and_the_audit_log_records_it(
    order_with_an_exception: int,
):
    exception_id = order_with_an_exception
    at = open_page(signed_in_as("support_agent"), world.DELAYED)
    assert not at.exception
    assert "Open exceptions" in texts(at)

    at.button(key=f"order_exception_{exception_id}_assign_to_me").click().run()

    assert not at.exception
    engine = make_engine(os.environ["DATABASE_URL"], pool_size=1)
    try:
        with engine.connect() as conn:
            assigned = conn.execute(
                text("SELECT assigned_to FROM order_exception WHERE exception_id = :id"), {"id": exception_id}
            ).scalar_one()
            audit = conn.execute(
                text("SELECT actor, actor_role, action, entity_type FROM audit_log WHERE entity_id = :id"),
                {"id": str(exception_id)},
            ).one()
    finally:
        engine.dispose()
    assert assigned == "support_agent_1"
    assert tuple(audit) == ("support_agent_1", "support_agent", "assign_to_me", "exception")
    assert at.success, "the outcome of the click is shown"


def test_a_manager_sees_the_exception_but_has_no_buttons(order_with_an_exception: int):
    at = open_page(signed_in_as("manager"), world.DELAYED)

    assert not at.exception
    assert "Your role can look at this exception but not act on it." in texts(at)
    assert not [button for button in at.button if button.key and button.key.startswith("order_exception_")]
