"""The carriers' raw payloads as the pipeline receives them, and the shipments they belong to.

Webhook bodies are read byte for byte (tests/fixtures/<carrier>/webhook_NN.json); tracking API answers
are the `body` of the stored answer, encoded as the API sends it. The shipments are the sample world's
(tests/simulator/sample_world.py), so the drain can complete carrier scans with their orders.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from pipeline.normalize import Normalized, normalize_payload
from pipeline.settings import PROJECT_ROOT
from pipeline.sources.base import ParseContext, Parsed, Rejection, ShipmentRef
from tests.canonical_factory import REGISTRY, ZONES

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
RECEIVED_AT = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)


def ref(order_id: str, facility_id: str, zone: str) -> ShipmentRef:
    return ShipmentRef(order_id, f"{order_id}-1", facility_id, zone)


# tracking number -> (carrier id, the shipment it belongs to)
PARCELS: dict[str, tuple[str, ShipmentRef]] = {
    "1Z4A7W290398615727": ("ups", ref("SO-00012345", "DC-RNO", "America/Los_Angeles")),
    "794619838472": ("fedex", ref("SO-00012346", "DC-CMH", "America/New_York")),
    "9405511899223197428490": ("usps", ref("SO-00012347", "ST-022", "America/Phoenix")),
    "GM2951173225174494": ("dhl", ref("SO-00012350", "DC-CMH", "America/New_York")),
    "D10011234567890": ("ontrac", ref("SO-00012351", "DC-RNO", "America/Los_Angeles")),
    "SWM0000482211": ("swiftmile", ref("SO-00012352", "ST-027", "America/Los_Angeles")),
}
SHIPMENTS = {number: shipment for number, (_, shipment) in PARCELS.items()}


def tracking_number_of(carrier: str) -> str:
    return next(number for number, (owner, _) in PARCELS.items() if owner == carrier)


def webhook(carrier: str, n: int) -> bytes:
    return (FIXTURES / carrier / f"webhook_{n:02d}.json").read_bytes()


def webhook_headers(carrier: str, n: int) -> dict[str, str]:
    return json.loads((FIXTURES / carrier / "webhook_headers.json").read_text())[f"webhook_{n:02d}.json"]


def webhook_count(carrier: str) -> int:
    return len(list((FIXTURES / carrier).glob("webhook_[0-9][0-9].json")))


def api_answer(carrier: str, name: str) -> bytes:
    """The body of a stored tracking API answer, as the API encodes it."""
    return encoded(api_document(carrier, name))


def api_document(carrier: str, name: str) -> Any:
    return copy.deepcopy(json.loads((FIXTURES / carrier / name).read_text())["body"])


def document(payload: bytes) -> Any:
    return json.loads(payload)


def encoded(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def context(carrier: str, shipments: dict[str, ShipmentRef] | None = None) -> ParseContext:
    return ParseContext(
        f"carrier:{carrier}", RECEIVED_AT, ZONES, SHIPMENTS if shipments is None else shipments
    )


def parse(carrier: str, payload: bytes, shipments: dict[str, ShipmentRef] | None = None) -> list[Parsed]:
    from pipeline.sources import adapter_for

    return list(adapter_for(f"carrier:{carrier}").parse(payload, context(carrier, shipments)))


def events_of(parsed: list[Parsed]) -> list[dict]:
    return [item for item in parsed if not isinstance(item, Rejection)]


def rejections_of(parsed: list[Parsed]) -> list[Rejection]:
    return [item for item in parsed if isinstance(item, Rejection)]


def normalized(carrier: str, payload: bytes, shipments: dict[str, ShipmentRef] | None = None) -> Normalized:
    """Parsed AND validated against the registry, as the drain does it."""
    return normalize_payload(payload, context(carrier, shipments), REGISTRY)
