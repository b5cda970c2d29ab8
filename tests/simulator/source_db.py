"""Throwaway source databases for the source-system tests, filled the way the engine fills them:
each system's DDL, then its rendered rows as COPY CSV lines (simulator.row_lines), in available_at order."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl
import psycopg
from psycopg import sql

from db.engine import drop_database, ensure_database, libpq_url, sibling_database_url
from simulator.databases import WMS_FACILITIES, sim_database_url, wms_database_url
from simulator.row_lines import copy_payload, csv_lines
from simulator.sim_schema import SIM_DDL
from simulator.sources import SourceSystem, source_systems


def database_urls(main_url: str) -> dict[str, str]:
    urls = {f"wms:{facility_id}": wms_database_url(main_url, facility_id) for facility_id in WMS_FACILITIES}
    urls["sim"] = sim_database_url(main_url)
    return urls


def copy_frame(conn: psycopg.Connection, table: str, frame: pl.DataFrame) -> None:
    schema, _, name = table.partition(".")
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(schema, name), sql.SQL(", ").join(sql.Identifier(c) for c in frame.columns)
    )
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(copy_payload(csv_lines(frame)))


def fill(main_url: str, truth: pl.DataFrame, systems: list[SourceSystem] | None = None) -> None:
    """Render `truth` with every system and write the rows, oldest available first, committing."""
    urls = database_urls(main_url)
    for system in systems or source_systems():
        with psycopg.connect(libpq_url(urls[system.database])) as conn:
            for rendered in system.render(truth):
                if rendered.rows.height:
                    copy_frame(conn, rendered.table, rendered.rows.sort("available_at", maintain_order=True))


@contextmanager
def source_databases(server_url: str) -> Iterator[str]:
    """Create the source databases of a fresh (never created) main database name; yield that main URL."""
    main_url = sibling_database_url(server_url, f"wp_src_{uuid.uuid4().hex[:10]}")
    urls = database_urls(main_url)
    try:
        for url in urls.values():
            ensure_database(url)
        with psycopg.connect(libpq_url(urls["sim"])) as conn:
            conn.execute(SIM_DDL)
        for system in source_systems():
            with psycopg.connect(libpq_url(urls[system.database])) as conn:
                conn.execute(system.ddl)
        yield main_url
    finally:
        for url in urls.values():
            drop_database(url)
