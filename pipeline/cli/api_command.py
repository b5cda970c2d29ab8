"""`waypoint api`: the API service under uvicorn; `waypoint api token ORDER_ID` issues a tracking link."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from db.server import database_url
from pipeline.settings import get_settings


@click.group(invoke_without_command=True)
@click.option("--port", type=int, default=None, help="Port to listen on (default: WAYPOINT_API_PORT, 8000).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.pass_context
def api(ctx: click.Context, port: int | None, host: str) -> None:
    """Serve the API: GET /v1/tracking/<order_id> and /v1/tracking/t/<token> (customer tracking),
    /v1/address-confirmations/<token>, GET /v1/internal/orders/<order_id> (support, HTTP Basic), POST
    /webhooks/<carrier_id> (carrier webhooks), GET /healthz, GET /metrics; OpenAPI at /docs. Uses
    DATABASE_URL, or the embedded PostgreSQL when it is unset."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from api.app import create_app

    settings = get_settings()
    with database_url(settings) as url:
        # No access log: every webhook is already counted per source (source_counter, /metrics). No proxy
        # headers: whether X-Forwarded-For names the client is settings.api_trust_forwarded_for's call alone.
        uvicorn.run(
            create_app(url),
            host=host,
            port=port or settings.api_port,
            log_level=settings.log_level.lower(),
            access_log=False,
            proxy_headers=False,
        )


@api.command()
@click.argument("order_id")
def token(order_id: str) -> None:
    """Print a signed tracking link for ORDER_ID (valid WAYPOINT_TRACKING_TOKEN_TTL_DAYS, below
    WAYPOINT_PUBLIC_BASE_URL): whoever has it sees the order's tracking page without its email."""
    from sqlalchemy import text

    from api.tracking_tokens import issue_tracking_link
    from db.engine import make_engine

    settings = get_settings()
    with database_url(settings) as url:
        engine = make_engine(url, pool_size=1)
        try:
            with engine.connect() as conn:
                known = conn.execute(
                    text("SELECT 1 FROM order_state WHERE order_id = :o"), {"o": order_id}
                ).first()
        finally:
            engine.dispose()
    if known is None:
        raise click.ClickException(f"order_id: no order {order_id!r} (rule: exists)")
    link, expires_at = issue_tracking_link(order_id, settings, datetime.now(UTC))
    click.echo(link)
    click.echo(f"valid until {expires_at:%Y-%m-%d %H:%M} UTC", err=True)
