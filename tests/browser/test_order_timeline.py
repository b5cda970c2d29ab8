"""In a real Chromium: a support agent signs in, finds an order by what the customer reads out, reads its
story, opens an event's raw payload, and keeps the order's link; a manager sees the customer masked."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from db.engine import make_engine
from tests.browser.conftest import RunningApp
from tests.pages import order_timeline_orders as world

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_MS = 30_000


@pytest.fixture
def landed_orders(fresh_database_url: str) -> world.OrderWorld:
    engine = make_engine(fresh_database_url, pool_size=1)
    try:
        with engine.begin() as conn:
            landed = world.land_orders(conn)
            world.open_exception(conn, world.DELAYED, "DELIVERY_DELAYED", "carrier_delay", reason="weather")
            return landed
    finally:
        engine.dispose()


def sign_in(page: Page, app: RunningApp, username: str) -> None:
    page.goto(app.url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(app.password)
    page.get_by_role("button", name="Sign in").click()


def find(page: Page, typed: str) -> None:
    """Open the Order timeline from the navigation and type into its search box."""
    page.get_by_role("link", name="Order timeline").click()
    page.get_by_role("searchbox", name="Find an order").fill(typed)


def test_a_support_agent_finds_an_order_by_tracking_number_and_reads_its_story(
    chromium, landed_orders: world.OrderWorld, running_app: RunningApp, artifacts: Path
):
    page = chromium.new_page(viewport={"width": 1600, "height": 2400})
    sign_in(page, running_app, "support_agent")

    find(page, "1z999 aa1 7000 0000 01")

    expect(page.get_by_role("heading", name=world.DELAYED)).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_text("What to tell the customer: Delayed by weather")).to_be_visible()
    expect(page.get_by_text("after the promise")).to_be_visible()
    expect(page.get_by_role("link", name="Carrier tracking")).to_have_attribute(
        "href", f"https://www.ups.com/track?tracknum={world.DELAYED_TRACKING}"
    )
    expect(page.get_by_text(world.CUSTOMER_EMAIL)).to_be_visible()
    expect(page.get_by_role("button", name="Assign to me")).to_be_visible()
    assert page.url.endswith(f"/order_timeline?order={world.DELAYED}")  # the link to paste into an escalation

    page.get_by_text("Delivery is delayed").last.click()
    expect(page.get_by_text("only this event's record of the batch")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_text('"new_estimated_delivery"').last).to_be_visible()

    page.screenshot(path=str(artifacts / "order_timeline.png"), full_page=True)
    page.close()


def test_an_email_with_two_orders_lets_the_agent_choose(
    chromium, landed_orders: world.OrderWorld, running_app: RunningApp
):
    page = chromium.new_page(viewport={"width": 1400, "height": 1200})
    sign_in(page, running_app, "support_agent")

    find(page, "ANN.LEE@example.com")

    expect(page.get_by_text("2 orders match")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    page.get_by_role("button", name=world.SPLIT).click()
    expect(page.get_by_role("heading", name=world.SPLIT)).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_text("What to tell the customer: Part of the order delivered")).to_be_visible()
    assert page.url.endswith(f"?order={world.SPLIT}")
    page.close()


def test_a_manager_sees_the_customer_masked(
    chromium, landed_orders: world.OrderWorld, running_app: RunningApp
):
    page = chromium.new_page(viewport={"width": 1400, "height": 1200})
    sign_in(page, running_app, "manager")

    find(page, world.DELAYED)

    expect(page.get_by_text("A***@e***.com")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_text(world.CUSTOMER_EMAIL)).to_have_count(0)
    page.close()


def test_a_floor_lead_has_no_order_timeline(chromium, running_app: RunningApp):
    page = chromium.new_page()
    sign_in(page, running_app, "floor_lead")

    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_role("link", name="Order timeline")).to_have_count(0)
    page.close()
