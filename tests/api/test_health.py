"""GET /healthz answers 200 while the database answers, 503 when it does not."""

from __future__ import annotations

import httpx

from api.app import create_app
from tests.api.live_server import free_port, live_server


def test_healthz_is_ok_while_the_database_answers(api_database_url: str) -> None:
    with live_server(create_app(api_database_url, webhook_secret=None)) as url:
        response = httpx.get(f"{url}/healthz", timeout=10)

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_healthz_is_503_when_the_database_is_unreachable() -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/waypoint?connect_timeout=2"
    with live_server(create_app(nowhere, webhook_secret=None)) as url:
        response = httpx.get(f"{url}/healthz", timeout=10)

    assert (response.status_code, response.json()["status"]) == (503, "unavailable")
