"""`waypoint api token ORDER_ID` prints a tracking link that the API accepts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from api import tracking_tokens
from pipeline.cli.main import cli
from pipeline.exceptions.address_tokens import token_secret
from pipeline.settings import get_settings
from tests.api.test_tracking import PLACED
from tests.pipeline.exceptions.streams import load, order_until


@pytest.fixture
def runner(api_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("DATABASE_URL", api_database_url)
    monkeypatch.setenv("WAYPOINT_ACTION_TOKEN_SECRET", "cli-secret")
    monkeypatch.setenv("WAYPOINT_PUBLIC_BASE_URL", "https://track.example/")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_the_token_command_prints_a_link_for_a_known_order(runner: CliRunner, api_engine: Engine) -> None:
    load(api_engine, order_until("SO-71000001", PLACED, "PACK_COMPLETED"))

    result = runner.invoke(cli, ["api", "token", "SO-71000001"])

    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    assert link.startswith("https://track.example/v1/tracking/t/")
    parsed = tracking_tokens.verify(link.rsplit("/", 1)[1], token_secret(get_settings()), datetime.now(UTC))
    assert parsed.order_id == "SO-71000001" and (parsed.expires_at - datetime.now(UTC)).days >= 59


def test_the_token_command_refuses_an_unknown_order(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["api", "token", "SO-79999999"])

    assert result.exit_code == 1 and "no order 'SO-79999999'" in result.output
