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


def test_without_database_url_the_app_says_how_to_start_it(point_app_at):
    point_app_at(None)
    with pytest.raises(DatabaseNotConfigured, match="DATABASE_URL is not set.*waypoint run"):
        main_database_url()


def test_simulator_database_sits_beside_the_main_one(point_app_at):
    point_app_at("postgresql://u:p@db.example:5432/waypoint")
    assert make_url(simulator_database_url()).database == "waypoint_sim"
    assert make_url(simulator_database_url()).host == "db.example"


def test_one_engine_per_database_url(point_app_at, fresh_database_url):
    point_app_at(fresh_database_url)
    assert main_engine() is engine_for(fresh_database_url)
    assert engine_for(simulator_database_url()) is not main_engine()
