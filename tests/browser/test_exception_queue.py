"""In a real Chromium: a supervisor signs in, opens the Exception queue, selects a row, sees its actions
and resolves it with a note — two clicks — and the audit log says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from db.engine import make_engine
from tests.browser.conftest import RunningApp
from tests.pages.exception_queue_world import SHORT, build_queue

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_MS = 30_000


@pytest.fixture
def queue(fresh_database_url: str) -> dict[str, int]:
    engine = make_engine(fresh_database_url, pool_size=2)
    try:
        return build_queue(engine)
    finally:
        engine.dispose()


def sign_in(page: Page, app: RunningApp, username: str) -> None:
    page.goto(app.url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(app.password)
    page.get_by_role("button", name="Sign in").click()


def select_first_row(page: Page, table_index: int) -> None:
    """Tick the row-selection box of a table's first row (the grid is a canvas: click by position)."""
    grid = page.get_by_test_id("stDataFrame").nth(table_index)
    expect(grid).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    grid.hover()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)


def test_a_supervisor_selects_an_exception_and_resolves_it_in_two_clicks(
    chromium, queue: dict[str, int], running_app: RunningApp, artifacts: Path
):
    page = chromium.new_page(viewport={"width": 1600, "height": 1500})
    sign_in(page, running_app, "supervisor")
    page.get_by_role("link", name="Exception queue").click()

    expect(page.get_by_role("heading", name="Exception queue")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Inventory mismatch · 1")).to_be_visible(
        timeout=RENDER_TIMEOUT_MS
    )
    expect(page.get_by_text("0 new since you opened")).to_be_visible()

    select_first_row(page, 0)  # click 1
    expect(page.get_by_text(f"on order {SHORT}")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Assign to me")).to_be_visible()
    page.get_by_role("textbox", name="Note").fill("Counted the bin: two on the returns shelf")
    page.get_by_role("textbox", name="Note").press("Tab")
    page.screenshot(path=str(artifacts / "exception_queue.png"), full_page=True)

    page.get_by_role("button", name="Resolve").click()  # click 2
    expect(page.get_by_text("Resolved: Counted the bin: two on the returns shelf.")).to_be_visible(
        timeout=RENDER_TIMEOUT_MS
    )
    expect(page.get_by_role("heading", name="Inventory mismatch · 1")).to_have_count(0)

    engine = make_engine(running_app.database_url, pool_size=1)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT actor, action, after->>'state' FROM audit_log WHERE entity_id = :id"),
                {"id": str(queue[SHORT])},
            ).one()
    finally:
        engine.dispose()
    assert tuple(row) == ("supervisor", "resolve", "resolved")
    page.close()


def test_a_manager_has_no_exception_queue_in_the_navigation(
    chromium, queue: dict[str, int], running_app: RunningApp
):
    page = chromium.new_page()
    sign_in(page, running_app, "manager")

    expect(page.get_by_role("link", name="KPI trends")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_role("link", name="Exception queue")).to_have_count(0)
    page.close()
