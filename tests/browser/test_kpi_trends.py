"""In a real Chromium: a manager signs in, opens KPI trends from the menu and reads it; a floor lead
does not get it in the menu."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from db.engine import make_engine
from pipeline.kpis.definitions import KPIS
from pipeline.kpis.rollups import rebuild_kpi_rollups
from tests.browser.conftest import RunningApp
from tests.pipeline.kpis.history import synthetic_history
from tests.pipeline.kpis.orders import load

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_MS = 30_000


@pytest.fixture
def kpi_history(fresh_database_url: str) -> str:
    """Six weeks of orders up to now in the app's database, rolled up (the worker's job, done here once)."""
    now = datetime.now(UTC)
    today = now.date()
    engine = make_engine(fresh_database_url, pool_size=1)
    try:
        with engine.begin() as conn:
            load(
                conn,
                *synthetic_history(
                    today - timedelta(days=42), days=42, orders_per_day=25, seed=12, until=now
                ),
            )
        rebuild_kpi_rollups(engine)
    finally:
        engine.dispose()
    return fresh_database_url


def sign_in(page: Page, app: RunningApp, username: str) -> None:
    page.goto(app.url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(app.password)
    page.get_by_role("button", name="Sign in").click()


def test_a_manager_reads_the_kpi_trends(chromium, kpi_history: str, running_app: RunningApp, artifacts: Path):
    page = chromium.new_page(viewport={"width": 1600, "height": 2900})
    sign_in(page, running_app, "manager")
    page.get_by_role("link", name="KPI trends").click(timeout=RENDER_TIMEOUT_MS)

    expect(page.get_by_role("heading", name="KPI trends")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.locator(".js-plotly-plot")).to_have_count(len(KPIS), timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(1)
    expect(page.get_by_role("button", name="Download the figures shown (CSV)")).to_be_visible()
    expect(page.locator(".gtitle", has_text="Carrier SLA adherence")).to_be_visible()

    page.wait_for_timeout(1_000)  # let the charts finish their transition before the picture
    page.screenshot(path=str(artifacts / "kpi_trends.png"), full_page=True)
    page.close()


def test_a_floor_lead_has_no_kpi_trends_in_the_menu(chromium, running_app: RunningApp):
    page = chromium.new_page()
    sign_in(page, running_app, "floor_lead")

    expect(page.get_by_test_id("stSidebarNav")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_role("link", name="KPI trends")).to_have_count(0)
    page.close()
