"""Access: roles (seeded), users and the audit log of every action taken."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


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
    role = sa.table("app_role", sa.column("role"), sa.column("description"))
    op.bulk_insert(role, [{"role": name, "description": text} for name, text in ROLES_AT_0001.items()])


def downgrade() -> None:
    op.drop_index("uq_app_user_username", table_name="app_user")
    op.drop_table("app_user")
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
