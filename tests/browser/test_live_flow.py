"""In a real Chromium at a floor TV's 1920x1080: a kiosk link shows one facility's live flow in the dark
theme, with no sign-in, header, toolbar or sidebar, and the whole board fits without scrolling; a
signed-in supervisor gets the same board beside the navigation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from dashboard.auth import SignedInUser
from dashboard.kiosk import issue_kiosk_link, kiosk_url
from db.engine import make_engine
from db.models.access import AppUser
from tests.browser.conftest import RunningApp
from tests.dashboard.flow_orders import busy_floor

pytestmark = pytest.mark.browser

TV = {"width": 1920, "height": 1080}
RENDER_TIMEOUT_MS = 30_000

# Every element that scrolls its content: a board that fits has none, and the document is no taller
# than the screen.
SCROLLERS = """
() => [...document.querySelectorAll('*')]
  .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowY) && e.scrollHeight > e.clientHeight + 1)
  .map(e => `${e.tagName}.${e.className} ${e.scrollHeight}>${e.clientHeight}`)
"""


@pytest.fixture
def floor(running_app: RunningApp) -> str:
    """A busy Reno floor in the app's database and a kiosk link for it; returns the link."""
    engine = make_engine(running_app.database_url, pool_size=1)
    with engine.begin() as conn:
        busy_floor(conn, datetime.now(UTC))
        admin = conn.execute(select(AppUser).where(AppUser.username == "admin")).one()
        issued = issue_kiosk_link(
            conn,
            SignedInUser(admin.user_id, "admin", "", "admin", None, "password"),
            "DC-RNO",
            "Pack line TV",
        )
    engine.dispose()
    return kiosk_url(running_app.url, issued.token, issued.facility_id)


def board_ready(page: Page) -> None:
    expect(page.get_by_text("BOTTLENECK").first).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_test_id("stMetric")).to_have_count(
        10, timeout=RENDER_TIMEOUT_MS
    )  # 8 stages, 2 throughput
    expect(page.get_by_test_id("stTable")).to_be_visible()


def test_a_kiosk_screen_shows_the_whole_board_on_a_tv_without_scrolling(
    chromium, floor: str, artifacts: Path
):
    page = chromium.new_page(viewport=TV)
    page.goto(floor)

    board_ready(page)
    expect(page.get_by_text("Live flow · DC-RNO · Reno distribution center")).to_be_visible()
    expect(page.get_by_text("As of")).to_be_visible()
    page.wait_for_timeout(1_000)  # let the fonts and the table settle before measuring

    assert page.evaluate("document.documentElement.scrollHeight") <= TV["height"]
    assert page.evaluate(SCROLLERS) == []
    assert page.get_by_test_id("stHeader").count() == 0 or not page.get_by_test_id("stHeader").is_visible()
    assert page.get_by_test_id("stSidebar").count() == 0
    assert page.get_by_role("textbox").count() == 0  # no sign-in form, no picker: read-only
    background = page.evaluate("getComputedStyle(document.querySelector('.stApp')).backgroundColor")
    assert background == "rgb(0, 0, 0)"  # the high-contrast dark theme
    tile = page.locator('[class*="st-key-flow_stage_picking_alert"]')
    assert tile.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(198, 40, 40)"

    page.screenshot(path=str(artifacts / "live_flow_kiosk.png"))
    page.close()


def test_the_board_refreshes_in_place(chromium, floor: str):
    """After a refresh (every 10 s) the same board is there: no reload, no blank frame, no sign-in."""
    page = chromium.new_page(viewport=TV)
    page.goto(floor)
    board_ready(page)
    first = page.get_by_text("As of").inner_text()
    page.evaluate("window.__still_here = true")

    expect(page.get_by_text("As of")).not_to_have_text(first, timeout=25_000)

    assert page.evaluate("window.__still_here") is True  # the document was not reloaded
    expect(page.get_by_test_id("stMetric")).to_have_count(10)
    page.close()


def test_a_revoked_or_wrong_facility_link_is_refused_on_the_screen(chromium, floor: str):
    page = chromium.new_page(viewport=TV)
    page.goto(floor.replace("facility=DC-RNO", "facility=DC-CMH"))

    expect(page.get_by_text("This kiosk link is for DC-RNO, not DC-CMH")).to_be_visible(
        timeout=RENDER_TIMEOUT_MS
    )
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    page.close()


def test_a_signed_in_supervisor_opens_the_live_flow_of_their_facility(
    chromium, floor: str, running_app: RunningApp, artifacts: Path
):
    page = chromium.new_page(viewport=TV)
    page.goto(running_app.url)
    page.get_by_role("textbox", name="Username").fill("supervisor")
    page.get_by_role("textbox", name="Password").fill(running_app.password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Live flow").click()

    board_ready(page)
    expect(page.get_by_role("combobox", name="Facility")).to_have_value("DC-RNO · Reno distribution center")
    page.wait_for_timeout(1_000)
    assert page.evaluate(SCROLLERS) == []

    page.screenshot(path=str(artifacts / "live_flow.png"))
    page.close()
