"""Each carrier renders scans in its public API's shape, with its own codes, times and webhook timing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from simulator.sources.carriers import FORMATS, render_carrier
from simulator.sources.vendor_codes import CodeTableError
from tests.simulator.truth_rows import truth, truth_frame

AT = datetime(2026, 7, 1, 19, 4, 30, tzinfo=UTC)  # 12:04:30 in Reno (PDT)
RENO = {
    "location": {"city": "Reno", "state": "NV", "postal_code": "89502", "country": "US"},
    "location_time_zone": "America/Los_Angeles",
}

# How to read the vendor code back out of a rendered scan, per carrier (the code table's vendor key).
VENDOR_KEY: dict[str, tuple[Callable[[dict], tuple], tuple[str, ...]]] = {
    "ups": (lambda s: (s["status"]["type"], s["status"]["code"]), ("type", "code")),
    "fedex": (lambda s: (s["eventType"], s["exceptionCode"]), ("eventType", "exceptionCode")),
    "usps": (lambda s: (s["eventCode"],), ("eventCode",)),
    "dhl": (lambda s: (s["statusCode"], s["status"]), ("statusCode", "status")),
    "ontrac": (lambda s: (s["carrier_code"],), ("carrier_code",)),
    "swiftmile": (lambda s: (s["status"]["code"],), ("code",)),
}


def _row(carrier: str, event_type: str, *, seq: int = 1, at: datetime = AT, **extra: object) -> dict:
    detail = {**RENO, **extra.pop("detail", {})}  # type: ignore[dict-item]
    columns = {"tracking_number": f"TN-{carrier}", **extra}
    return truth(event_type, seq=seq, at=at, source_system="carrier", facility_id="DC-RNO", carrier_id=carrier,
                 service_code="GND", shipment_id="SO-1-1", detail=detail, **columns)  # fmt: skip


def _render(carrier: str, rows: list[dict]) -> tuple[list[dict], list[dict]]:
    rendered = {r.table: r.rows for r in render_carrier(truth_frame(rows), FORMATS[carrier])}
    outbox = rendered.get("carrier.webhook_outbox", pl.DataFrame())
    return rendered["carrier.scan"].to_dicts(), outbox.to_dicts()


def _scan(carrier: str, event_type: str, **extra: object) -> dict:
    scans, _ = _render(carrier, [_row(carrier, event_type, **extra)])
    return json.loads(scans[0]["scan"])


CODE_CASES = [
    pytest.param(carrier, entry, id=f"{carrier}-{entry['event_type']}-{entry['reason'] or 'default'}")
    for carrier, fmt in FORMATS.items()
    for entry in fmt.codes.to_dicts()
]


@pytest.mark.parametrize(("carrier", "entry"), CODE_CASES)
def test_every_code_in_the_table_is_what_the_carrier_writes(carrier: str, entry: dict) -> None:
    detail = {"reason": entry["reason"]} if entry["reason"] else {}
    read_key, fields = VENDOR_KEY[carrier]
    assert read_key(_scan(carrier, entry["event_type"], detail=detail)) == tuple(
        entry[name] for name in fields
    )


@pytest.mark.parametrize("carrier", list(FORMATS))
def test_an_unknown_reason_uses_the_event_types_default_code(carrier: str) -> None:
    read_key, fields = VENDOR_KEY[carrier]
    codes = FORMATS[carrier].codes
    default = codes.filter(
        (pl.col("event_type") == "DELIVERY_DELAYED") & (pl.col("reason") == "")
    ).to_dicts()[0]
    scan = _scan(carrier, "DELIVERY_DELAYED", detail={"reason": "alien_invasion"})
    assert read_key(scan) == tuple(default[name] for name in fields)


@pytest.mark.parametrize("carrier", list(FORMATS))
def test_an_event_type_no_carrier_reports_is_refused(carrier: str) -> None:
    with pytest.raises(
        CodeTableError, match=f"carrier:{carrier}: no vendor code for event types \\['PICK_STARTED'\\]"
    ):
        _render(carrier, [_row(carrier, "PICK_STARTED")])


@pytest.mark.parametrize(
    ("carrier", "read", "expected"),
    [
        ("ups", lambda s: (s["date"], s["time"], s["gmtDate"], s["gmtTime"], s["gmtOffset"]),
         ("20260701", "120430", "20260701", "19:04:30", "-07:00")),
        ("fedex", lambda s: s["date"], "2026-07-01T12:04:30-07:00"),
        ("usps", lambda s: s["eventTimestamp"], "2026-07-01T12:04:30"),
        ("dhl", lambda s: s["timestamp"], "2026-07-01T12:04:30-07:00"),
        ("ontrac", lambda s: s["datetime"], "2026-07-01T19:04:30Z"),
        ("swiftmile", lambda s: s["local_time"], "2026-07-01T12:04:30"),
    ],
)  # fmt: skip
def test_each_carrier_writes_time_its_own_way(
    carrier: str, read: Callable[[dict], object], expected: object
) -> None:
    assert read(_scan(carrier, "ARRIVED_AT_HUB")) == expected


@pytest.mark.parametrize(
    ("carrier", "read", "expected"),
    [
        ("ups", lambda s: (s["time"], s["gmtTime"], s["gmtOffset"]), ("120430", "12:04:30", "+00:00")),
        ("fedex", lambda s: s["date"], "2026-07-01T12:04:30Z"),
        ("dhl", lambda s: s["timestamp"], "2026-07-01T12:04:30Z"),
        ("ontrac", lambda s: s["datetime"], "2026-07-01T12:04:30Z"),
        ("usps", lambda s: s["eventTimestamp"], "2026-07-01T19:04:30"),
    ],
)  # fmt: skip
def test_wrong_offset_faults(carrier: str, read: Callable[[dict], object], expected: object) -> None:
    assert read(_scan(carrier, "ARRIVED_AT_HUB", anomaly="invalid_timestamp:wrong_offset")) == expected


def test_ups_epoch_fault_is_zeros() -> None:
    scan = _scan("ups", "DELIVERED", anomaly="invalid_timestamp:epoch")
    assert (scan["date"], scan["time"], scan["gmtDate"], scan["gmtTime"]) == (
        "00000000",
        "000000",
        "00000000",
        "00:00:00",
    )


def test_swiftmile_writes_the_destinations_wall_time() -> None:
    detail = {"destination_time_zone": "America/New_York"}
    assert _scan("swiftmile", "DELIVERED", detail=detail)["local_time"] == "2026-07-01T15:04:30"


def test_without_a_scan_zone_the_origin_facilitys_zone_is_used() -> None:
    row = _row("fedex", "CARRIER_PICKUP")
    row["detail"] = json.dumps({"location": RENO["location"]})
    scans, _ = _render("fedex", [{**row, "facility_id": "DC-CMH"}])
    assert json.loads(scans[0]["scan"])["date"] == "2026-07-01T15:04:30-04:00"


def test_a_resent_duplicate_has_other_wording_and_its_own_event_id() -> None:
    original = _row("swiftmile", "ARRIVED_AT_HUB")
    resent = _row(
        "swiftmile", "ARRIVED_AT_HUB", seq=2, anomaly="duplicate_resend", duplicate_of=original["record_uid"]
    )
    scans, _ = _render("swiftmile", [original, resent])
    first, second = (json.loads(scan["scan"]) for scan in scans)
    assert first["status"]["code"] == second["status"]["code"]
    assert first["status"]["text"] != second["status"]["text"] and first["event_id"] != second["event_id"]
    assert first["local_time"] == second["local_time"]


def test_facts_for_the_polling_summaries() -> None:
    scans, _ = _render("dhl", [_row("dhl", "DELIVERED", detail={"signed_by": "J DOE"})])
    assert json.loads(scans[0]["facts"]) == {"signed_by": "J DOE", "estimated_delivery": None}


@pytest.mark.parametrize(
    ("carrier", "pushes"), [(c, c in {"ups", "fedex", "ontrac", "swiftmile"}) for c in FORMATS]
)
def test_only_pushing_carriers_fill_the_webhook_outbox(carrier: str, pushes: bool) -> None:
    _, outbox = _render(carrier, [_row(carrier, "ARRIVED_AT_HUB")])
    assert bool(outbox) is pushes


def test_webhooks_are_due_seconds_after_the_scan_is_available() -> None:
    rows = [_row("fedex", "ARRIVED_AT_HUB", seq=n, at=AT + timedelta(hours=n)) for n in range(20)]
    _, outbox = _render("fedex", rows)
    delays = [(row["due_at"] - row["available_at"]).total_seconds() for row in outbox]
    assert all(2 <= delay < 30 for delay in delays) and len(set(delays)) > 1


def test_an_out_of_order_scan_is_sent_after_the_next_scan() -> None:
    held = _row("ups", "DEPARTED_HUB", seq=1, anomaly="out_of_order", available_after=timedelta(minutes=1))
    following = _row("ups", "OUT_FOR_DELIVERY", seq=2, at=AT + timedelta(minutes=20))
    alone = _row("ups", "DEPARTED_HUB", seq=3, anomaly="out_of_order", tracking_number="OTHER")
    _, outbox = _render("ups", [held, following, alone])
    due = {
        json.loads(row["body"])["activityStatus"]["code"] + row["tracking_number"]: row["due_at"]
        for row in outbox
    }
    assert due["DPTN-ups"] > due["OTTN-ups"]
    assert due["DPOTHER"] - AT >= timedelta(minutes=45)


def test_webhook_bodies_embed_the_scan_as_the_api_shows_it() -> None:
    scans, outbox = _render("fedex", [_row("fedex", "DELIVERED")])
    body = json.loads(outbox[0]["body"])
    assert body["trackingNumber"] == "TN-fedex" and body["scanEvent"] == json.loads(scans[0]["scan"])
    scans, outbox = _render("ontrac", [_row("ontrac", "DELIVERED", detail={"signed_by": "L CHEN"})])
    event = json.loads(outbox[0]["body"])
    assert event["description"] == "tracker.updated" and event["result"]["signed_by"] == "L CHEN"
    assert event["result"]["tracking_details"] == [json.loads(scans[0]["scan"])]
    assert event["result"]["id"] == scans[0]["vendor_ref"]
