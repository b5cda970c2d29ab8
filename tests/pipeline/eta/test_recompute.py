"""Keeping shipment_eta current: the first estimate, new events (a delay with the carrier's date), passed
estimates, material changes only in the history, and what readers get (`current_etas`, `recompute_eta`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, text

from pipeline.eta import current_etas, recompute_eta, refresh_etas
from pipeline.eta.lane_stats import refresh_lanes
from pipeline.eta.recompute import recompute_changed
from tests.pipeline.eta.parcels import load, parcel

RENO = ZoneInfo("America/Los_Angeles")
CHICAGO = ZoneInfo("America/Chicago")
PICKUP = datetime(2026, 11, 16, 18, tzinfo=RENO)  # Monday evening
NOW = PICKUP + timedelta(hours=2)
PROMISE = datetime(2026, 11, 23, 23, 59, tzinfo=CHICAGO)


def history(prefix: str = "H", count: int = 25) -> list[list[dict]]:
    """Deliveries on the lane ups/GND/DC-RNO->606 two weeks before: 40 to 58 working hours."""
    start = datetime(2026, 11, 2, 18, tzinfo=RENO)
    return [
        parcel(f"SO-{prefix}{i:03d}", start, delivered=start + timedelta(hours=40 + 2 * (i % 10)))
        for i in range(count)
    ]


def stored(conn: Connection, shipment_id: str) -> dict:
    return dict(
        conn.execute(text("SELECT * FROM shipment_eta WHERE shipment_id = :id"), {"id": shipment_id})
        .mappings()
        .one()
    )


def changes(conn: Connection, shipment_id: str) -> list[tuple[str, str, str | None]]:
    rows = conn.execute(
        text(
            "SELECT reason, source, previous_source FROM shipment_eta_change WHERE shipment_id = :id ORDER BY change_id"
        ),
        {"id": shipment_id},
    )
    return [tuple(row) for row in rows]


def test_a_parcel_on_a_busy_lane_gets_the_lane_model_and_the_promise_beside_it(conn: Connection) -> None:
    load(conn, *history(), parcel("SO-LIVE1", PICKUP, promise=PROMISE))
    refresh_lanes(conn, now=NOW)

    report = recompute_changed(conn, now=NOW)

    assert report.first_run
    row = stored(conn, "SO-LIVE1-1")
    assert row["source"] == "lane_model"
    assert row["promised_delivery_by"] == PROMISE
    assert row["basis"]["lane"] == "ups/GND/DC-RNO->606"
    assert row["window_start"] <= row["likely_at"] < row["window_end"]
    assert row["review_at"] == row["likely_at"]
    assert changes(conn, "SO-LIVE1-1") == [("first", "lane_model", None)]


def test_a_delay_with_the_carriers_new_date_moves_the_estimate_once(conn: Connection) -> None:
    live = parcel("SO-LIVE2", PICKUP, promise=PROMISE)
    load(conn, *history(), live)
    refresh_lanes(conn, now=NOW)
    recompute_changed(conn, now=NOW)
    delay_at = datetime(2026, 11, 18, 8, tzinfo=CHICAGO)
    load(
        conn,
        [_scan(live, "DELIVERY_DELAYED", delay_at, reason="weather", new_estimated_delivery="2026-11-21")],
    )

    recompute_changed(conn, now=delay_at)
    recompute_changed(conn, now=delay_at + timedelta(minutes=1))  # nothing new: no second history row

    row = stored(conn, "SO-LIVE2-1")
    assert row["source"] == "carrier"
    assert row["likely_at"] == datetime(2026, 11, 21, 14, 30, tzinfo=CHICAGO)
    assert row["promised_delivery_by"] == PROMISE  # the original promise is kept
    assert changes(conn, "SO-LIVE2-1") == [
        ("first", "lane_model", None),
        ("DELIVERY_DELAYED", "carrier", "lane_model"),
    ]


def test_an_estimate_whose_likely_instant_passed_is_reviewed_without_any_event(conn: Connection) -> None:
    load(conn, parcel("SO-LIVE3", PICKUP))
    recompute_changed(conn, now=NOW)
    before = stored(conn, "SO-LIVE3-1")
    assert before["source"] == "service_level"  # no lane history: the fallback
    conn.execute(text("UPDATE event SET loaded_at = loaded_at - interval '1 day'"))
    late = before["review_at"] + timedelta(days=3)

    report = recompute_changed(conn, now=late)

    after = stored(conn, "SO-LIVE3-1")
    assert report.estimated == 1
    assert after["likely_at"] > late
    assert after["basis"]["late"] is True
    assert changes(conn, "SO-LIVE3-1")[-1] == ("time", "service_level", "service_level")


def test_recompute_eta_stores_one_shipment_and_reads_well(conn: Connection) -> None:
    load(conn, *history(), parcel("SO-LIVE4", PICKUP, promise=PROMISE))
    refresh_lanes(conn, now=NOW)

    eta = recompute_eta(conn, "SO-LIVE4-1", NOW)

    assert eta.stored and eta.source == "lane_model"
    assert stored(conn, "SO-LIVE4-1")["likely_at"] == eta.likely_at
    assert str(eta) == (
        f"SO-LIVE4-1 likely {eta.likely_day:%a %b %-d}, window {eta.window_first_day:%a %b %-d} "
        f"to {eta.window_last_day:%a %b %-d} (lane model); promised by Mon Nov 23"
    )
    assert (
        str(recompute_eta(conn, "SO-NOPE-1", NOW)) == "SO-NOPE-1: no estimate, Waypoint has no such shipment"
    )


def test_current_etas_reads_the_stored_estimate_or_estimates_on_the_spot(conn: Connection) -> None:
    load(conn, parcel("SO-LIVE5", PICKUP, promise=PROMISE))
    recompute_changed(conn, now=NOW)
    load(conn, parcel("SO-LIVE6", None, label_at=NOW))  # labelled after the job ran

    (known,) = current_etas(conn, "SO-LIVE5", now=NOW)
    (fresh,) = current_etas(conn, "SO-LIVE6", now=NOW)

    assert (known.stored, known.source, known.source_label) == (
        True,
        "service_level",
        "carrier's service level",
    )
    assert known.time_zone == "America/Chicago"
    assert known.promised_delivery_by == PROMISE
    assert (known.window_first_day, known.window_last_day) == (date(2026, 11, 17), date(2026, 11, 23))
    assert (fresh.stored, fresh.source, fresh.basis["pickup"]) == (False, "service_level", "projected")
    assert current_etas(conn, "SO-UNKNOWN") == []


def test_the_worker_job_commits_lanes_and_estimates(fresh_engine: Engine) -> None:
    with fresh_engine.begin() as conn:
        load(conn, *history("W"), parcel("SO-LIVE7", PICKUP))

    first = refresh_etas(fresh_engine, now=NOW)
    second = refresh_etas(fresh_engine, now=NOW + timedelta(minutes=1))

    assert (first.lanes.samples, first.etas.first_run, first.etas.estimated) == (25, True, 1)
    assert second.etas.first_run is False
    with fresh_engine.connect() as conn:
        assert stored(conn, "SO-LIVE7-1")["source"] == "lane_model"


def _scan(order: list[dict], event_type: str, at: datetime, **attributes: str) -> dict:
    """A carrier scan of the order's parcel (same shipment, carrier and tracking number)."""
    from tests.canonical_factory import canonical_event

    label = next(event for event in order if event["event_type"] == "LABEL_PRINTED")
    return canonical_event(
        event_type, label["order_id"], at, shipment_id=label["shipment_id"], carrier=label["attributes"]["carrier"],
        tracking_number=label["attributes"]["tracking_number"], attributes={"raw_code": "SE", **attributes},
    )  # fmt: skip
