"""In a real Chromium: a link to a page, opened while signed out, goes through the sign-in form and
then opens that page with its query, as an escalation's link to an order does."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

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
            return world.land_orders(conn)
    finally:
        engine.dispose()


def test_an_order_link_opened_signed_out_opens_the_order_after_sign_in(
    chromium, landed_orders: world.OrderWorld, running_app: RunningApp
):
    page = chromium.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{running_app.url}/order_timeline?order={world.DELAYED}")

    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.get_by_role("heading", name=world.DELAYED)).to_have_count(0)
    page.get_by_role("textbox", name="Username").fill("support_agent")
    page.get_by_role("textbox", name="Password").fill(running_app.password)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name=world.DELAYED)).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Order timeline")).to_be_visible()
    expect(page.get_by_text("What to tell the customer: Delayed by weather")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    assert page.url == f"{running_app.url}/order_timeline?order={world.DELAYED}"
    page.close()
