"""Start Waypoint's processes, watch them, and stop every one of them on Ctrl-C.

Each child runs in its own session (process group), so the terminal's Ctrl-C reaches only
`waypoint run`, which then stops the children in reverse start order — politely first (SIGTERM),
then firmly (SIGKILL to the whole group) — and only then lets PostgreSQL go.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx
import structlog

from pipeline.settings import PROJECT_ROOT

log = structlog.get_logger(__name__)


@dataclass
class Child:
    name: str
    argv: Sequence[str]
    env: dict[str, str]
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        # From the project root: Streamlit reads .streamlit/ from its working directory.
        self.process = subprocess.Popen(
            list(self.argv), env=self.env, cwd=PROJECT_ROOT, start_new_session=True
        )
        log.info("process.started", process=self.name, pid=self.process.pid)

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        group = os.getpgid(self.process.pid)
        os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.warning("process.kill", process=self.name, reason=f"no exit {timeout:.0f}s after SIGTERM")
        # Grandchildren (a server's workers) share the group: make sure none outlives its parent.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self.process.wait()
        log.info("process.stopped", process=self.name, returncode=self.process.returncode)


class Supervisor:
    def __init__(self) -> None:
        self.children: list[Child] = []
        self._stopping = False

    def start(self, child: Child) -> Child:
        child.start()
        self.children.append(child)
        return child

    def request_stop(self, *_: object) -> None:
        self._stopping = True

    def wait(self, poll_seconds: float = 0.5) -> str | None:
        """Block until asked to stop or until a child dies; returns the name of a child that died."""
        while not self._stopping:
            for child in self.children:
                if child.exited() is not None:
                    log.error("process.exited", process=child.name, returncode=child.exited())
                    return child.name
            time.sleep(poll_seconds)
        return None

    def stop_all(self) -> None:
        for child in reversed(self.children):
            child.stop()


def install_signal_handlers(handler: Callable[..., None]) -> None:
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def wait_until_healthy(url: str, child: Child, timeout: float = 120.0) -> bool:
    """Poll a health URL until it answers 200, the child dies, or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.exited() is not None:
            return False
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False
