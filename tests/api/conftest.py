"""A database of its own per test module (the API commits), and the secret the webhook fixtures were signed with."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, make_url

from db.engine import ensure_database, make_engine, sibling_database_url
from tests.conftest import drop_with_sources

FIXTURE_SECRET = "waypoint-fixture-secret"


@pytest.fixture(scope="module")
def api_database_url(template_url: str) -> Iterator[str]:
    url = sibling_database_url(template_url, f"wp_api_{uuid.uuid4().hex[:10]}")
    ensure_database(url, template=make_url(template_url).database)
    try:
        yield url
    finally:
        drop_with_sources(url)


@pytest.fixture(scope="module")
def api_engine(api_database_url: str) -> Iterator[Engine]:
    engine = make_engine(api_database_url, pool_size=2)
    try:
        yield engine
    finally:
        engine.dispose()
