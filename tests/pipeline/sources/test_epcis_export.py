"""Exporting an order as EPCIS 2.0: a valid document that imports back into the same events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from sqlalchemy import Engine, make_url, text

from db.engine import ensure_database, make_engine, sibling_database_url
from pipeline.cli.main import cli
from pipeline.drain import drain_batch
from pipeline.inbox import Arrival, land
from pipeline.schema_formats import FORMAT_CHECKER
from pipeline.settings import get_settings
from pipeline.sources.epcis import land_epcis_document
from pipeline.sources.epcis_export import order_document
from pipeline.sources.epcis_vocabulary import SCHEMA_FILE, step_table
from pipeline.taxonomy import Stage, latest_definitions
from tests.canonical_factory import REGISTRY, ZONES, canonical_event
from tests.conftest import drop_with_sources

ORDER = "SO-00077001"
START = datetime(2026, 10, 31, 20, 0, tzinfo=UTC)
FOLD = datetime(2026, 11, 1, 8, 30, 10, tzinfo=UTC)  # 01:30:10 PDT in Reno, a wall time that happens twice
COMPARED = ("event_type", "occurred_at", "order_id", "facility_id", "shipment_id", "carrier", "tracking_number",
            "attributes", "flags", "local_time", "time_zone", "utc_offset_minutes")  # fmt: skip


def order_history() -> list[dict]:
    """One event of every registered type for one order, each where it would happen."""
    events = []
    for minutes, event_type in enumerate(sorted(latest_definitions())):
        at = FOLD if event_type == "PICK_STARTED" else START + timedelta(minutes=37 * minutes)
        event = canonical_event(
            event_type, ORDER, at, shipment_id=f"{ORDER}-1", tracking_number="1Z999AA10000077001"
        )
        stage = latest_definitions()[event_type].stage
        if event_type in ("READY_FOR_STORE_PICKUP", "CUSTOMER_PICKED_UP"):
            event["facility_id"] = "ST-022"
        elif stage != Stage.POST_DELIVERY or event_type == "RETURN_RECEIVED":
            event["facility_id"] = "DC-RNO"
        events.append(event)
    return events


def load(engine: Engine, arrival: Arrival) -> None:
    with engine.begin() as conn:
        land(conn, arrival)
        report = drain_batch(conn, REGISTRY, ZONES)
    assert report.quarantined == 0


def stored(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT {', '.join(COMPARED)} FROM event WHERE order_id = :order ORDER BY occurred_at, event_type"
            ),  # noqa: S608 - constant column list
            {"order": ORDER},
        )
        return [tuple(row) for row in rows]


@pytest.fixture
def history(fresh_engine: Engine) -> Engine:
    load(fresh_engine, Arrival("canonical:test", "\n".join(json.dumps(e) for e in order_history()).encode()))
    return fresh_engine


@pytest.fixture
def second_engine(template_url: str) -> Iterator[Engine]:
    url = sibling_database_url(template_url, f"{make_url(template_url).database}_import")
    ensure_database(url, template=make_url(template_url).database)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        drop_with_sources(url)


def test_the_export_is_a_valid_epcis_2_document_of_the_supply_chain_events(history: Engine) -> None:
    with history.connect() as conn:
        document = order_document(conn, ORDER, now=datetime(2026, 11, 20, tzinfo=UTC))

    schema = json.loads(SCHEMA_FILE.read_text())
    Draft202012Validator(schema, format_checker=FORMAT_CHECKER).validate(document)
    events = document["epcisBody"]["eventList"]
    assert len(events) == len(step_table().exports) == len(latest_definitions()) - 5
    assert document["creationDate"] == "2026-11-20T00:00:00Z"
    pick = next(e for e in events if e["bizStep"] == "picking" and e.get("disposition") == "in_progress")
    assert (pick["eventTime"], pick["eventTimeZoneOffset"]) == ("2026-11-01T01:30:10-07:00", "-07:00")
    assert pick["bizLocation"] == {"id": "urn:epc:id:sgln:0860004.00010.0"}
    assert pick["bizTransactionList"] == [
        {"type": "po", "bizTransaction": f"urn:epcglobal:cbv:bt:0860004000006:{ORDER}"}
    ]
    assert pick["wp:flags"] == ["dst_fold"]
    steps = {e["bizStep"] for e in events}
    assert {"shipping", "departing", "arriving", "receiving", "packing", "staging_outbound"} <= steps


def test_an_exported_order_imported_into_a_fresh_database_gives_the_same_events(
    history: Engine, second_engine: Engine
) -> None:
    with history.connect() as conn:
        body = json.dumps(order_document(conn, ORDER)).encode()
    with second_engine.begin() as conn:
        land_epcis_document(conn, body, "waypoint")
        report = drain_batch(conn, REGISTRY, ZONES)

    exported = [row for row in stored(history) if row[0] in step_table().exports]
    assert report.quarantined == 0 and len(exported) == len(step_table().exports)
    assert stored(second_engine) == exported
    with second_engine.connect() as conn:
        assert set(conn.execute(text("SELECT DISTINCT source FROM event")).scalars()) == {"epcis:waypoint"}


def test_exporting_again_gives_the_same_event_ids(history: Engine) -> None:
    with history.connect() as conn:
        first, second = order_document(conn, ORDER), order_document(conn, ORDER)

    assert [e["eventID"] for e in first["epcisBody"]["eventList"]] == [
        e["eventID"] for e in second["epcisBody"]["eventList"]
    ]


@pytest.fixture
def runner(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_waypoint_export_epcis_writes_the_document_to_a_file_or_stdout(
    runner: CliRunner, fresh_engine: Engine, tmp_path: Path
) -> None:
    load(
        fresh_engine,
        Arrival("canonical:test", "\n".join(json.dumps(e) for e in order_history()[:6]).encode()),
    )
    output = tmp_path / "order.jsonld"

    to_file = runner.invoke(cli, ["export", "epcis", "--order", ORDER, "--output", str(output)])
    to_stdout = runner.invoke(cli, ["export", "epcis", "--order", ORDER])
    missing = runner.invoke(cli, ["export", "epcis", "--order", "SO-00000000"])

    assert to_file.exit_code == 0, to_file.output
    written = json.loads(output.read_text())
    assert written["type"] == "EPCISDocument" and len(written["epcisBody"]["eventList"]) == 5
    assert json.loads(to_stdout.stdout)["epcisBody"] == written["epcisBody"]
    assert missing.exit_code == 1 and "no events to export for order 'SO-00000000'" in missing.output
