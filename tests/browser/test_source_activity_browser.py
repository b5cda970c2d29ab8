"""In a real Chromium: sign in through the form and read the Source activity page as a supervisor's TV would.

The Welcome screen of a role with no built page is specified through AppTest (tests/pages/test_app.py):
every role has a built page today, and a real browser runs the real pages.json."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import RunningApp

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_MS = 30_000


@pytest.fixture
def seeded_sources(fresh_database_url: str) -> str:
    """A tiny simulated history (two days at a low volume) in the source systems beside the database."""
    from simulator.engine import seed

    seed(fresh_database_url, days=2, orders_per_month=3_000, seed=11, progress=False)
    return fresh_database_url


def sign_in(page: Page, app: RunningApp, username: str) -> None:
    page.goto(app.url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(app.password)
    page.get_by_role("button", name="Sign in").click()


def metric_value(page: Page, label: str) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text=label)
    return metric.get_by_test_id("stMetricValue").inner_text()


def test_visitor_gets_only_the_sign_in_form(chromium, running_app: RunningApp):
    page = chromium.new_page()
    page.goto(f"{running_app.url}/source_activity")

    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_text("Source activity")).to_have_count(0)
    page.close()


def test_admin_signs_in_and_sees_live_source_activity(
    chromium, seeded_sources: str, running_app: RunningApp, artifacts: Path
):
    page = chromium.new_page(
        viewport={"width": 1600, "height": 2300}
    )  # tall: the page scrolls inside its own container
    sign_in(page, running_app, "admin")
    page.get_by_role("link", name="Source activity").click()  # Live flow is the first page

    expect(page.get_by_role("heading", name="Source activity")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_test_id("stMetric")).to_have_count(4, timeout=RENDER_TIMEOUT_MS)
    events_so_far = int(metric_value(page, "Events so far").replace(",", ""))
    assert events_so_far > 0
    assert re.fullmatch(r"\d+ of \d+", metric_value(page, "Sources live"))
    expect(page.locator(".js-plotly-plot")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_have_count(2)
    expect(page.get_by_text("Demo admin")).to_be_visible()

    page.screenshot(path=str(artifacts / "source_activity.png"))
    page.close()


def test_a_role_without_source_activity_following_its_link_is_refused_and_sees_no_activity(
    chromium, running_app: RunningApp
):
    page = chromium.new_page()
    page.goto(f"{running_app.url}/source_activity")
    page.get_by_role("textbox", name="Username").fill("support_agent")
    page.get_by_role("textbox", name="Password").fill(running_app.password)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_text("Source activity is not available to the support agent role")).to_be_visible(
        timeout=RENDER_TIMEOUT_MS
    )
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    expect(page.get_by_role("link", name="Source activity")).to_have_count(0)
    page.close()
