"""The labor plan on a real database: history read from the events, the stored forecast and the
worker's refresh, the plan per shift beside the roster, actuals from operator ids, roster edits audited."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from sqlalchemy import Connection, Engine, text

from dashboard.auth import SignedInUser
from pipeline.labor.actuals import active_operators, hourly_actuals, processed_volume, shift_actuals
from pipeline.labor.forecast import local_midnight
from pipeline.labor.forecast_store import make_forecast, refresh_labor_forecasts, stored_forecast
from pipeline.labor.history import hourly_demand
from pipeline.labor.plan import PlanRequestError, facility_plan, facility_windows, shifts_against_actual
from pipeline.labor.roster import RosterChange, RosterError, RosterNotPermitted, roster, save_roster
from pipeline.labor.staffing import headcount
from tests.canonical_factory import canonical_event
from tests.pipeline.kpis.orders import load
from tests.pipeline.labor.demand_events import load_demand
from tests.pipeline.labor.simulated_demand import simulated_demand

COLUMBUS = "America/New_York"
NOW = datetime(2026, 12, 9, 15, tzinfo=UTC)  # 10:00 in Columbus, a Wednesday
TODAY = date(2026, 12, 9)


def person(role: str) -> SignedInUser:
    return SignedInUser(
        user_id=1, username=f"{role}1", display_name=role, role=role, facility_id=None, method="password"
    )


def cmh_history(days: int = 21) -> pl.DataFrame:
    start = local_midnight(TODAY - timedelta(days=days), COLUMBUS)
    return simulated_demand("DC-CMH", start, days, orders_per_month=4_000, seed=3)


@pytest.fixture
def with_history(conn: Connection) -> pl.DataFrame:
    demand = cmh_history()
    load_demand(conn, "DC-CMH", demand)
    return demand


def test_history_reads_orders_lines_and_units_per_hour_from_the_events(
    conn: Connection, with_history
) -> None:
    start, end = with_history["hour_start"].min(), with_history["hour_start"].max() + timedelta(hours=1)
    read = hourly_demand(conn, "DC-CMH", start, end)

    assert read.height == with_history.height
    for metric in ("orders", "lines", "units"):
        assert read[metric].to_list() == with_history[metric].to_list()


def test_a_forecast_is_stored_with_its_run(conn: Connection, with_history) -> None:
    run = make_forecast(conn, "DC-CMH", NOW)
    stored = stored_forecast(conn, "DC-CMH", run.origin, run.origin + timedelta(days=14))

    assert run.origin == local_midnight(TODAY, COLUMBUS) and run.horizon_days == 14
    assert run.history_through == TODAY - timedelta(days=1)
    assert stored.height == 14 * 24 * 3
    assert (stored["p80"] > stored["p50"]).all()


def test_the_plan_has_every_shift_and_process_with_its_arithmetic_and_the_roster(
    conn: Connection, with_history
) -> None:
    save_roster(conn, person("supervisor"), "DC-CMH", [RosterChange(TODAY, "day", "pick", 3)])
    plan = facility_plan(conn, "DC-CMH", NOW, 7)
    shifts = plan.shifts

    assert (plan.first_day, plan.last_day) == (TODAY, TODAY + timedelta(days=6))
    assert shifts.height == 7 * 2 * 3  # Columbus works a day and a swing shift, every day
    assert set(shifts["shift"]) == {"day", "swing"}
    for row in shifts.iter_rows(named=True):
        assert row["headcount_p50"] == headcount(row["labor_hours_p50"], row["shift_hours"])
        assert row["headcount_p80"] >= row["headcount_p50"]
    picked = shifts.filter(
        (pl.col("day") == TODAY) & (pl.col("shift") == "day") & (pl.col("process") == "pick")
    )
    assert picked["rostered"][0] == 3 and picked["gap_p80"][0] == 3 - picked["headcount_p80"][0]
    assert shifts.filter(pl.col("day") > TODAY)["rostered"].null_count() == 36
    total_lines = shifts.filter(pl.col("process") == "pick")["workload_p50"].sum()
    assert total_lines == pytest.approx(7 * with_history["lines"].sum() / 21, rel=0.25)


def test_a_plan_beyond_the_forecast_is_refused(conn: Connection, with_history) -> None:
    with pytest.raises(PlanRequestError, match="days: must be from 1 to 13"):
        facility_plan(conn, "DC-CMH", NOW, 14)


def test_the_worker_job_forecasts_once_a_local_day_and_skips_a_facility_without_history(
    fresh_engine: Engine,
) -> None:
    with fresh_engine.begin() as conn:
        load_demand(conn, "DC-CMH", cmh_history(15))
    made = refresh_labor_forecasts(fresh_engine, NOW)
    again = refresh_labor_forecasts(fresh_engine, NOW + timedelta(hours=3))

    assert [run.facility_id for run in made] == ["DC-CMH"]  # DC-RNO has no orders: skipped
    assert again == []
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM labor_forecast")).scalar_one() == 14 * 24 * 3

    older = cmh_history(21).filter(
        pl.col("hour_start") < local_midnight(TODAY - timedelta(days=15), COLUMBUS)
    )
    with fresh_engine.begin() as conn:  # the backlog goes on loading: a week older than what was there
        load_demand(conn, "DC-CMH", older, prefix="OLD")
    remade = refresh_labor_forecasts(fresh_engine, NOW + timedelta(hours=4))

    assert [run.facility_id for run in remade] == ["DC-CMH"]
    assert remade[0].history_orders > made[0].history_orders
    assert remade[0].history_from == TODAY - timedelta(days=21)


RENO_HOUR = datetime(2026, 12, 9, 18, tzinfo=UTC)  # 10:00 in Reno: the day shift


def work_events() -> list[dict]:
    def at(minutes: int) -> datetime:
        return RENO_HOUR + timedelta(minutes=minutes)

    def event(kind: str, order: str, minutes: int, **attributes) -> dict:
        return canonical_event(kind, order, at(minutes), facility_id="DC-RNO", attributes=attributes)

    def received(order: str, quantities: list[int]) -> dict:
        lines = [
            {"line_no": n, "sku": "SKU-000087", "qty": q, "uom": "EA"} for n, q in enumerate(quantities, 1)
        ]
        attributes = {
            "channel": "web", "fulfillment": "ship", "promised_delivery_by": "2026-12-14T00:00:00Z",
            "ship_by": "2026-12-10T00:00:00Z", "lines": lines,
            "destination": {"postal_code": "60614", "country": "US", "time_zone": "America/Chicago"},
        }  # fmt: skip
        return canonical_event("ORDER_RECEIVED", order, at(-30), facility_id="DC-RNO", attributes=attributes)

    label = canonical_event("LABEL_PRINTED", "SO-LA1", at(50), facility_id="DC-RNO", tracking_number="1ZLA1")
    label["attributes"]["operator_id"] = "RNO-K001"
    return [
        received("SO-LA1", [1, 2]),
        received("SO-LA2", [4]),
        event("PICK_STARTED", "SO-LA1", 5, operator_id="RNO-P001"),
        event("ITEM_PICKED", "SO-LA1", 10, sku="SKU-000087", qty=1, operator_id="RNO-P001"),
        event("ITEM_PICKED", "SO-LA1", 20, sku="SKU-000087", qty=2, operator_id="RNO-P001"),
        event("ITEM_PICKED", "SO-LA2", 15, sku="SKU-000087", qty=4, operator_id="RNO-P002"),
        event("PACK_STARTED", "SO-LA1", 40, operator_id="RNO-K001"),
        event("PACK_COMPLETED", "SO-LA1", 45, operator_id="RNO-K001"),
        label,
        event("PICK_SHORT", "SO-LA2", 65, sku="SKU-000087", qty=4, qty_short=1, operator_id="RNO-P002"),
        event("PACK_COMPLETED", "SO-LA2", 70, operator_id="RNO-K001"),
    ]


def test_actuals_count_distinct_operators_work_done_and_productivity(conn: Connection) -> None:
    load(conn, work_events())
    start, end = RENO_HOUR - timedelta(hours=1), RENO_HOUR + timedelta(hours=3)
    operators = active_operators(conn, "DC-RNO", start, end)
    volume = processed_volume(conn, "DC-RNO", start, end)
    hourly = {
        (row["hour_start"], row["process"]): row for row in hourly_actuals(operators, volume).to_dicts()
    }
    ten, eleven = RENO_HOUR, RENO_HOUR + timedelta(hours=1)

    assert hourly[(ten, "pick")]["operators"] == 2 and hourly[(ten, "pick")]["volume"] == 3  # 3 lines
    assert hourly[(ten, "pick")]["productivity"] == pytest.approx(1.5)
    assert hourly[(ten, "pack")]["operators"] == 1 and hourly[(ten, "pack")]["volume"] == 3  # units of SO-LA1
    assert hourly[(ten, "ship")]["operators"] == 1 and hourly[(ten, "ship")]["volume"] == 1
    assert hourly[(eleven, "pick")]["operators"] == 1 and hourly[(eleven, "pick")]["volume"] == 1
    assert hourly[(eleven, "pack")]["volume"] == 4

    windows = facility_windows("DC-RNO", TODAY, TODAY)
    day_shift = {row["process"]: row for row in shift_actuals(operators, volume, windows).to_dicts()}
    assert day_shift["pick"]["operators"] == 2 and day_shift["pick"]["operator_hours"] == 3
    assert day_shift["pick"]["volume"] == 4 and day_shift["pick"]["productivity"] == pytest.approx(4 / 3)
    assert day_shift["pack"]["volume"] == 7 and math.isclose(day_shift["pack"]["productivity"], 3.5)


def test_todays_shifts_against_actual_beside_the_plan(conn: Connection) -> None:
    reno = simulated_demand("DC-RNO", local_midnight(TODAY - timedelta(days=15), "America/Los_Angeles"), 15,
                            orders_per_month=4_000, seed=3)  # fmt: skip
    load_demand(conn, "DC-RNO", reno)
    load(conn, work_events())
    plan = facility_plan(conn, "DC-RNO", NOW, 1)
    save_roster(conn, person("manager"), "DC-RNO", [RosterChange(TODAY, "day", "pick", 4)])
    plan = facility_plan(conn, "DC-RNO", NOW, 1)
    rows = {
        (row["shift"], row["process"]): row for row in shifts_against_actual(conn, plan, TODAY).to_dicts()
    }

    assert set(rows) == {
        (shift, process) for shift in ("day", "swing", "night") for process in ("pick", "pack", "ship")
    }
    day_pick = rows[("day", "pick")]
    assert (day_pick["rostered"], day_pick["actual_operators"], day_pick["operator_hours"]) == (4, 2, 3.0)
    assert day_pick["actual_volume"] == 4 and day_pick["workload_p50"] > 0
    assert rows[("day", "ship")]["actual_volume"] == 1
    assert rows[("night", "pick")]["actual_operators"] == 0 and rows[("night", "pick")]["actual_volume"] == 0


def test_a_roster_edit_is_stored_and_audited_with_before_and_after(conn: Connection) -> None:
    supervisor = person("supervisor")
    save_roster(conn, supervisor, "DC-RNO", [RosterChange(TODAY, "night", "pack", 5)])
    applied = save_roster(
        conn,
        supervisor,
        "DC-RNO",
        [RosterChange(TODAY, "night", "pack", 7), RosterChange(TODAY, "day", "pick", 0)],
    )
    unchanged = save_roster(conn, supervisor, "DC-RNO", [RosterChange(TODAY, "night", "pack", 7)])

    assert [(item.change.headcount, item.before) for item in applied] == [(7, 5), (0, None)]
    assert unchanged == []
    stored = roster(conn, "DC-RNO", TODAY, TODAY)
    assert stored.select("shift", "process", "headcount", "updated_by").rows() == [
        ("day", "pick", 0, "supervisor1"),
        ("night", "pack", 7, "supervisor1"),
    ]
    audit = conn.execute(
        text(
            "SELECT actor, actor_role, action, entity_id, before, after FROM audit_log "
            "WHERE entity_type = 'labor_roster' ORDER BY audit_id"
        )
    ).all()
    assert [tuple(row) for row in audit] == [
        ("supervisor1", "supervisor", "roster_edit", "DC-RNO/2026-12-09/night/pack", None, {"headcount": 5}),
        (
            "supervisor1",
            "supervisor",
            "roster_edit",
            "DC-RNO/2026-12-09/night/pack",
            {"headcount": 5},
            {"headcount": 7},
        ),
        ("supervisor1", "supervisor", "roster_edit", "DC-RNO/2026-12-09/day/pick", None, {"headcount": 0}),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (RosterChange(TODAY, "night", "pick", 3), "shift: DC-CMH works no 'night' shift on Wed 2026-12-09"),
        (RosterChange(TODAY, "day", "load", 3), "process: must be one of"),
        (RosterChange(TODAY, "day", "pick", -1), "headcount: must be from 0 to 1000"),
        (RosterChange(TODAY, "day", "pick", 2.5), "headcount: must be a whole number of people"),
        (RosterChange(datetime(2026, 12, 9), "day", "pick", 2), "day: must be a calendar date"),
    ],
)
def test_a_bad_roster_edit_names_the_field_and_stores_nothing(conn: Connection, change, message: str) -> None:
    good = RosterChange(TODAY, "day", "pack", 2)
    with pytest.raises(RosterError, match=message):
        save_roster(conn, person("manager"), "DC-CMH", [good, change])
    assert roster(conn, "DC-CMH", TODAY, TODAY).is_empty()


def test_a_role_that_may_not_plan_cannot_edit_the_roster(conn: Connection) -> None:
    with pytest.raises(RosterNotPermitted, match="floor_lead"):
        save_roster(conn, person("floor_lead"), "DC-CMH", [RosterChange(TODAY, "day", "pick", 2)])
