from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from pipeline.settings import get_settings


@pytest.fixture
def runner(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A CliRunner whose `waypoint` talks to a private test database."""
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
