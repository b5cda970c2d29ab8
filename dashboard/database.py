"""The app's database engines: one pool per database URL and server process, made on first use.

Nothing connects at import. The main database URL is DATABASE_URL (`waypoint run` sets it for the
app); the simulated source systems' database sits beside it on the same server.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from db.engine import make_engine
from pipeline.settings import get_settings
from simulator.databases import sim_database_url


class DatabaseNotConfigured(RuntimeError):
    """DATABASE_URL is unset: the app does not start a database of its own."""


DATABASE_TROUBLE = (SQLAlchemyError, DatabaseNotConfigured)
"""What a page catches to say "the database cannot be reached" instead of showing a traceback."""


def main_database_url() -> str:
    url = get_settings().database_url
    if not url:
        raise DatabaseNotConfigured(
            "DATABASE_URL is not set. Start everything with `waypoint run`, or set DATABASE_URL to "
            "Waypoint's PostgreSQL database before `streamlit run dashboard/app.py`."
        )
    return url


@st.cache_resource(show_spinner=False)
def engine_for(url: str) -> Engine:
    """One pool per database URL, shared by every session of this server process."""
    return make_engine(url, pool_size=4, application_name="waypoint-app")


def main_engine() -> Engine:
    return engine_for(main_database_url())


def simulator_database_url() -> str:
    return sim_database_url(main_database_url())
