"""SQLAlchemy models: the shape of Waypoint's database. Alembic migrations are the source of truth
for DDL; these models mirror them for code that reads and writes (a test compares the two)."""

from db.models.access import AppRole, AppUser, AuditLog
from db.models.base import Base
from db.models.eta import EtaRefreshState, LaneSample, LaneStat, ShipmentEta, ShipmentEtaChange
from db.models.events import Event, EventKey, EventSchema, Quarantine, RawInbox
from db.models.exceptions import ExceptionCheckpoint, Notification, OrderException
from db.models.kiosk import FlowSnapshot, KioskToken
from db.models.kpis import KpiFact, KpiRefreshState, KpiRollup
from db.models.labor import LaborForecast, LaborForecastRun, LaborRoster
from db.models.orders import CustomerOrder, OrderLine, OrderState, Shipment
from db.models.pipeline_state import SourceBreaker, SourceCheckpoint, SourceCounter
from db.models.quality import (
    BackfillGap,
    EventRemedy,
    PipelineHealthSample,
    QualityFinding,
    SequenceWatermark,
    SkuCleansed,
)
from db.models.reference import Carrier, Facility, FacilityInventory, ServiceLevel, Sku

__all__ = [
    "AppRole",
    "AppUser",
    "AuditLog",
    "BackfillGap",
    "Base",
    "Carrier",
    "CustomerOrder",
    "EtaRefreshState",
    "Event",
    "EventKey",
    "EventRemedy",
    "EventSchema",
    "ExceptionCheckpoint",
    "Facility",
    "FacilityInventory",
    "FlowSnapshot",
    "KioskToken",
    "KpiFact",
    "KpiRefreshState",
    "KpiRollup",
    "LaborForecast",
    "LaborForecastRun",
    "LaborRoster",
    "LaneSample",
    "LaneStat",
    "Notification",
    "OrderException",
    "OrderLine",
    "OrderState",
    "PipelineHealthSample",
    "QualityFinding",
    "Quarantine",
    "RawInbox",
    "SequenceWatermark",
    "ServiceLevel",
    "Shipment",
    "ShipmentEta",
    "ShipmentEtaChange",
    "Sku",
    "SkuCleansed",
    "SourceBreaker",
    "SourceCheckpoint",
    "SourceCounter",
]
