"""The simulator's HTTP app on a real local server (uvicorn in a thread), filled with the sample world."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from simulator.http_api import create_app
from tests.simulator.sample_world import sample_truth
from tests.simulator.source_db import fill, source_databases

TOKEN = "store-token-for-tests"


@contextmanager
def serving(app) -> Iterator[str]:  # noqa: ANN001 - an ASGI app
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the simulator's HTTP server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def simulator_api(server_url: str) -> Iterator[tuple[str, str]]:
    """(base URL of the running API, main URL whose source databases it reads)."""
    with source_databases(server_url) as main_url:
        fill(main_url, sample_truth())
        with serving(create_app(main_url, store_api_token=TOKEN)) as base_url:
            yield base_url, main_url
