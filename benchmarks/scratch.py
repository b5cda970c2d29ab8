"""A scratch PostgreSQL database for a benchmark: on DATABASE_URL's server, else an embedded one."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import make_url

from db import embedded
from db.engine import drop_database, ensure_database, sibling_database_url
from pipeline.bootstrap import prepare_database
from simulator.databases import SOURCE_DATABASE_SUFFIXES


@contextmanager
def scratch_database(*, prepared: bool = True) -> Iterator[str]:
    external = os.environ.get("DATABASE_URL")
    workdir: Path | None = None
    if external:
        server = make_url(external).set(database="postgres").render_as_string(hide_password=False)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="wp-bench-"))
        server = embedded.start(workdir / "pg").database_url("postgres")
    url = sibling_database_url(server, f"wp_bench_{uuid.uuid4().hex[:8]}")
    ensure_database(url)
    try:
        if prepared:
            prepare_database(url)
        yield url
    finally:
        name = make_url(url).database
        for suffix in ("", *SOURCE_DATABASE_SUFFIXES):
            drop_database(sibling_database_url(url, f"{name}{suffix}"))
        if workdir is not None:
            embedded.stop(workdir / "pg")
            shutil.rmtree(workdir, ignore_errors=True)
