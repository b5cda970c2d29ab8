"""`waypoint labor plan`, `waypoint labor backtest` and `waypoint labor forecast` through CliRunner, on a
database holding five weeks of simulated demand up to today."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from pipeline.cli.main import cli
from pipeline.settings import get_settings
from tests.pipeline.labor.demand_events import database_with_demand


@pytest.fixture(scope="module")
def history_url(template_url: str) -> Iterator[str]:
    with database_with_demand(template_url, 36) as url:
        yield url


@pytest.fixture
def runner(history_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("DATABASE_URL", history_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_plan_as_json_has_every_shift_and_process_of_the_week(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["labor", "plan", "--facility", "DC-RNO", "--days", "7", "--format", "json"])

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["facility_id"] == "DC-RNO" and document["time_zone"] == "America/Los_Angeles"
    shifts = document["shifts"]
    days = {row["day"] for row in shifts}
    assert len(days) == 7 and {row["process"] for row in shifts} == {"pick", "pack", "ship"}
    assert {row["shift"] for row in shifts} == {"day", "swing", "night"}  # night on weekdays only
    assert all(row["headcount_p80"] >= row["headcount_p50"] >= 0 for row in shifts)
    assert document["forecast"]["method"].startswith("ets")


def test_plan_as_csv_is_the_same_plan(runner: CliRunner) -> None:
    as_json = json.loads(runner.invoke(cli, ["labor", "plan", "--facility", "DC-CMH", "--days", "2"]).stdout)
    result = runner.invoke(cli, ["labor", "plan", "--facility", "DC-CMH", "--days", "2", "--format", "csv"])

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(as_json["shifts"]) == 2 * 2 * 3
    assert [int(row["headcount_p80"]) for row in rows] == [row["headcount_p80"] for row in as_json["shifts"]]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--facility", "DC-XYZ"], "'DC-XYZ' is not one of DC-RNO"),
        (["--facility", "DC-RNO", "--days", "20"], "20 is not in the range 1<=x<=13"),
        (["--facility", "DC-RNO", "--format", "xml"], "'xml' is not one of 'json', 'csv'"),
    ],
)
def test_plan_refuses_bad_options_naming_them(runner: CliRunner, arguments: list[str], message: str) -> None:
    result = runner.invoke(cli, ["labor", "plan", *arguments])

    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_plan_without_history_says_why(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["labor", "plan", "--facility", "ST-001"])

    assert result.exit_code == 1
    assert "ST-001: the forecast needs 14 complete days of orders; history has 0" in result.output


def test_backtest_reports_model_and_baseline_wape(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["labor", "backtest", "--facility", "DC-CMH", "--days", "36", "--step", "7",
                                 "--format", "json"])  # fmt: skip

    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert [score["metric"] for score in scores] == ["orders", "lines", "units"]
    for score in scores:
        assert score["origins"] == 1 and score["hours"] == 14 * 24
        assert 0 < score["model_wape"] < score["baseline_wape"]


def test_backtest_on_too_short_a_history_says_so(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["labor", "backtest", "--facility", "DC-RNO", "--days", "30"])

    assert result.exit_code == 1
    assert "hold no complete backtest" in result.output


def test_forecast_by_hand_stores_todays_forecast(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["labor", "forecast"])

    assert result.exit_code == 0, result.output
    assert "DC-RNO: forecast from" in result.stdout and "DC-CMH: forecast from" in result.stdout
