"""Initial schema: master data, orders, the partitioned event stream, inbox, quarantine, registry, access.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 17:23:21.729804
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_role",
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("role", name=op.f("pk_app_role")),
    )
    op.create_table(
        "audit_log",
        sa.Column("audit_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("actor_role", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("entity_type", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("correlation_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("audit_id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_entity", "audit_log", ["entity_type", "entity_id", "at"], unique=False)
    op.create_table(
        "carrier",
        sa.Column("carrier_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("feed_format", sa.String(), nullable=False),
        sa.Column("tracking_url", sa.String(), nullable=False),
        sa.CheckConstraint("kind IN ('parcel', 'last_mile')", name=op.f("ck_carrier_kind")),
        sa.PrimaryKeyConstraint("carrier_id", name=op.f("pk_carrier")),
    )
    op.create_table(
        "customer_order",
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("placed_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("promised_delivery_by", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("ship_by", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("destination_postal_code", sa.String(), nullable=True),
        sa.Column("destination_country", sa.String(), nullable=True),
        sa.Column("destination_time_zone", sa.String(), nullable=True),
        sa.Column("customer_email", sa.String(), nullable=True),
        sa.Column("customer_phone", sa.String(), nullable=True),
        sa.Column("customer_phone_digits", sa.String(), nullable=True),
        sa.Column(
            "created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_customer_order")),
    )
    op.create_index(
        "ix_customer_order_email",
        "customer_order",
        [sa.literal_column("lower(customer_email)")],
        unique=False,
    )
    op.create_index("ix_customer_order_phone", "customer_order", ["customer_phone_digits"], unique=False)
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
    op.create_table(
        "facility",
        sa.Column("facility_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("time_zone", sa.String(), nullable=False),
        sa.Column("postal_code", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=False),
        sa.Column("shift_calendar", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.CheckConstraint("kind IN ('dc', 'store')", name=op.f("ck_facility_kind")),
        sa.PrimaryKeyConstraint("facility_id", name=op.f("pk_facility")),
    )
    op.create_table(
        "order_line",
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("line_no", sa.SmallInteger(), nullable=False),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("uom", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", "line_no", name=op.f("pk_order_line")),
    )
    op.create_table(
        "order_state",
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("facility_id", sa.String(), nullable=True),
        sa.Column("facility_changed_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("fulfillment", sa.String(), nullable=True),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("stage_rank", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("status_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("is_terminal", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("on_hold", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("hold_changed_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("stage_entered_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("first_event_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("last_event_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("ship_by", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("promised_delivery_by", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("received_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("allocated_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("released_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("pick_started_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("picked_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("packed_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("labeled_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("staged_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("carrier_pickup_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("out_for_delivery_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("delivered_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("ready_for_pickup_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("picked_up_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("cancelled_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("event_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "updated_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_state")),
    )
    op.create_index(
        "ix_order_state_open_by_stage",
        "order_state",
        ["facility_id", "stage", "stage_entered_at"],
        unique=False,
        postgresql_where=sa.text("NOT is_terminal"),
    )
    op.create_index(
        "ix_order_state_open_ship_by",
        "order_state",
        ["ship_by"],
        unique=False,
        postgresql_where=sa.text("NOT is_terminal"),
    )
    op.create_table(
        "quarantine",
        sa.Column("quarantine_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("raw_id", sa.BigInteger(), nullable=True),
        sa.Column("record_index", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("reason_code", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=True),
        sa.Column("rule", sa.String(), nullable=True),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("record", sa.LargeBinary(), nullable=False),
        sa.Column("lookup_key", sa.String(), nullable=True),
        sa.Column(
            "quarantined_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("replay_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("quarantine_id", name=op.f("pk_quarantine")),
    )
    op.create_index(
        "ix_quarantine_open",
        "quarantine",
        ["source", "quarantined_at"],
        unique=False,
        postgresql_where=sa.text("resolved_at IS NULL"),
    )
    op.create_index(
        "ix_quarantine_parked",
        "quarantine",
        ["lookup_key"],
        unique=False,
        postgresql_where=sa.text("resolved_at IS NULL AND reason_code = 'unmatched_tracking_number'"),
    )
    op.create_table(
        "raw_inbox",
        sa.Column("raw_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column(
            "received_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("correlation_id", sa.String(), nullable=False),
        sa.Column("content_type", sa.String(), server_default="application/json", nullable=False),
        sa.Column("headers", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(), server_default="pending", nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("processed_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'done', 'failed')", name=op.f("ck_raw_inbox_status")),
        sa.PrimaryKeyConstraint("raw_id", name=op.f("pk_raw_inbox")),
    )
    op.create_index(
        "ix_raw_inbox_pending",
        "raw_inbox",
        ["raw_id"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "shipment",
        sa.Column("shipment_id", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("facility_id", sa.String(), nullable=True),
        sa.Column("carrier_id", sa.String(), nullable=True),
        sa.Column("service_code", sa.String(), nullable=True),
        sa.Column("tracking_number", sa.String(), nullable=True),
        sa.Column("label_printed_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("carrier_pickup_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("delivered_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("last_scan_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("status", sa.String(), nullable=True),
        sa.Column("stage_rank", sa.SmallInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("shipment_id", name=op.f("pk_shipment")),
        sa.UniqueConstraint("carrier_id", "tracking_number", name="uq_shipment_carrier_tracking"),
    )
    op.create_index("ix_shipment_order_id", "shipment", ["order_id"], unique=False)
    op.create_index("ix_shipment_tracking_number", "shipment", ["tracking_number"], unique=False)
    op.create_table(
        "sku",
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("weight_value", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("weight_unit", sa.String(), nullable=True),
        sa.Column("length_value", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("width_value", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("height_value", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("dimension_unit", sa.String(), nullable=True),
        sa.Column("unit_price", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column(
            "updated_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_sku")),
    )
    op.create_table(
        "source_checkpoint",
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("position", sa.String(), nullable=False),
        sa.Column(
            "updated_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_source_checkpoint")),
    )
    op.create_table(
        "source_counter",
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("hour", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("received", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("normalized", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("quarantined", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("duplicates", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("lag_ms_sum", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("lag_ms_max", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_event_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("last_received_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("source", "hour", name=op.f("pk_source_counter")),
    )
    op.create_table(
        "app_user",
        sa.Column("user_id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("facility_id", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("last_sign_in_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facility.facility_id"], name=op.f("fk_app_user_facility_id_facility")
        ),
        sa.ForeignKeyConstraint(["role"], ["app_role.role"], name=op.f("fk_app_user_role_app_role")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_app_user")),
    )
    op.create_index("uq_app_user_username", "app_user", [sa.literal_column("lower(username)")], unique=True)
    op.create_table(
        "facility_inventory",
        sa.Column("facility_id", sa.String(), nullable=False),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facility.facility_id"], name=op.f("fk_facility_inventory_facility_id_facility")
        ),
        sa.ForeignKeyConstraint(["sku"], ["sku.sku"], name=op.f("fk_facility_inventory_sku_sku")),
        sa.PrimaryKeyConstraint("facility_id", "sku", name=op.f("pk_facility_inventory")),
    )
    op.create_table(
        "service_level",
        sa.Column("carrier_id", sa.String(), nullable=False),
        sa.Column("service_code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("transit_business_days", sa.SmallInteger(), nullable=False),
        sa.Column("pickup_cutoff_local", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["carrier_id"], ["carrier.carrier_id"], name=op.f("fk_service_level_carrier_id_carrier")
        ),
        sa.PrimaryKeyConstraint("carrier_id", "service_code", name=op.f("pk_service_level")),
    )

    role = sa.table("app_role", sa.column("role"), sa.column("description"))
    op.bulk_insert(role, [{"role": name, "description": text} for name, text in ROLES_AT_0001.items()])
    op.execute(ENSURE_EVENT_PARTITIONS)
    # Rows outside every monthly partition (a clock in 1970, a typo year) land here instead of failing
    # a whole batch; the data-quality rules report them.
    op.execute("CREATE TABLE event_default PARTITION OF event DEFAULT")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS waypoint_ensure_event_partitions(date, date)")
    op.drop_table("service_level")
    op.drop_table("facility_inventory")
    op.drop_index("uq_app_user_username", table_name="app_user")
    op.drop_table("app_user")
    op.drop_table("source_counter")
    op.drop_table("source_checkpoint")
    op.drop_table("sku")
    op.drop_index("ix_shipment_tracking_number", table_name="shipment")
    op.drop_index("ix_shipment_order_id", table_name="shipment")
    op.drop_table("shipment")
    op.drop_index(
        "ix_raw_inbox_pending", table_name="raw_inbox", postgresql_where=sa.text("status = 'pending'")
    )
    op.drop_table("raw_inbox")
    op.drop_index("ix_quarantine_parked", table_name="quarantine")
    op.drop_index(
        "ix_quarantine_open", table_name="quarantine", postgresql_where=sa.text("resolved_at IS NULL")
    )
    op.drop_table("quarantine")
    op.drop_index(
        "ix_order_state_open_ship_by", table_name="order_state", postgresql_where=sa.text("NOT is_terminal")
    )
    op.drop_index(
        "ix_order_state_open_by_stage", table_name="order_state", postgresql_where=sa.text("NOT is_terminal")
    )
    op.drop_table("order_state")
    op.drop_table("order_line")
    op.drop_table("facility")
    op.drop_table("event_schema")
    op.drop_index("uq_event_key_semantic", table_name="event_key")
    op.drop_table("event_key")
    op.drop_index("ix_event_type_occurred", table_name="event")
    op.drop_index("ix_event_order_occurred", table_name="event")
    op.drop_table("event")
    op.drop_index("ix_customer_order_phone", table_name="customer_order")
    op.drop_index("ix_customer_order_email", table_name="customer_order")
    op.drop_table("customer_order")
    op.drop_table("carrier")
    op.drop_index("ix_audit_log_entity", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("app_role")


ROLES_AT_0001 = {
    "admin": "Sets up sources, mappings, registry, kiosk links and users",
    "manager": "Reviews KPI trends and exports",
    "supervisor": "Runs a facility: live flow, exceptions, labor plan",
    "floor_lead": "Runs a zone of the floor: live flow and exceptions",
    "support_agent": "Answers customers: order timeline and exceptions",
}

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
