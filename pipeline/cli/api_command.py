"""`waypoint api`: the API service (carrier webhooks, /healthz, /metrics) under uvicorn."""

from __future__ import annotations

import click

from db.server import database_url
from pipeline.settings import get_settings


@click.command()
@click.option("--port", type=int, default=None, help="Port to listen on (default: WAYPOINT_API_PORT, 8000).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
def api(port: int | None, host: str) -> None:
    """Serve the API: POST /webhooks/<carrier_id> lands carrier webhooks in the inbox, GET /healthz, GET
    /metrics (Prometheus). Uses DATABASE_URL, or the embedded PostgreSQL when it is unset."""
    import uvicorn

    from api.app import create_app

    settings = get_settings()
    with database_url(settings) as url:
        # No access log: every webhook is already counted per source (source_counter, /metrics).
        uvicorn.run(
            create_app(url),
            host=host,
            port=port or settings.api_port,
            log_level=settings.log_level.lower(),
            access_log=False,
        )
