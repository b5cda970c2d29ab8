"""`waypoint ingest`, `normalize`, `quarantine` and `order` through click's CliRunner."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli.main import cli
from tests.canonical_factory import canonical_event, shipped_order

PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)


def write_jsonl(tmp_path: Path, events: list, extra: list[bytes] = ()) -> str:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join([json.dumps(e).encode() for e in events] + list(extra)))
    return str(path)


def test_normalize_prints_canonical_events_and_stores_nothing(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        cli,
        [
            "normalize",
            write_jsonl(tmp_path, shipped_order("SO-20000001", PLACED)[:2]),
            "--format",
            "canonical",
        ],
    )

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["event_type"] for line in lines] == ["ORDER_RECEIVED", "ORDER_ALLOCATED"]
    assert lines[0]["occurred_at"] == "2026-11-16T17:05:00Z"
    assert runner.invoke(cli, ["order", "SO-20000001"]).exit_code == 1


def test_normalize_exits_non_zero_naming_the_field_and_rule(runner: CliRunner, tmp_path: Path) -> None:
    naive = {**canonical_event("PICK_STARTED", "SO-20000002", PLACED), "occurred_at": "2026-11-16T09:10:00"}

    result = runner.invoke(cli, ["normalize", write_jsonl(tmp_path, [naive]), "--format", "canonical"])

    assert result.exit_code == 1
    assert "invalid_timestamp: occurred_at:" in result.output
    assert "(rule: offset_required)" in result.output


def test_ingest_then_quarantine_show_and_order(runner: CliRunner, tmp_path: Path) -> None:
    events = shipped_order("SO-20000003", PLACED)
    path = write_jsonl(tmp_path, events, [b"{broken"])

    ingested = runner.invoke(cli, ["ingest", path, "--format", "canonical"])

    assert ingested.exit_code == 0, ingested.output
    assert "15 events loaded, 0 duplicates, 1 quarantined" in ingested.output
    listed = runner.invoke(cli, ["quarantine", "list", "--source", "canonical:cli"])
    assert "malformed_payload" in listed.output
    quarantine_id = next(line for line in listed.output.splitlines() if line.startswith("#")).split()[0][1:]
    shown = runner.invoke(cli, ["quarantine", "show", quarantine_id])
    assert "{broken" in shown.output and "rule: json" in shown.output
    order = runner.invoke(cli, ["order", "SO-20000003", "--json"])
    document = json.loads(order.output)
    assert document["state"]["stage"] == "delivered"
    assert [e["event_type"] for e in document["timeline"]][:2] == ["ORDER_RECEIVED", "ORDER_ALLOCATED"]
    again = runner.invoke(cli, ["ingest", path, "--format", "canonical"])
    assert "0 events loaded, 15 duplicates, 1 quarantined" in again.output


def test_replay_without_a_selection_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["quarantine", "replay"])

    assert result.exit_code == 2
    assert "give quarantine ids, --source or --reason" in result.output
