"""Failure injection for resilience tests: make the next N requests under a path answer badly.

`POST /_sim/faults` arms a fault for a path prefix: `error` answers with the given status (500 by
default), `rate_limit` with 429 and a Retry-After header, `timeout` holds the request for
`delay_seconds` and then answers 504, as a stalled upstream behind a gateway does. Each fault is
used up after `count` requests. `GET /_sim/faults` lists the armed faults, `DELETE /_sim/faults`
clears them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

FaultMode = Literal["error", "timeout", "rate_limit"]


class FaultRequest(BaseModel):
    path_prefix: str = Field(pattern=r"^/", description="Requests whose path starts with this are affected")
    mode: FaultMode = "error"
    count: int = Field(default=1, ge=1, le=10_000)
    status: int = Field(default=500, ge=400, le=599, description="Status of `error` answers")
    delay_seconds: float = Field(default=30.0, ge=0, le=600, description="How long `timeout` holds a request")


@dataclass
class Fault:
    path_prefix: str
    mode: FaultMode
    remaining: int
    status: int
    delay_seconds: float


class FaultInjector:
    """The armed faults of one app; safe to use from the server's threads."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def arm(self, request: FaultRequest) -> Fault:
        fault = Fault(request.path_prefix, request.mode, request.count, request.status, request.delay_seconds)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, path: str) -> Fault | None:
        """The first armed fault matching `path`, used once (None when the request should go through)."""
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.path_prefix):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def armed(self) -> list[Fault]:
        with self._lock:
            return [Fault(**vars(fault)) for fault in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


async def apply_faults(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """HTTP middleware: answer from an armed fault instead of the route when one matches."""
    if request.url.path.startswith("/_sim/"):
        return await call_next(request)
    fault = request.app.state.faults.take(request.url.path)
    if fault is None:
        return await call_next(request)
    if fault.mode == "rate_limit":
        return JSONResponse({"error": "rate limit exceeded"}, status_code=429, headers={"Retry-After": "1"})
    if fault.mode == "timeout":
        await asyncio.sleep(fault.delay_seconds)
        return JSONResponse({"error": "upstream timed out"}, status_code=504)
    return JSONResponse({"error": "injected failure"}, status_code=fault.status)


router = APIRouter(prefix="/_sim", tags=["simulator control"])


@router.post("/faults", status_code=status.HTTP_201_CREATED)
def arm_fault(body: FaultRequest, request: Request) -> dict:
    return vars(request.app.state.faults.arm(body))


@router.get("/faults")
def list_faults(request: Request) -> dict:
    return {"faults": [vars(fault) for fault in request.app.state.faults.armed()]}


@router.delete("/faults", status_code=status.HTTP_204_NO_CONTENT)
def clear_faults(request: Request) -> None:
    request.app.state.faults.clear()


@router.get("/health")
def health() -> dict:
    return {"status": "ok"}
