"""`waypoint api` serves the API app with uvicorn on the configured port."""

from __future__ import annotations

import pytest
import uvicorn
from click.testing import CliRunner

from pipeline.cli.main import cli
from pipeline.settings import get_settings


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """What uvicorn.run was asked to serve, instead of serving it."""
    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append({"app": app, **options}))
    return calls


def test_api_serves_the_app_on_the_configured_port(
    runner: CliRunner, served: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAYPOINT_API_PORT", "8123")
    get_settings.cache_clear()
    result = runner.invoke(cli, ["api"])

    assert result.exit_code == 0, result.output
    (call,) = served
    assert (call["host"], call["port"]) == ("127.0.0.1", 8123)
    assert {"/webhooks/{carrier_id}", "/healthz", "/metrics"} <= set(call["app"].openapi()["paths"])


def test_port_option_overrides_the_setting(runner: CliRunner, served: list[dict]) -> None:
    result = runner.invoke(cli, ["api", "--port", "9001", "--host", "0.0.0.0"])

    assert result.exit_code == 0, result.output
    assert (served[0]["host"], served[0]["port"]) == ("0.0.0.0", 9001)
