"""The simulated source systems' HTTP APIs in one app: store allocation tool, carrier tracking, helpdesk,
and the SMS provider Waypoint sends customer texts through.

`create_app(main_database_url)` reads the tables the source systems fill (simulator.sources); the
engine is created in the app's lifespan, never at import. `waypoint simulate live` serves it with
uvicorn on settings.sim_port. `/_sim/faults` makes routes fail on purpose (see simulator.http.faults).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from db.engine import make_engine
from pipeline.settings import get_settings
from simulator.databases import sim_database_url
from simulator.http import carrier_api, faults, helpdesk_api, partner_api, sms_api, store_api

UNSET = object()


def create_app(main_database_url: str, *, store_api_token: str | None | object = UNSET) -> FastAPI:
    """The app; `store_api_token` defaults to settings.sim_store_api_token (None: no token required)."""
    token = get_settings().sim_store_api_token if store_api_token is UNSET else store_api_token

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(sim_database_url(main_database_url), application_name="waypoint-sim-api")
        app.state.sim_engine = engine
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(title="Waypoint simulated source systems", lifespan=lifespan)
    app.state.faults = faults.FaultInjector()
    app.state.store_api_token = token
    sms_key = get_settings().sms_api_key
    app.state.sms_api_key = sms_key.get_secret_value() if sms_key else None
    app.middleware("http")(faults.apply_faults)
    for module in (store_api, carrier_api, partner_api, helpdesk_api, sms_api, faults):
        app.include_router(module.router)
    return app
