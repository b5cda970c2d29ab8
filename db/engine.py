"""The one engine factory. Engines are made by the caller and passed in; nothing connects at import."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.engine import URL


def sqlalchemy_url(database_url: str) -> URL:
    """`postgresql://…` as people write it, with the psycopg 3 driver SQLAlchemy needs."""
    url = make_url(database_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def libpq_url(database_url: str) -> str:
    """The same URL without a SQLAlchemy driver suffix, for psycopg, connectorx and tools."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def make_engine(database_url: str, *, pool_size: int = 5, application_name: str = "waypoint") -> Engine:
    return create_engine(
        sqlalchemy_url(database_url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"application_name": application_name},
    )


def sibling_database_url(database_url: str, database: str) -> str:
    """A URL for another database on the same server (the simulator's source systems live there)."""
    return make_url(database_url).set(database=database).render_as_string(hide_password=False)


def ensure_database(database_url: str, *, template: str | None = None) -> bool:
    """Create the database named in `database_url` if missing. Returns True when it was created."""
    url = make_url(database_url)
    name = url.database
    admin = create_engine(sqlalchemy_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists:
                return False
            quoted = conn.dialect.identifier_preparer.quote(name)
            clause = f" TEMPLATE {conn.dialect.identifier_preparer.quote(template)}" if template else ""
            conn.execute(text(f"CREATE DATABASE {quoted}{clause}"))
            return True
    finally:
        admin.dispose()


def drop_database(database_url: str) -> None:
    """Drop the database named in `database_url`, ending its sessions first (throwaway test databases)."""
    url = make_url(database_url)
    admin = create_engine(sqlalchemy_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            quoted = conn.dialect.identifier_preparer.quote(url.database)
            conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
    finally:
        admin.dispose()
