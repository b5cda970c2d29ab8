"""The Order timeline shows each shipment's delivery estimate from pipeline.eta: the likely day, the
window, where it comes from, and the original promise beside it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import make_url

from dashboard.queries.order_timeline_eta import eta_text, order_level
from db.engine import ensure_database, make_engine, sibling_database_url
from pipeline.eta import ShipmentEta
from pipeline.eta.current import eta_view
from pipeline.eta.estimate import Estimate
from pipeline.eta.lane_stats import refresh_lanes
from pipeline.eta.recompute import recompute_changed
from pipeline.settings import get_settings
from tests.conftest import _throwaway_name, drop_with_sources
from tests.pages.test_order_timeline import open_page, signed_in_as, texts
from tests.pipeline.eta.parcels import load, parcel

RENO = ZoneInfo("America/Los_Angeles")
CHICAGO = ZoneInfo("America/Chicago")
PICKUP = datetime(2026, 11, 16, 18, tzinfo=RENO)
NOW = PICKUP + timedelta(hours=2)
PAGE = Path(__file__).resolve().parents[2] / "pages" / "order_timeline.py"


@pytest.fixture(scope="module")
def eta_url(template_url: str) -> Iterator[str]:
    url = sibling_database_url(template_url, _throwaway_name("timeline_eta"))
    ensure_database(url, template=make_url(template_url).database)
    engine = make_engine(url, pool_size=1)
    try:
        start = datetime(2026, 11, 2, 18, tzinfo=RENO)
        history = [
            parcel(f"SO-EH{i:03d}", start, delivered=start + timedelta(hours=40 + 2 * (i % 10)))
            for i in range(25)
        ]
        with engine.begin() as conn:
            load(
                conn, *history, parcel("SO-ETA1", PICKUP, promise=datetime(2026, 11, 17, 23, tzinfo=CHICAGO))
            )
            refresh_lanes(conn, now=NOW)
            recompute_changed(conn, now=NOW)
            load(conn, parcel("SO-ETA2", None, label_at=datetime.now(UTC)))  # not estimated by the job yet
        yield url
    finally:
        engine.dispose()
        drop_with_sources(url)


@pytest.fixture
def eta_orders(eta_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", eta_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_stored_lane_estimate_shows_its_day_window_source_and_lateness(eta_orders: None) -> None:
    at = open_page(signed_in_as("support_agent"), "SO-ETA1")

    page = texts(at)
    assert not at.exception, at.exception
    assert "**Wed Nov 18, 2026** :red[· after the promise]" in page
    lane = "lane model (ups/GND/DC-RNO-\\>606, 25 recent deliveries)"
    assert f"window Wed Nov 18 to Thu Nov 19 · Source: {lane}" in page
    assert "Source: the promise made at checkout" in page  # the original promise, beside the estimate
    assert f"ETA Wed Nov 18, 2026, window Wed Nov 18 to Thu Nov 19 · {lane}" in page


def test_a_parcel_the_job_has_not_reached_is_estimated_on_the_spot(eta_orders: None) -> None:
    at = open_page(signed_in_as("supervisor"), "SO-ETA2")

    page = texts(at)
    assert not at.exception, at.exception
    assert "No carrier scan yet" in page
    assert "Source: lane model (ups/GND/DC-RNO-\\>606, 25 recent deliveries)" in page
    assert "No carrier estimate yet" not in page


def _eta(shipment_id: str, source: str, likely_at: datetime | None, **basis) -> ShipmentEta:
    """An estimate whose window is the likely day (Chicago)."""
    day = (
        datetime.combine(likely_at.astimezone(CHICAGO).date(), datetime.min.time(), CHICAGO)
        if likely_at
        else None
    )
    window_end = day + timedelta(days=1) if day else None
    promise = datetime(2026, 11, 20, 23, tzinfo=CHICAGO)
    return eta_view(shipment_id, Estimate(source, likely_at, day, window_end, promise, basis), CHICAGO)


def test_a_split_order_is_there_when_its_last_travelling_parcel_is() -> None:
    delivered = _eta("SO-1-1", "delivered", datetime(2026, 11, 23, 15, tzinfo=CHICAGO))
    early = _eta("SO-1-2", "lane_model", datetime(2026, 11, 19, 15, tzinfo=CHICAGO))
    late = _eta("SO-1-3", "service_level", datetime(2026, 11, 21, 15, tzinfo=CHICAGO))

    assert order_level([delivered, early, late]) == late
    assert order_level([delivered]) == delivered
    assert order_level([]) is None


def test_the_words_for_a_delivered_a_late_and_a_lost_parcel() -> None:
    delivered = eta_text(_eta("SO-1-1", "delivered", datetime(2026, 11, 23, 15, tzinfo=CHICAGO)))
    late = eta_text(_eta("SO-1-2", "carrier", datetime(2026, 11, 24, 14, 30, tzinfo=CHICAGO),
                         carrier_event="DELIVERY_DELAYED"))  # fmt: skip
    lost = eta_text(_eta("SO-1-3", "none", None, stopped="LOST"))

    assert delivered.headline == "Delivered Mon Nov 23, 2026 3:00 PM CST"
    assert (late.headline, late.window, late.after_promise) == ("Tue Nov 24, 2026", "Tue Nov 24", True)
    assert late.source == "the carrier's new date after a delay"
    assert lost.headline == "No estimate: the carrier reports it lost"
