"""The canonical event stream: `event` partitioned by UTC month (with the function that keeps
partitions ahead and a default partition), identities in `event_key`, the schema registry."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("event_pk", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("occurred_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("event_type", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("schema_version", sa.SmallInteger(), nullable=False),
        sa.Column("local_time", postgresql.TIMESTAMP(), nullable=True),
        sa.Column("time_zone", sa.String(), nullable=True),
        sa.Column("utc_offset_minutes", sa.SmallInteger(), nullable=True),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("facility_id", sa.String(), nullable=True),
        sa.Column("shipment_id", sa.String(), nullable=True),
        sa.Column("carrier", sa.String(), nullable=True),
        sa.Column("tracking_number", sa.String(), nullable=True),
        sa.Column("sequence", sa.BigInteger(), nullable=True),
        sa.Column("attributes", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("flags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("received_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column(
            "loaded_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("raw_id", sa.BigInteger(), nullable=True),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("event_pk", "occurred_at", name=op.f("pk_event")),
        postgresql_partition_by="RANGE (occurred_at)",
    )
    op.create_index("ix_event_order_occurred", "event", ["order_id", "occurred_at"], unique=False)
    op.create_index("ix_event_type_occurred", "event", ["event_type", "occurred_at"], unique=False)
    op.create_table(
        "event_key",
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("semantic_key", sa.LargeBinary(), nullable=True),
        sa.Column("occurred_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "event_id", name=op.f("pk_event_key")),
    )
    op.create_index("uq_event_key_semantic", "event_key", ["semantic_key"], unique=True)
    op.create_table(
        "event_schema",
        sa.Column("event_type", sa.String(), nullable=False),
        sa.Column("version", sa.SmallInteger(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("customer_text", sa.String(), nullable=False),
        sa.Column("internal_text", sa.String(), nullable=False),
        sa.Column("attributes_schema", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column(
            "registered_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "severity IN ('info', 'warning', 'critical')", name=op.f("ck_event_schema_severity")
        ),
        sa.CheckConstraint(
            "stage IN ('fulfillment', 'carrier', 'post_delivery')", name=op.f("ck_event_schema_stage")
        ),
        sa.PrimaryKeyConstraint("event_type", "version", name=op.f("pk_event_schema")),
    )
    op.execute(ENSURE_EVENT_PARTITIONS)
    # Rows outside every monthly partition (a clock in 1970, a typo year) land here instead of failing
    # a whole batch; the data-quality rules report them.
    op.execute("CREATE TABLE event_default PARTITION OF event DEFAULT")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS waypoint_ensure_event_partitions(date, date)")
    op.drop_table("event_schema")
    op.drop_index("uq_event_key_semantic", table_name="event_key")
    op.drop_table("event_key")
    op.drop_index("ix_event_type_occurred", table_name="event")
    op.drop_index("ix_event_order_occurred", table_name="event")
    op.drop_table("event")


# Monthly partitions are bounded by UTC month starts, whatever the session's TimeZone is.
ENSURE_EVENT_PARTITIONS = """
CREATE OR REPLACE FUNCTION waypoint_ensure_event_partitions(first_month date, last_month date)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    month_start date := date_trunc('month', first_month)::date;
    partition_name text;
    created integer := 0;
BEGIN
    WHILE month_start <= last_month LOOP
        partition_name := 'event_' || to_char(month_start, 'YYYY_MM');
        IF to_regclass(partition_name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF event FOR VALUES FROM (%L) TO (%L)',
                partition_name,
                month_start::timestamp AT TIME ZONE 'UTC',
                (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC'
            );
            created := created + 1;
        END IF;
        month_start := (month_start + interval '1 month')::date;
    END LOOP;
    RETURN created;
END
$$
"""
