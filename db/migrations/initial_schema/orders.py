"""The order projection: customer orders and their lines, shipments, each order's current state."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def upgrade() -> None:
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


def downgrade() -> None:
    op.drop_index("ix_shipment_tracking_number", table_name="shipment")
    op.drop_index("ix_shipment_order_id", table_name="shipment")
    op.drop_table("shipment")
    op.drop_index(
        "ix_order_state_open_ship_by", table_name="order_state", postgresql_where=sa.text("NOT is_terminal")
    )
    op.drop_index(
        "ix_order_state_open_by_stage", table_name="order_state", postgresql_where=sa.text("NOT is_terminal")
    )
    op.drop_table("order_state")
    op.drop_table("order_line")
    op.drop_index("ix_customer_order_phone", table_name="customer_order")
    op.drop_index("ix_customer_order_email", table_name="customer_order")
    op.drop_table("customer_order")
