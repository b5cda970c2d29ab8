"""The API service: carrier webhooks, /healthz and /metrics; later issues add the tracking API.

`create_app(database_url)` builds the app; the engine is created in the lifespan, never at import, and
disposed at shutdown. More routers (the tracking API) are passed in `routers` or included by the caller.
`waypoint api` serves it with uvicorn on settings.api_port.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from api import health, metrics, webhooks
from db.engine import make_engine
from db.master_data import carriers
from pipeline.settings import get_settings

UNSET: object = object()


def create_app(
    database_url: str,
    *,
    webhook_secret: str | None | object = UNSET,
    routers: Sequence[APIRouter] = (),
    pool_size: int = 10,
) -> FastAPI:
    """The app; `webhook_secret` defaults to settings.webhook_signing_secret (None: webhooks unsigned)."""
    secret = get_settings().webhook_signing_secret if webhook_secret is UNSET else webhook_secret

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(database_url, pool_size=pool_size, application_name="waypoint-api")
        app.state.engine = engine
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(title="Waypoint", lifespan=lifespan)
    app.state.webhook_secret = secret
    app.state.carrier_formats = {carrier.carrier_id: carrier.feed_format for carrier in carriers()}
    for router in (webhooks.router, health.router, metrics.router, *routers):
        app.include_router(router)
    return app
