"""The Source activity page through AppTest: before the simulator exists, and on a small seeded history."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from sqlalchemy import make_url

from db.engine import ensure_database, sibling_database_url
from tests.conftest import _throwaway_name, drop_with_sources
from tests.pages.app_session import open_page as open_script
from tests.pages.app_session import signed_in_as

open_page = partial(open_script, "source_activity.py", context={"timezone": "America/Los_Angeles"})


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
