"""The Labor planning page through AppTest: who may open it, before there is history, and on three weeks
of simulated demand at both DCs: heatmap, roster edit stored and audited, forecast band, today by hour."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pandas as pd
import pytest
from sqlalchemy import text

from dashboard.queries.labor_planning import cached_labor_view, roster_changes
from db.engine import make_engine
from pipeline.labor.roster import RosterChange
from tests.pages.app_session import open_page as open_script
from tests.pages.app_session import signed_in_as
from tests.pipeline.labor.demand_events import database_with_demand

open_page = partial(open_script, "labor_planning.py", timeout=90)


@pytest.fixture
def point_app_at(point_app_at) -> Iterator:
    """As everywhere, and with no labor view cached from another test's database."""

    def point(url: str | None) -> None:
        point_app_at(url)
        cached_labor_view.clear()

    yield point
    cached_labor_view.clear()


@pytest.fixture(scope="module")
def history_url(template_url: str) -> Iterator[str]:
    with database_with_demand(template_url, 16) as url:
        yield url


@pytest.mark.parametrize("role", ["floor_lead", "support_agent"])
def test_roles_without_the_page_are_refused_before_any_data_is_read(role: str, point_app_at) -> None:
    point_app_at(None)
    at = open_page(signed_in_as(role))

    assert not at.exception
    assert "Labor planning is not available to the" in at.error[0].value
    assert not at.get("plotly_chart") and not at.dataframe


def test_before_two_weeks_of_orders_the_page_says_why_there_is_no_plan(
    fresh_database_url: str, point_app_at
) -> None:
    point_app_at(fresh_database_url)
    at = open_page(signed_in_as("supervisor"))

    assert not at.exception
    assert "No plan for DC-RNO yet" in at.info[0].value
    assert "needs 14 complete days of orders" in at.info[0].value


def test_without_a_database_the_page_explains_instead_of_failing(point_app_at) -> None:
    point_app_at(None)
    at = open_page(signed_in_as("manager"))

    assert not at.exception
    assert "The labor plan cannot be read right now" in at.error[0].value


@pytest.mark.parametrize(
    ("role", "facility_id"), [("admin", "DC-RNO"), ("manager", "DC-CMH"), ("supervisor", "DC-CMH")]
)
def test_allowed_roles_see_the_plan_of_each_dc(
    history_url: str, point_app_at, role: str, facility_id: str
) -> None:
    point_app_at(history_url)
    at = open_page(signed_in_as(role, facility_id))

    assert not at.exception
    assert at.selectbox(key="labor_facility").value == facility_id
    charts = at.get("plotly_chart")
    assert len(charts) == 3  # heatmap, forecast band, today against actual
    heatmap = charts[0].proto.spec
    assert '"type":"heatmap"' in heatmap.replace(" ", "")
    assert "p80" in charts[1].proto.spec
    roster = at.data_editor[0].value
    assert len(roster) == {"DC-CMH": 7 * 2 * 3, "DC-RNO": (7 * 2 + 5) * 3}[facility_id]  # RNO: weekday nights
    assert list(roster.columns) == ["Day", "Shift", "Process", "Required p50", "Required p80", "Rostered"]
    assert "rostered below the p80 requirement or not at all" in at.warning[0].value  # nobody rostered yet
    tables = {tuple(frame.value.columns)[:3]: frame.value for frame in at.dataframe}
    shifts_today = tables[("Shift", "Process", "Counted in")]
    assert set(shifts_today["Process"]) == {"pick", "pack", "ship"}
    hours_today = tables[("Hour", "Shift", "Required p50")]
    assert len(hours_today) in (23, 24, 25)  # every hour of the facility's local day


def test_a_roster_edit_is_stored_and_audited(history_url: str, point_app_at) -> None:
    point_app_at(history_url)
    at = open_page(signed_in_as("supervisor", "DC-CMH"))
    editor = at.data_editor[0]
    first = editor.value.iloc[0]

    at.session_state["labor_roster_DC-CMH"] = {
        "edited_rows": {0: {"Rostered": 9}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button[0].click().run()

    assert not at.exception
    assert "Roster saved: 1 change(s)" in at.success[0].value
    engine = make_engine(history_url, pool_size=1)
    try:
        with engine.connect() as conn:
            stored = conn.execute(
                text("SELECT headcount, updated_by FROM labor_roster WHERE facility_id = 'DC-CMH' AND day = :day "
                     "AND shift = :shift AND process = :process"),
                {"day": first["Day"], "shift": first["Shift"], "process": first["Process"]},
            ).one()  # fmt: skip
            audit = conn.execute(
                text(
                    "SELECT actor, actor_role, entity_id, before, after FROM audit_log "
                    "WHERE entity_type = 'labor_roster'"
                )
            ).all()
    finally:
        engine.dispose()
    assert tuple(stored) == (9, "supervisor_1")
    assert [tuple(row) for row in audit] == [
        ("supervisor_1", "supervisor", f"DC-CMH/{first['Day']:%Y-%m-%d}/{first['Shift']}/{first['Process']}",
         None, {"headcount": 9})
    ]  # fmt: skip
    assert at.data_editor[0].value.iloc[0]["Rostered"] == 9


def test_only_changed_roster_cells_become_changes_and_a_cleared_cell_means_nobody() -> None:
    day = pd.Timestamp("2026-12-09")
    original = pd.DataFrame(
        {"Day": [day] * 4, "Shift": ["day"] * 4, "Process": ["pick", "pack", "ship", "pick"],
         "Rostered": pd.array([3, None, None, 4], dtype="Int64")}
    )  # fmt: skip
    edited = original.copy()
    edited["Rostered"] = pd.array([5, None, 2, None], dtype="Int64")

    assert roster_changes(original, edited) == [
        RosterChange(day.date(), "day", "pick", 5),
        RosterChange(day.date(), "day", "ship", 2),
        RosterChange(day.date(), "day", "pick", 0),
    ]
