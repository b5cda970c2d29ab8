"""A real local HTTP server that records the webhooks it receives (path, headers, raw body)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Receiver:
    """What the server received, and how it answers (status per carrier, delay before answering)."""

    url: str = ""
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    status_for: dict[str, int] = field(default_factory=dict)
    delay_seconds: float = 0.0

    def carrier_posts(self, carrier: str) -> list[dict]:
        return [json.loads(body) for path, _, body in self.received if path == f"/webhooks/{carrier}"]

    def reset(self) -> None:
        self.received.clear()
        self.status_for.clear()
        self.delay_seconds = 0.0


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            time.sleep(state.delay_seconds)
            self.send_response(state.status_for.get(self.path.rsplit("/", 1)[-1], 204))
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
