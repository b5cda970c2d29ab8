"""The Order timeline's delivery estimates: one per shipment from pipeline.eta (`shipment_eta`, kept
current by the worker), and the words the page shows for them.

`load_order_etas` is a plain function of an engine; the page calls the cached `order_etas`, keyed by the
database URL, with the same time-to-live as the order itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st
from sqlalchemy import Engine

from dashboard.database import engine_for, main_database_url
from pipeline.eta import ShipmentEta, current_etas

ETA_TTL_SECONDS = 10


@dataclass(frozen=True)
class EtaText:
    """An estimate as the support agent reads it: the headline, the window, and where it comes from."""

    headline: str
    window: str | None
    source: str
    after_promise: bool


def load_order_etas(engine: Engine, order_id: str) -> list[ShipmentEta]:
    with engine.connect() as conn:
        return current_etas(conn, order_id)


def order_etas(order_id: str) -> list[ShipmentEta]:
    return _order_etas(main_database_url(), order_id)


def forget_cached_etas() -> None:
    _order_etas.clear()


@st.cache_data(ttl=ETA_TTL_SECONDS, max_entries=256, show_spinner=False)
def _order_etas(url: str, order_id: str) -> list[ShipmentEta]:
    return load_order_etas(engine_for(url), order_id)


def order_level(etas: list[ShipmentEta]) -> ShipmentEta | None:
    """The estimate that decides when the whole order is there: the latest of the parcels still on their
    way (a delivered order: its last delivery)."""
    dated = [eta for eta in etas if eta.likely_at is not None]
    travelling = [eta for eta in dated if eta.source != "delivered"]
    pool = travelling or dated
    if pool:
        return max(pool, key=lambda eta: eta.likely_at)
    return etas[0] if etas else None


def eta_text(eta: ShipmentEta, *, utc: bool = False) -> EtaText:
    zone = ZoneInfo("UTC") if utc else ZoneInfo(eta.time_zone)
    source = _source(eta)
    if eta.source == "delivered" and eta.likely_at is not None:
        return EtaText(f"Delivered {_when(eta.likely_at, zone)}", None, source, False)
    if eta.likely_at is None:
        why = eta.basis.get("stopped")
        reason = f": the carrier reports it {str(why).replace('_', ' ').lower()}" if why else ""
        return EtaText(f"No estimate{reason}", None, source, False)
    window = None
    if eta.window_first_day and eta.window_last_day:
        window = f"{eta.window_first_day:%a %b %-d}"
        if eta.window_last_day != eta.window_first_day:
            window += f" to {eta.window_last_day:%a %b %-d}"
    promise_day = (
        eta.promised_delivery_by.astimezone(ZoneInfo(eta.time_zone)).date()
        if eta.promised_delivery_by
        else None
    )
    late = promise_day is not None and eta.likely_day is not None and eta.likely_day > promise_day
    return EtaText(f"{eta.likely_at.astimezone(zone):%a %b %-d, %Y}", window, source, late)


def _source(eta: ShipmentEta) -> str:
    basis = eta.basis
    if eta.source == "lane_model" and basis.get("lane"):
        return f"lane model ({basis['lane']}, {basis.get('lane_samples', 0):,} recent deliveries)"
    if eta.source == "service_level" and basis.get("transit_business_days") is not None:
        return f"carrier's service level ({basis['transit_business_days']} business days after pickup)"
    if eta.source == "carrier" and basis.get("carrier_event") == "DELIVERY_DELAYED":
        return "the carrier's new date after a delay"
    if eta.source == "carrier" and basis.get("carrier_event"):
        return f"the carrier's date (with its {str(basis['carrier_event']).replace('_', ' ').lower()} scan)"
    return eta.source_label


def _when(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{local:%a %b %-d, %Y %-I:%M %p} {local.tzname()}"
