"""The simulator's own tables in the `sim` schema of the simulator database: the world's state and clock,
rows not yet visible (pending), activity statistics for the dashboard, and the ground truth of every
injected imperfection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

SIM_DDL = """
CREATE SCHEMA IF NOT EXISTS sim;
CREATE TABLE IF NOT EXISTS sim.world (
    world_id smallint PRIMARY KEY DEFAULT 1 CHECK (world_id = 1),
    seed integer NOT NULL,
    orders_per_month integer NOT NULL,
    first_hour timestamptz NOT NULL,
    generated_until timestamptz NOT NULL,
    seeded_until timestamptz NOT NULL,
    clock timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN sim.world.generated_until IS 'Orders placed before this instant have been generated';
COMMENT ON COLUMN sim.world.clock IS 'Rows with available_at <= clock are in the source tables; later ones in sim.pending';
CREATE TABLE IF NOT EXISTS sim.pending (
    pending_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_database text NOT NULL,
    target_table text NOT NULL,
    columns text NOT NULL,
    available_at timestamptz NOT NULL,
    line text NOT NULL
);
COMMENT ON TABLE sim.pending IS 'Source rows of in-flight orders, as COPY CSV lines, moved when the clock passes available_at';
CREATE INDEX IF NOT EXISTS pending_due ON sim.pending (available_at);
CREATE TABLE IF NOT EXISTS sim.pending_activity (
    available_at timestamptz NOT NULL,
    source text NOT NULL,
    facility_id text NOT NULL,
    events integer NOT NULL
);
CREATE INDEX IF NOT EXISTS pending_activity_due ON sim.pending_activity (available_at);
CREATE TABLE IF NOT EXISTS sim.activity_total (
    source text NOT NULL,
    facility_id text NOT NULL,
    events_total bigint NOT NULL,
    last_event_at timestamptz NOT NULL,
    PRIMARY KEY (source, facility_id)
);
COMMENT ON COLUMN sim.activity_total.facility_id IS 'Empty string when the source has no facility';
CREATE TABLE IF NOT EXISTS sim.activity_minute (
    minute timestamptz NOT NULL,
    source text NOT NULL,
    facility_id text NOT NULL,
    events integer NOT NULL,
    PRIMARY KEY (minute, source, facility_id)
);
CREATE TABLE IF NOT EXISTS sim.injected_anomaly (
    anomaly_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL,
    source text NOT NULL,
    ref text NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}',
    occurred_at timestamptz,
    available_at timestamptz
);
COMMENT ON TABLE sim.injected_anomaly IS 'Ground truth: every imperfection the simulator injected (kind, source, ref = record_uid or sku)';
CREATE INDEX IF NOT EXISTS injected_anomaly_kind ON sim.injected_anomaly (kind);
CREATE INDEX IF NOT EXISTS injected_anomaly_ref ON sim.injected_anomaly (ref);
"""


@dataclass(frozen=True)
class WorldState:
    seed: int
    orders_per_month: int
    first_hour: datetime
    generated_until: datetime
    seeded_until: datetime
    clock: datetime


def read_world(sim_conn: psycopg.Connection) -> WorldState | None:
    row = sim_conn.execute(
        "SELECT seed, orders_per_month, first_hour, generated_until, seeded_until, clock FROM sim.world"
    ).fetchone()
    if row is None:
        return None
    seed, volume, *instants = row
    return WorldState(seed, volume, *(instant.astimezone(UTC) for instant in instants))


def write_world(sim_conn: psycopg.Connection, state: WorldState) -> None:
    """Upsert the world row. The caller owns the transaction (write it last: it marks the batch complete)."""
    sim_conn.execute(
        """
        INSERT INTO sim.world (world_id, seed, orders_per_month, first_hour, generated_until, seeded_until, clock)
        VALUES (1, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (world_id) DO UPDATE SET
            seed = EXCLUDED.seed, orders_per_month = EXCLUDED.orders_per_month,
            first_hour = EXCLUDED.first_hour, generated_until = EXCLUDED.generated_until,
            seeded_until = EXCLUDED.seeded_until, clock = EXCLUDED.clock, updated_at = now()
        """,
        (
            state.seed,
            state.orders_per_month,
            state.first_hour,
            state.generated_until,
            state.seeded_until,
            state.clock,
        ),
    )
