"""Which PostgreSQL a process talks to: DATABASE_URL when set, else the embedded server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from db import embedded
from pipeline.settings import Settings

EMBEDDED_DATABASE = "waypoint"


@contextmanager
def database_url(settings: Settings, *, keep_running: bool = False) -> Iterator[str]:
    """Yield the main database URL.

    With DATABASE_URL unset, the embedded server under `data_dir/pg` is started (or joined, when
    `waypoint run` already started it). A server this call started is stopped on exit unless
    `keep_running` is set; a server someone else started is left alone.
    """
    if settings.database_url:
        yield settings.database_url
        return
    pgdata = settings.data_dir / "pg"
    was_running = (pgdata / "postmaster.pid").exists()
    server = embedded.start(pgdata)
    url = server.database_url(EMBEDDED_DATABASE)
    from db.engine import ensure_database

    ensure_database(url)
    try:
        yield url
    finally:
        if not was_running and not keep_running:
            embedded.stop(pgdata)
