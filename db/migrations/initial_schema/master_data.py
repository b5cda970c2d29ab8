"""Master data: carriers and their service levels, facilities, SKUs, per-facility inventory."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def upgrade() -> None:
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


def downgrade() -> None:
    op.drop_table("service_level")
    op.drop_table("facility_inventory")
    op.drop_table("sku")
    op.drop_table("facility")
    op.drop_table("carrier")
