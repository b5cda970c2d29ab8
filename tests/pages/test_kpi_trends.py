"""The KPI Trends page through AppTest: who may open it, before any figures, and on a small history."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from functools import partial

import polars as pl
import pytest
from sqlalchemy import make_url
from streamlit.runtime.media_file_manager import MediaFileManager

from db.engine import ensure_database, make_engine, sibling_database_url
from pipeline.kpis.definitions import KPIS
from pipeline.kpis.rollups import rebuild_kpi_rollups
from tests.conftest import _throwaway_name, drop_with_sources
from tests.pages.app_session import open_page as open_script
from tests.pages.app_session import signed_in_as
from tests.pipeline.kpis.history import synthetic_history
from tests.pipeline.kpis.orders import load

open_page = partial(open_script, "kpi_trends.py")


@pytest.fixture(scope="module")
def history_url(template_url: str) -> Iterator[str]:
    """Three weeks of orders, rolled up; the page only reads them."""
    url = sibling_database_url(template_url, _throwaway_name("kpipage"))
    ensure_database(url, template=make_url(template_url).database)
    engine = make_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            load(conn, *synthetic_history(date(2026, 10, 19), days=21, orders_per_day=12, seed=9))
        rebuild_kpi_rollups(engine)
        yield url
    finally:
        engine.dispose()
        drop_with_sources(url)


@pytest.mark.parametrize("role", ["floor_lead", "support_agent"])
def test_roles_without_the_page_are_refused_before_any_data_is_read(role: str, point_app_at) -> None:
    point_app_at(None)  # no database at all: a refused role must not even try one
    at = open_page(signed_in_as(role))

    assert not at.exception
    assert "KPI trends is not available to the" in at.error[0].value
    assert not at.dataframe and not at.get("plotly_chart")


def test_before_the_first_rollup_the_page_says_how_figures_come(
    fresh_database_url: str, point_app_at
) -> None:
    point_app_at(fresh_database_url)
    at = open_page(signed_in_as("manager"))

    assert not at.exception
    assert "No KPI figures yet" in at.info[0].value


def test_without_a_database_the_page_explains_instead_of_failing(point_app_at) -> None:
    point_app_at(None)
    at = open_page(signed_in_as("admin"))

    assert not at.exception
    assert "KPI figures cannot be read right now" in at.error[0].value


@pytest.mark.parametrize("role", ["admin", "manager", "supervisor"])
def test_allowed_roles_see_the_comparison_every_chart_and_the_exports(
    history_url: str, point_app_at, role: str
) -> None:
    point_app_at(history_url)
    at = open_page(signed_in_as(role))

    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["KPI"]) == [item.label for item in KPIS]
    assert set(table.columns) == {"KPI", "This week", "Baseline", "Target", "Status"}
    assert len(at.get("plotly_chart")) == len(KPIS)
    assert len(at.get("download_button")) == 2
    first, last = at.date_input(key="kpi_period").value  # the latest four weeks the rollups hold
    assert last >= date(2026, 11, 8) and (last - first).days <= 27


def test_a_supervisor_starts_on_their_own_facility(history_url: str, point_app_at) -> None:
    point_app_at(history_url)
    at = open_page(signed_in_as("supervisor", "DC-CMH"))

    assert at.selectbox(key="kpi_facility").value == "DC-CMH"


def test_filters_and_weekly_figures_change_what_is_shown(history_url: str, point_app_at, downloads) -> None:
    point_app_at(history_url)
    at = open_page(signed_in_as("manager"))
    daily_table = at.dataframe[0].value

    at.selectbox(key="kpi_facility").select("DC-RNO")
    at.selectbox(key="kpi_carrier").select("ups")
    at.segmented_control(key="kpi_granularity").set_value("Week")
    at.date_input(key="kpi_period").set_value((date(2026, 10, 19), date(2026, 11, 8)))
    downloads.clear()
    at.run()

    assert not at.exception
    assert at.subheader[0].value == "Week of Nov 02 against baseline and target"
    assert not at.dataframe[0].value.equals(daily_table)
    weekly = figures_csv(downloads)
    assert set(weekly["week_start"]) == {"2026-10-19", "2026-10-26", "2026-11-02"}
    assert set(weekly["facility"]) == {"DC-RNO"} and set(weekly["carrier"]) == {"ups"}


def test_leaving_inferred_events_out_says_so_in_the_export(history_url: str, point_app_at, downloads) -> None:
    point_app_at(history_url)
    at = open_page(signed_in_as("manager"))
    assert "inferred events are counted" in at.caption[1].value

    downloads.clear()
    at.toggle(key="kpi_inferred").set_value(False).run()

    exported = figures_csv(downloads)
    assert set(exported["inferred_events_counted"]) == {False}
    assert exported["inferred_events"].sum() == 0
    assert "inferred events are counted" not in at.caption[1].value


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What each download button of the last run serves, by file name."""
    served: dict[str, bytes] = {}
    add = MediaFileManager.add

    def recording_add(
        self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False
    ):
        data = path_or_data.encode() if isinstance(path_or_data, str) else path_or_data
        served[file_name] = data
        return add(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", recording_add)
    return served


def figures_csv(downloads: dict[str, bytes]) -> pl.DataFrame:
    (name,) = [name for name in downloads if name.startswith("kpi_trends_")]
    return pl.read_csv(io.BytesIO(downloads[name]))
