"""`waypoint eta backtest` and `waypoint eta refresh` through click's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner

from db.engine import make_engine
from pipeline.cli.main import cli
from pipeline.eta.backtest import backtest
from pipeline.settings import get_settings
from tests.pipeline.eta.parcels import load, parcel

PERIOD = ["--from", "2026-11-03", "--to", "2026-11-11"]


def runner_on(url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    return CliRunner()


@pytest.fixture
def on_history(simulated_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    yield runner_on(simulated_url, monkeypatch)
    get_settings.cache_clear()


def test_backtest_json_is_the_backtest_of_the_period(on_history: CliRunner, simulated_url: str) -> None:
    result = on_history.invoke(cli, ["eta", "backtest", *PERIOD, "--format", "json"])

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    engine = make_engine(simulated_url, pool_size=1)
    try:
        with engine.connect() as conn:
            expected = backtest(conn, date(2026, 11, 3), date(2026, 11, 11)).as_dict()
    finally:
        engine.dispose()
    assert document == json.loads(json.dumps(expected))
    assert document["baseline"]["model"] == "service_level_only"
    assert set(document["lane_model"]) >= {"deliveries", "mae_hours", "inside_window", "mean_window_days"}


def test_backtest_text_names_both_models(on_history: CliRunner) -> None:
    result = on_history.invoke(cli, ["eta", "backtest", *PERIOD])

    assert result.exit_code == 0, result.output
    assert "ETA backtest, pickups 2026-11-03 to 2026-11-11" in result.stdout
    assert "lane model" in result.stdout
    assert "service level only" in result.stdout
    assert "in window" in result.stdout


def test_a_period_without_deliveries_says_so(on_history: CliRunner) -> None:
    result = on_history.invoke(cli, ["eta", "backtest", "--from", "2030-01-01", "--to", "2030-01-02"])

    assert result.exit_code == 0, result.output
    assert "nothing to score" in result.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "2026-11-10", "--to", "2026-11-01"], "--to"),
        (["--from", "11/01/2026", "--to", "2026-11-02"], "--from"),
        (["--from", "2026-11-01"], "--to"),
        ([*PERIOD, "--format", "xml"], "--format"),
    ],
)
def test_bad_options_exit_with_a_message_naming_the_option(arguments: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["eta", "backtest", *arguments])

    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_refresh_measures_deliveries_and_estimates(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(fresh_database_url, pool_size=1)
    picked_up = datetime.now(UTC) - timedelta(days=5)  # inside the lookback whenever the test runs
    with engine.begin() as conn:
        load(conn, parcel("SO-CLI1", picked_up, delivered=picked_up + timedelta(hours=40)))
    engine.dispose()

    result = runner_on(fresh_database_url, monkeypatch).invoke(cli, ["eta", "refresh"])
    get_settings.cache_clear()

    assert result.exit_code == 0, result.output
    assert "Lane statistics: 1 deliveries measured, 1 lanes summarized (all lanes)." in result.stdout
    assert "Estimates: " in result.stdout
