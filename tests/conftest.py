"""Test databases: a real PostgreSQL, never the developer's own database.

With DATABASE_URL set (CI's second pass against PostgreSQL 15), throwaway databases are created on
that server; otherwise an embedded server is started in a temporary directory for the session.
A migrated template database is built once; tests that commit get their own copy of it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, make_url

from db import embedded
from db.engine import drop_database, ensure_database, make_engine, sibling_database_url
from pipeline.bootstrap import prepare_database
from pipeline.settings import get_settings
from simulator.databases import SOURCE_DATABASE_SUFFIXES

DB_FIXTURES = {
    "server_url",
    "template_url",
    "database_url",
    "engine",
    "conn",
    "fresh_database_url",
    "fresh_engine",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """URL of the `postgres` maintenance database of the server the tests use."""
    external = os.environ.get("DATABASE_URL")
    if external:
        yield make_url(external).set(database="postgres").render_as_string(hide_password=False)
        return
    workdir = Path(tempfile.mkdtemp(prefix="wp-pg-"))
    server = embedded.start(workdir / "pg")
    try:
        yield server.database_url("postgres")
    finally:
        embedded.stop(workdir / "pg")
        shutil.rmtree(workdir, ignore_errors=True)


def _throwaway_name(kind: str) -> str:
    return f"wp_{kind}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def drop_with_sources(url: str) -> None:
    """Drop a test database and the simulator's source databases named after it."""
    name = make_url(url).database
    for suffix in ("", *SOURCE_DATABASE_SUFFIXES):
        drop_database(sibling_database_url(url, f"{name}{suffix}"))


@pytest.fixture(scope="session")
def template_url(server_url: str) -> Iterator[str]:
    """A database migrated to head with master data and the event registry loaded."""
    url = sibling_database_url(server_url, _throwaway_name("tpl"))
    ensure_database(url)
    prepare_database(url)
    try:
        yield url
    finally:
        drop_with_sources(url)


@pytest.fixture(scope="session")
def database_url(template_url: str) -> Iterator[str]:
    """One migrated database shared by the tests of a session; use `conn` to keep tests apart."""
    url = sibling_database_url(template_url, _throwaway_name("shared"))
    ensure_database(url, template=make_url(template_url).database)
    try:
        yield url
    finally:
        drop_with_sources(url)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture
def fresh_database_url(template_url: str) -> Iterator[str]:
    """A database of its own, for tests that commit or use several processes."""
    url = sibling_database_url(template_url, _throwaway_name("t"))
    ensure_database(url, template=make_url(template_url).database)
    try:
        yield url
    finally:
        drop_with_sources(url)


@pytest.fixture
def fresh_engine(fresh_database_url: str) -> Iterator[Engine]:
    engine = make_engine(fresh_database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def point_app_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str | None], None]]:
    """Point the app at a database (None: at no database at all, so a refused role cannot read one)."""

    def point(url: str | None) -> None:
        if url is None:
            monkeypatch.delenv("DATABASE_URL", raising=False)
        else:
            monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()

    yield point
    get_settings.cache_clear()
