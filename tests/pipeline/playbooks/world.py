"""What the playbook tests share: the clock, stock in facilities, settings, and what the database shows
afterwards (the audit trail, the events Waypoint's actions emitted)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, text

from pipeline.settings import Settings

# Monday 11:05 in Chicago; the order's promise (4 days) is Friday, November 20, at the destination.
PLACED = datetime(2026, 11, 16, 17, 5, tzinfo=UTC)
DETECTED = PLACED + timedelta(hours=2)
SECRET = "playbook-secret"


def settings(**changes) -> Settings:
    base = {
        "action_token_secret": SECRET,
        "public_base_url": "https://track.example",
        "notify_quiet_hours": "",
    }
    return Settings(**{**base, **changes})


def smtp_settings(port: int, **changes) -> Settings:
    return settings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none", **changes)


def stock(conn: Connection, facility_id: str, sku: str, on_hand: int) -> None:
    conn.execute(
        text(
            "INSERT INTO sku (sku, description, category, unit_price) VALUES (:sku, 'Test item', 'test', 9.99)"
            " ON CONFLICT DO NOTHING"
        ),
        {"sku": sku},
    )
    conn.execute(
        text(
            "INSERT INTO facility_inventory (facility_id, sku, on_hand) VALUES (:facility_id, :sku, :on_hand)"
        ),
        {"facility_id": facility_id, "sku": sku, "on_hand": on_hand},
    )


def _read(target: Connection | Engine, query: str, params: dict) -> list:
    if isinstance(target, Connection):
        return list(target.execute(text(query), params).all())
    with target.connect() as conn:
        return list(conn.execute(text(query), params).all())


def audit_trail(target: Connection | Engine, exception_id: int) -> list[tuple[str, str]]:
    """(actor, action) of everything done to the exception, in order."""
    return [
        (row.actor, row.action)
        for row in _read(
            target,
            "SELECT actor, action FROM audit_log WHERE entity_type = 'exception' AND entity_id = :id ORDER BY audit_id",
            {"id": str(exception_id)},
        )
    ]


def audit_notes(target: Connection | Engine, exception_id: int) -> list[str | None]:
    return [
        row.note
        for row in _read(
            target,
            "SELECT note FROM audit_log WHERE entity_type = 'exception' AND entity_id = :id ORDER BY audit_id",
            {"id": str(exception_id)},
        )
    ]


def emitted(target: Connection | Engine, order_id: str) -> list[tuple[str, dict]]:
    """(event_type, attributes) of the events Waypoint's own actions loaded for the order."""
    return [
        (row.event_type, row.attributes)
        for row in _read(
            target,
            "SELECT event_type, attributes FROM event WHERE source = 'waypoint:actions' AND order_id = :order_id"
            " ORDER BY occurred_at, event_pk",
            {"order_id": order_id},
        )
    ]


def order_hold(target: Connection | Engine, order_id: str) -> bool:
    return _read(target, "SELECT on_hold FROM order_state WHERE order_id = :o", {"o": order_id})[0].on_hold


def who_caused(target: Connection | Engine, order_id: str) -> list[tuple[str, str, str, str]]:
    """(event_type, actor, actor_role, action) for every event Waypoint's actions emitted for the order: the
    audit row written in the same action (same correlation id) — none is emitted outside the action service."""
    return [
        tuple(row)
        for row in _read(
            target,
            "SELECT e.event_type, a.actor, a.actor_role, a.action FROM event AS e"
            " JOIN raw_inbox AS r ON r.raw_id = e.raw_id"
            " LEFT JOIN audit_log AS a ON a.correlation_id = r.correlation_id"
            " WHERE e.source = 'waypoint:actions' AND e.order_id = :order_id ORDER BY e.occurred_at, e.event_pk",
            {"order_id": order_id},
        )
    ]
