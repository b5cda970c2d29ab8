"""The app's engines: URLs from the settings, one pool per database, a clear error without DATABASE_URL."""

from __future__ import annotations

import pytest
from sqlalchemy import make_url

from dashboard.database import (
    DatabaseNotConfigured,
    engine_for,
    main_database_url,
    main_engine,
    simulator_database_url,
)
from pipeline.settings import get_settings


@pytest.fixture
def app_settings(monkeypatch):
    def point_at(url: str | None) -> None:
        if url is None:
            monkeypatch.delenv("DATABASE_URL", raising=False)
        else:
            monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()

    yield point_at
    get_settings.cache_clear()


def test_without_database_url_the_app_says_how_to_start_it(app_settings):
    app_settings(None)
    with pytest.raises(DatabaseNotConfigured, match="DATABASE_URL is not set.*waypoint run"):
        main_database_url()


def test_simulator_database_sits_beside_the_main_one(app_settings):
    app_settings("postgresql://u:p@db.example:5432/waypoint")
    assert make_url(simulator_database_url()).database == "waypoint_sim"
    assert make_url(simulator_database_url()).host == "db.example"


def test_one_engine_per_database_url(app_settings, fresh_database_url):
    app_settings(fresh_database_url)
    assert main_engine() is engine_for(fresh_database_url)
    assert engine_for(simulator_database_url()) is not main_engine()
