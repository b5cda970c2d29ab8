"""`waypoint exceptions list|show|act` against a private database, through the same action service."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from db.engine import make_engine
from pipeline.cli.main import cli
from pipeline.exceptions.detector import detect_exceptions
from tests.pipeline.exceptions.streams import carrier_event, load, order_until, pick_short

PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)


@pytest.fixture
def queued(runner: CliRunner, fresh_database_url: str) -> dict[str, int]:
    engine = make_engine(fresh_database_url, pool_size=1)
    load(engine, [*order_until("SO-50000001", PLACED, "ITEM_PICKED"), pick_short("SO-50000001", PLACED)])
    lost = carrier_event(
        "LOST", "SO-50000002", PLACED + timedelta(days=6), tracking_number="1Z999AA10000000002"
    )
    load(
        engine,
        [*order_until("SO-50000002", PLACED, "DEPARTED_HUB", tracking_number="1Z999AA10000000002"), lost],
    )
    detect_exceptions(engine, now=PLACED + timedelta(hours=1))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO app_user (username, display_name, role) VALUES"
                " ('supervisor', 'Test supervisor', 'supervisor'), ('manager', 'Test manager', 'manager')"
            )
        )
        ids = dict(conn.execute(text("SELECT order_id, exception_id FROM order_exception")).all())
    engine.dispose()
    return ids


def test_list_puts_the_most_urgent_first(runner: CliRunner, queued: dict[str, int]) -> None:
    result = runner.invoke(cli, ["exceptions", "list", "--json"])

    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["order_id"], r["severity"]) for r in rows] == [
        ("SO-50000002", "critical"),
        ("SO-50000001", "high"),
    ]
    filtered = runner.invoke(cli, ["exceptions", "list", "--type", "PICK_SHORT"])
    assert "SO-50000001" in filtered.output and "SO-50000002" not in filtered.output


def test_act_goes_through_the_action_service_and_show_tells_the_story(
    runner: CliRunner, queued: dict[str, int]
) -> None:
    exception_id = queued["SO-50000001"]

    acted = runner.invoke(
        cli,
        [
            "exceptions",
            "act",
            str(exception_id),
            "resolve",
            "--as",
            "supervisor",
            "--note",
            "Counted the bin: stock found",
        ],
    )
    shown = runner.invoke(cli, ["exceptions", "show", str(exception_id)])

    assert acted.exit_code == 0, acted.output
    assert "state open -> resolved" in acted.output
    assert "supervisor (supervisor): resolve — Counted the bin: stock found" in shown.output
    assert "PICK_SHORT (inventory_mismatch), high, resolved" in shown.output


def test_a_role_that_may_not_act_gets_the_reason(runner: CliRunner, queued: dict[str, int]) -> None:
    result = runner.invoke(
        cli, ["exceptions", "act", str(queued["SO-50000002"]), "resolve", "--as", "manager", "--note", "x"]
    )

    assert result.exit_code == 1
    assert "the manager role may not resolve" in result.output


def test_act_needs_exactly_one_actor(runner: CliRunner, queued: dict[str, int]) -> None:
    result = runner.invoke(cli, ["exceptions", "act", str(queued["SO-50000002"]), "assign_to_me"])
    assert result.exit_code == 2 and "--as USERNAME or --automation PLAYBOOK" in result.output
