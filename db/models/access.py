"""Who may do what, and the record of what they did."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base

ROLES = {
    "admin": "Sets up sources, mappings, registry, kiosk links and users",
    "manager": "Reviews KPI trends and exports",
    "supervisor": "Runs a facility: live flow, exceptions, labor plan",
    "floor_lead": "Runs a zone of the floor: live flow and exceptions",
    "support_agent": "Answers customers: order timeline and exceptions",
}


class AppRole(Base):
    __tablename__ = "app_role"

    role: Mapped[str] = mapped_column(primary_key=True)
    description: Mapped[str]


class AppUser(Base):
    __tablename__ = "app_user"
    __table_args__ = (Index("uq_app_user_username", text("lower(username)"), unique=True),)

    user_id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    username: Mapped[str]
    display_name: Mapped[str]
    password_hash: Mapped[str | None] = mapped_column(doc="argon2id; NULL for OIDC-only accounts")
    role: Mapped[str] = mapped_column(ForeignKey("app_role.role"))
    facility_id: Mapped[str | None] = mapped_column(ForeignKey("facility.facility_id"))
    active: Mapped[bool] = mapped_column(server_default="true")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_sign_in_at: Mapped[datetime | None]


class AuditLog(Base):
    """Every action by a person or by the automation: who, when, what, before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (
        # An order's or exception's history of actions (order timeline, exception detail).
        Index("ix_audit_log_entity", "entity_type", "entity_id", "at"),
    )

    audit_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    actor: Mapped[str] = mapped_column(doc="username, or automation:<playbook>")
    actor_role: Mapped[str]
    action: Mapped[str]
    entity_type: Mapped[str]
    entity_id: Mapped[str]
    before: Mapped[dict | None] = mapped_column(JSONB)
    after: Mapped[dict | None] = mapped_column(JSONB)
    note: Mapped[str | None]
    correlation_id: Mapped[str | None]
