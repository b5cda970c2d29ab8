"""In a real Chromium: a supervisor signs in, opens Labor planning from the menu and reads the plan of
both DCs; a floor lead does not get it in the menu."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from dashboard.auth import SignedInUser
from db.engine import make_engine
from pipeline.labor.forecast import local_midnight
from pipeline.labor.roster import RosterChange, save_roster
from tests.browser.conftest import RunningApp
from tests.pipeline.labor.demand_events import load_demand
from tests.pipeline.labor.simulated_demand import simulated_demand

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_MS = 60_000
ROSTER_KEEPER = SignedInUser(user_id=1, username="supervisor", display_name="Supervisor", role="supervisor",
                             facility_id=None, method="password")  # fmt: skip


@pytest.fixture
def demand_history(fresh_database_url: str) -> str:
    """Sixteen days of orders at both DCs up to today, as the pipeline would have loaded them, and two
    people per process rostered on the next three day shifts."""
    engine = make_engine(fresh_database_url, pool_size=1)
    try:
        with engine.begin() as conn:
            for facility_id, zone in (("DC-RNO", "America/Los_Angeles"), ("DC-CMH", "America/New_York")):
                today = datetime.now(UTC).astimezone(ZoneInfo(zone)).date()
                start = local_midnight(today - timedelta(days=16), zone)
                demand = simulated_demand(facility_id, start, 16, orders_per_month=4_000, seed=5)
                load_demand(conn, facility_id, demand, prefix=facility_id[-3:])
                changes = [RosterChange(today + timedelta(days=offset), "day", process, 2)
                           for offset in range(3) for process in ("pick", "pack", "ship")]  # fmt: skip
                save_roster(conn, ROSTER_KEEPER, facility_id, changes)
    finally:
        engine.dispose()
    return fresh_database_url


def sign_in(page: Page, app: RunningApp, username: str) -> None:
    page.goto(app.url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(app.password)
    page.get_by_role("button", name="Sign in").click()


def test_a_supervisor_reads_the_plan_of_both_dcs(
    chromium, demand_history: str, running_app: RunningApp, artifacts: Path
):
    page = chromium.new_page(viewport={"width": 1600, "height": 3000})
    sign_in(page, running_app, "supervisor")
    page.get_by_role("link", name="Labor planning").click(timeout=RENDER_TIMEOUT_MS)

    expect(page.get_by_role("heading", name="Labor planning")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.locator(".js-plotly-plot")).to_have_count(3, timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Save roster")).to_be_visible()
    expect(page.locator(".gtitle", has_text="Rostered / required (p80) people per shift")).to_be_visible()
    page.wait_for_timeout(1_000)
    page.screenshot(path=str(artifacts / "labor_planning.png"), full_page=True)

    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="DC-CMH").click()
    expect(page.locator(".js-plotly-plot")).to_have_count(3, timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_text("Days and shifts in America/New_York")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    page.close()


def test_a_floor_lead_has_no_labor_planning_in_the_menu(chromium, running_app: RunningApp):
    page = chromium.new_page()
    sign_in(page, running_app, "floor_lead")

    expect(page.get_by_test_id("stSidebarNav")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_role("link", name="Labor planning")).to_have_count(0)
    page.close()
