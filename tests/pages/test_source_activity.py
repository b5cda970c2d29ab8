"""The Source activity page through AppTest: before the simulator exists, and on a small seeded history."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url
from streamlit.testing.v1 import AppTest

from dashboard.auth import SignedInUser
from dashboard.session import SIGNED_IN_USER_KEY
from db.engine import ensure_database, sibling_database_url
from pipeline.settings import get_settings
from tests.conftest import _throwaway_name, drop_with_sources

PAGE = Path(__file__).resolve().parents[2] / "pages" / "source_activity.py"


def signed_in_as(role: str, facility_id: str | None = None) -> SignedInUser:
    return SignedInUser(
        user_id=1,
        username=role,
        display_name=f"Test {role}",
        role=role,
        facility_id=facility_id,
        method="password",
    )


def open_page(user: SignedInUser) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state[SIGNED_IN_USER_KEY] = user
    at.context = {"timezone": "America/Los_Angeles"}
    return at.run()


@pytest.fixture
def point_app_at(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    def point(url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()

    yield point
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def seeded_database_url(template_url: str) -> Iterator[str]:
    """One small seeded world shared by this module's tests (the page only reads it)."""
    from simulator.engine import seed

    url = sibling_database_url(template_url, _throwaway_name("page"))
    ensure_database(url, template=make_url(template_url).database)
    try:
        seed(url, days=2, orders_per_month=3_000, seed=5, progress=False)
        yield url
    finally:
        drop_with_sources(url)


def test_before_the_simulator_exists_the_page_says_so(fresh_database_url, point_app_at):
    point_app_at(fresh_database_url)
    at = open_page(signed_in_as("manager"))

    assert not at.exception
    assert "No source activity yet" in at.info[0].value
    assert not at.metric


def test_seeded_sources_show_figures_tables_and_the_chart(seeded_database_url, point_app_at):
    point_app_at(seeded_database_url)
    at = open_page(signed_in_as("admin"))

    assert not at.exception
    metrics = {metric.label: metric.value for metric in at.metric}
    assert set(metrics) == {"Events so far", "Events per minute now", "Sources live", "Since the last event"}
    assert int(metrics["Events so far"].replace(",", "")) > 0
    by_source, by_facility = (frame.value for frame in at.dataframe)
    assert {"wms:DC-RNO", "wms:DC-CMH"} <= set(by_source["Source"])
    assert by_source["Events so far"].sum() == int(metrics["Events so far"].replace(",", ""))
    assert by_facility["Events so far"].sum() == by_source["Events so far"].sum()
    assert at.get("plotly_chart")


def test_a_supervisor_sees_the_detail_of_their_own_facility_first(seeded_database_url, point_app_at):
    point_app_at(seeded_database_url)
    at = open_page(signed_in_as("supervisor", "DC-RNO"))

    assert at.selectbox[0].value == "DC-RNO"
    assert set(at.dataframe[1].value["Facility"]) == {"DC-RNO"}

    at.selectbox[0].select("DC-CMH").run()
    assert set(at.dataframe[1].value["Facility"]) == {"DC-CMH"}
