"""`waypoint dq`: the report counts per rule and source with examples; the cleansed SKU master in the
database is what `sku_measures` (every other reader) sees; bad options exit with a message."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from click.testing import CliRunner
from sqlalchemy import Engine, text

from pipeline.cli.main import cli
from pipeline.drain import drain_batch
from pipeline.inbox import Arrival, land
from pipeline.quality.sku_cleansing import sku_measures
from tests.canonical_factory import REGISTRY, ZONES, canonical_event, shipped_order

PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)
SKUS = [  # (sku, category, weight, unit, length, width, height, dimension unit)
    *[(f"WP-{100000 + i}", "home", 1.0 + 0.05 * i, "kg", 20, 10, 10, "cm") for i in range(6)],
    ("WP-200001", "home", 2.2046, "LB", 7.874, 3.937, 3.937, "inch"),
    ("WP-200002", "home", 16.0, "lb", 20, 10, 10, "cm"),  # one pound typed in ounces, labelled pounds
    ("wp_200001", "home", 1.0, "pound", 20, 10, 10, "cm"),  # a duplicate variant of WP-200001
]


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO sku (sku, description, category, weight_value, weight_unit, length_value,"
                 " width_value, height_value, dimension_unit, unit_price) VALUES (:sku, 'item', :category,"
                 " :weight, :unit, :length, :width, :height, :dim_unit, 10)"),
            [dict(zip(("sku", "category", "weight", "unit", "length", "width", "height", "dim_unit"), row,
                      strict=True)) for row in SKUS],
        )  # fmt: skip
        good = shipped_order("SO-50000001", PLACED)[:3]
        epoch = {
            **canonical_event("PICK_STARTED", "SO-50000001", PLACED),
            "occurred_at": "1970-01-01T00:00:00Z",
        }
        naive = {
            **canonical_event("PICK_COMPLETED", "SO-50000001", PLACED),
            "occurred_at": "2026-11-16T09:10:00",
        }
        land(
            conn, Arrival("canonical:shop", b"\n".join(json.dumps(e).encode() for e in (*good, epoch, naive)))
        )
        drain_batch(conn, REGISTRY, ZONES)


def test_report_counts_rules_per_source_with_examples_and_the_sku_master(
    runner: CliRunner, fresh_engine: Engine
) -> None:
    seed(fresh_engine)
    cleansed = runner.invoke(cli, ["dq", "cleanse-skus"])
    assert cleansed.exit_code == 0, cleansed.output
    assert "unit_error" in cleansed.output and "duplicate_variant" in cleansed.output

    result = runner.invoke(cli, ["dq", "report", "--format", "json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {(c["area"], c["rule"], c["source"], c["action"], c["findings"]) for c in report["counts"]} == {
        ("timestamp", "epoch", "wms:DC-RNO", "quarantined", 1)
    }
    (example,) = report["examples"]
    assert example["order_id"] == "SO-50000001" and "epoch" in example["detail"]["message"]
    assert report["adapter_timestamps"] == [
        {"source": "canonical:shop", "rule": "offset_required", "records": 1}
    ]  # refused by the adapter itself, before the gate
    assert report["sku_master"]["issues"] == {"unit_error": 1, "duplicate_variant": 1}
    assert report["sku_master"]["weight_status"] == {"ok": 8, "corrected": 1}
    text_report = runner.invoke(cli, ["dq", "report"])
    assert text_report.exit_code == 0
    assert "epoch" in text_report.output and "wms:DC-RNO" in text_report.output
    assert "SKU master: 9 SKUs cleansed" in text_report.output


def test_weights_and_dimensions_are_read_from_the_cleansed_master(
    runner: CliRunner, fresh_engine: Engine
) -> None:
    seed(fresh_engine)
    assert runner.invoke(cli, ["dq", "cleanse-skus"]).exit_code == 0
    with fresh_engine.connect() as conn:
        measures = sku_measures(conn, ["WP-200001", "WP-200002", "wp_200001"])
    assert measures["WP-200001"].weight_kg == Decimal("1.0000")
    assert (measures["WP-200001"].length_cm, measures["WP-200001"].height_cm) == (
        Decimal("20.00"),
        Decimal("10.00"),
    )
    assert measures["WP-200002"].weight_kg == Decimal("0.4536")  # 16 "lb" were 16 oz
    assert measures["wp_200001"].canonical_sku == "WP-200001"


def test_a_bad_option_names_it_and_exits_non_zero(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["dq", "report", "--format", "xml"])
    assert result.exit_code == 2
    assert "--format" in result.output and "'xml' is not one of" in result.output


def test_health_and_backfill_run_once_on_demand(runner: CliRunner, fresh_engine: Engine) -> None:
    with fresh_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO source_counter (source, hour, received, normalized, last_received_at)"
                " VALUES ('stores', date_trunc('hour', now()), 5, 5, now())"
            )
        )
    health = runner.invoke(cli, ["dq", "health"])
    assert health.exit_code == 0, health.output
    assert "ok       stores: healthy" in health.output and "opened 0, resolved 0" in health.output
    as_json = runner.invoke(cli, ["dq", "health", "--format", "json"])
    assert json.loads(as_json.stdout)[0]["source"] == "stores"
    backfill = runner.invoke(cli, ["dq", "backfill"])
    assert backfill.exit_code == 0, backfill.output
    assert backfill.output.strip() == "gaps 0, re-fetched 0, inferred 0, closed 0"
