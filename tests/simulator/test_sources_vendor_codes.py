"""Vendor code tables are data, validated when loaded, and every source's table covers its event types."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from simulator.sources.carriers import FORMATS
from simulator.sources.carriers.scans import CARRIER_EVENT_TYPES
from simulator.sources.store_tool import event_names
from simulator.sources.vendor_codes import (
    CodeEntry,
    CodeTableError,
    attach_codes,
    code_frame,
    load_code_table,
)
from simulator.sources.wms import wms_install


class Code(CodeEntry):
    code: str


def _write(tmp_path: Path, entries: list[dict]) -> Path:
    path = tmp_path / "codes.json"
    path.write_text(json.dumps({"entries": entries}))
    return path


def _load(path: Path) -> list[Code]:
    return load_code_table(path, Code, vendor_key=("code",), event_types=("PICKED", "PACKED"))


def test_a_valid_table_loads(tmp_path: Path) -> None:
    entries = [
        {"event_type": "PICKED", "code": "P1", "description": "picked"},
        {"event_type": "PICKED", "reason": "rush", "code": "P2", "description": "picked (rush)"},
        {"event_type": "PACKED", "code": "K1", "description": "packed"},
    ]
    assert [entry.code for entry in _load(_write(tmp_path, entries))] == ["P1", "P2", "K1"]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"event_type": "SHIPPED", "code": "S", "description": "x"}], "event_type 'SHIPPED' is not one"),
        (
            [{"event_type": "PICKED", "code": "P", "description": "x"},
             {"event_type": "PICKED", "code": "Q", "description": "y"}],
            "appears twice",
        ),
        (
            [{"event_type": "PICKED", "code": "X", "description": "x"},
             {"event_type": "PACKED", "code": "X", "description": "y"}],
            "stands for both PICKED and PACKED",
        ),
        ([{"event_type": "PICKED", "code": "P", "description": "x"}], "no default entry"),
    ],
)  # fmt: skip
def test_broken_tables_are_refused_with_the_rule(tmp_path: Path, entries: list[dict], message: str) -> None:
    with pytest.raises(CodeTableError, match=message):
        _load(_write(tmp_path, entries))


def test_a_reason_specific_code_wins_and_unknown_reasons_fall_back() -> None:
    codes = code_frame(
        [
            Code(event_type="PICKED", code="P1", description="picked"),
            Code(event_type="PICKED", reason="rush", code="P2", description="picked (rush)"),
        ]
    )
    frame = pl.DataFrame({"event_type": ["PICKED"] * 3, "why": ["rush", "other", None]})
    joined = attach_codes(frame, codes, reason=pl.col("why"), source="test")
    assert joined["code"].to_list() == ["P2", "P1", "P1"]


def test_a_row_without_any_code_is_an_error_naming_the_source() -> None:
    codes = code_frame([Code(event_type="PICKED", code="P1", description="picked")])
    frame = pl.DataFrame({"event_type": ["PACKED"]})
    with pytest.raises(CodeTableError, match="test: no vendor code for event types \\['PACKED'\\]"):
        attach_codes(frame, codes, reason=pl.lit(None, pl.String), source="test")


def test_every_shipped_table_loads_and_covers_its_source() -> None:
    for facility_id in ("DC-RNO", "DC-CMH"):
        assert len(wms_install(facility_id).entries) == 16
    assert event_names().height == 12
    for fmt in FORMATS.values():
        assert set(fmt.codes["event_type"]) == set(CARRIER_EVENT_TYPES), fmt.carrier_id
        assert fmt.codes["resend_description"].null_count() == 0


def test_the_two_wms_installs_speak_different_vocabularies() -> None:
    rno = {entry.event_type: entry.txn_code for entry in wms_install("DC-RNO").entries}
    cmh = {entry.event_type: entry.txn_code for entry in wms_install("DC-CMH").entries}
    assert rno["ORDER_RECEIVED"] == "ORD_DNLD" and cmh["ORDER_RECEIVED"] == "100"
    assert not set(rno.values()) & set(cmh.values())
