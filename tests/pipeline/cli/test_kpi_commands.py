"""`waypoint kpis`: the figures of the KPI module, as JSON or CSV, and `waypoint kpis rebuild`."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from pipeline.cli.main import cli
from pipeline.kpis.queries import KpiScope
from pipeline.kpis.report import kpi_report
from tests.pipeline.kpis.history import synthetic_history
from tests.pipeline.kpis.orders import load

PERIOD = ["--from", "2026-10-20", "--to", "2026-11-01"]


@pytest.fixture
def history(runner: CliRunner, fresh_engine: Engine) -> Engine:
    with fresh_engine.begin() as conn:
        load(conn, *synthetic_history(date(2026, 10, 19), days=10, orders_per_day=10, seed=5))
    return fresh_engine


def test_before_the_first_rebuild_it_says_how_to_get_figures(runner: CliRunner, history: Engine) -> None:
    result = runner.invoke(cli, ["kpis", *PERIOD])

    assert result.exit_code == 0, result.output
    assert "waypoint kpis rebuild" in result.stderr
    assert json.loads(result.stdout)["figures"] == []


def test_rebuild_then_json_per_week_is_what_the_kpi_module_reports(
    runner: CliRunner, history: Engine
) -> None:
    rebuilt = runner.invoke(cli, ["kpis", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert rebuilt.stdout.startswith("Rebuilt KPI rollups: ")

    result = runner.invoke(cli, ["kpis", *PERIOD, "--facility", "DC-RNO", "--carrier", "ups", "--by", "week"])

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    with history.connect() as conn:
        report = kpi_report(
            conn, date(2026, 10, 20), date(2026, 11, 1), scope=KpiScope("DC-RNO", "ups"), by="week"
        )
    assert [(row["kpi"], row["period_start"], row["value"]) for row in document["figures"]] == [
        (row["kpi"], row["period_start"].isoformat(), row["value"])
        for row in report.series.iter_rows(named=True)
    ]
    assert {row["period_start"] for row in document["figures"]} == {"2026-10-19", "2026-10-26"}
    assert document["scope"] == {
        "facility": "DC-RNO",
        "carrier": "ups",
        "channel": None,
        "include_inferred": True,
    }
    assert len(document["this_week"]) == 9


def test_csv_per_day_has_a_row_per_kpi_and_day(runner: CliRunner, history: Engine) -> None:
    runner.invoke(cli, ["kpis", "rebuild"])

    result = runner.invoke(cli, ["kpis", *PERIOD, "--format", "csv", "--channel", "web", "--no-inferred"])

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and set(rows[0]) >= {
        "period_start",
        "kpi",
        "label",
        "value",
        "numerator",
        "denominator",
        "target",
    }
    assert {row["period_start"] for row in rows} <= {
        f"2026-{m:02d}-{d:02d}" for m, d in [(10, x) for x in range(20, 32)] + [(11, 1)]
    }
    assert {row["inferred_events"] for row in rows} == {"0"}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "2026-10-20"], "--from and --to are required"),
        (["--from", "2026-11-02", "--to", "2026-11-01"], "is before --from"),
        ([*PERIOD, "--facility", "DC-XYZ"], "'DC-XYZ' is not one of"),
        ([*PERIOD, "--carrier", "pony"], "'pony' is not one of"),
    ],
)
def test_wrong_options_are_refused_with_the_reason(
    runner: CliRunner, arguments: list[str], message: str
) -> None:
    result = runner.invoke(cli, ["kpis", *arguments])

    assert result.exit_code == 2
    assert message in result.output
