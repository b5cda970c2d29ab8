"""SQLAlchemy models: the shape of Waypoint's database. Alembic migrations are the source of truth
for DDL; these models mirror them for code that reads and writes (a test compares the two)."""

from db.models.access import AppRole, AppUser, AuditLog
from db.models.base import Base
from db.models.events import Event, EventKey, EventSchema, Quarantine, RawInbox
from db.models.exceptions import ExceptionCheckpoint, Notification, OrderException
from db.models.kiosk import FlowSnapshot, KioskToken
from db.models.kpis import KpiFact, KpiRefreshState, KpiRollup
from db.models.orders import CustomerOrder, OrderLine, OrderState, Shipment
from db.models.pipeline_state import SourceBreaker, SourceCheckpoint, SourceCounter
from db.models.reference import Carrier, Facility, FacilityInventory, ServiceLevel, Sku

__all__ = [
    "AppRole",
    "AppUser",
    "AuditLog",
    "Base",
    "Carrier",
    "CustomerOrder",
    "Event",
    "EventKey",
    "EventSchema",
    "ExceptionCheckpoint",
    "Facility",
    "FacilityInventory",
    "FlowSnapshot",
    "KioskToken",
    "KpiFact",
    "KpiRefreshState",
    "KpiRollup",
    "Notification",
    "OrderException",
    "OrderLine",
    "OrderState",
    "Quarantine",
    "RawInbox",
    "ServiceLevel",
    "Shipment",
    "Sku",
    "SourceBreaker",
    "SourceCheckpoint",
    "SourceCounter",
]
