"""The API service: the customer tracking API, the address-confirmation link, the support view of an
order, carrier webhooks, the SMS provider's delivery receipts, /healthz and /metrics; OpenAPI at /docs.

`create_app(database_url)` builds the app; the engine is created in the lifespan, never at import, and
disposed at shutdown. `settings` (default: the process's) gives the rate limit and the token secret.
More routers are passed in `routers`. `waypoint api` serves it with uvicorn on settings.api_port.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from api import address_confirmation, health, internal_orders, message_receipts, metrics, tracking, webhooks
from api.rate_limit import RateLimiter
from api.tracking_metrics import RouteMetrics
from db.engine import make_engine
from db.master_data import carriers
from pipeline.settings import Settings, get_settings

UNSET: object = object()


def create_app(
    database_url: str,
    *,
    webhook_secret: str | None | object = UNSET,
    routers: Sequence[APIRouter] = (),
    pool_size: int = 10,
    settings: Settings | None = None,
) -> FastAPI:
    """The app; `webhook_secret` defaults to settings.webhook_signing_secret (None: webhooks unsigned)."""
    settings = settings or get_settings()
    secret = settings.webhook_signing_secret if webhook_secret is UNSET else webhook_secret

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(database_url, pool_size=pool_size, application_name="waypoint-api")
        app.state.engine = engine
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="Waypoint",
        summary="Order tracking for customers, the address-confirmation link, and carrier webhooks",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.rate_limiter = RateLimiter(settings.api_rate_limit_per_minute, settings.api_rate_limit_burst)
    app.state.webhook_secret = secret
    app.state.carrier_formats = {carrier.carrier_id: carrier.feed_format for carrier in carriers()}
    customer = (tracking.router, address_confirmation.router, internal_orders.router)
    for router in (
        *customer,
        webhooks.router,
        message_receipts.router,
        health.router,
        metrics.router,
        *routers,
    ):
        app.include_router(router)
    app.add_middleware(RouteMetrics)
    return app
