"""Alembic environment. The URL comes from the caller (`db.migrate.upgrade`) or from DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from db.engine import sqlalchemy_url
from db.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("database_url")
    if url is None:
        from pipeline.settings import get_settings

        url = get_settings().database_url
    if url is None:
        raise RuntimeError("No database URL: set DATABASE_URL or run through `waypoint db upgrade`.")
    return sqlalchemy_url(url).render_as_string(hide_password=False)


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config({"sqlalchemy.url": _url()}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("Offline migrations are not supported; run `waypoint db upgrade`.")
run_migrations_online()
