"""`GET /healthz`: the service is up and its database answers (200), or it does not (503)."""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

log = structlog.get_logger(__name__)
router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    try:
        await run_in_threadpool(_ping, request.app.state.engine)
    except SQLAlchemyError as error:
        log.warning("healthz.database_unreachable", error=f"{type(error).__name__}: {error}"[:300])
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok"})


def _ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
