"""The shared code-table loader: tables are data, validated when loaded, looked up by vendor key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.sources.mapping import CodeEntry, CodeTableError, load_code_table


class TxnCode(CodeEntry):
    txn_code: str


class StatusCode(CodeEntry):
    status_type: str
    code: str


def _table(tmp_path: Path, entries: list[dict]) -> Path:
    path = tmp_path / "codes.json"
    path.write_text(json.dumps({"about": "test table", "entries": entries}))
    return path


def test_a_code_is_looked_up_by_its_key_and_an_unknown_one_is_none(tmp_path: Path) -> None:
    path = _table(tmp_path, [{"txn_code": "PICK_BEG", "event_type": "PICK_STARTED"}])

    table = load_code_table(path, TxnCode, ("txn_code",))

    assert table.lookup("PICK_BEG").event_type == "PICK_STARTED"
    assert table.lookup(("PICK_BEG",)).event_type == "PICK_STARTED"
    assert table.lookup("PICK_TELEPORT") is None
    assert len(table) == 1 and table.keys() == [("PICK_BEG",)]


def test_a_code_whose_meaning_depends_on_context_is_keyed_by_the_context(tmp_path: Path) -> None:
    path = _table(tmp_path, [
        {"status_type": "I", "code": "AR", "event_type": "ARRIVED_AT_HUB"},
        {"status_type": "X", "code": "AR", "event_type": "DELIVERY_EXCEPTION", "attributes": {"reason": "other"}},
    ])  # fmt: skip

    table = load_code_table(path, StatusCode, ("status_type", "code"))

    assert table.lookup(("I", "AR")).event_type == "ARRIVED_AT_HUB"
    assert table.lookup(("X", "AR")).attributes == {"reason": "other"}


def test_the_same_key_twice_is_refused_whatever_the_order(tmp_path: Path) -> None:
    path = _table(tmp_path, [
        {"txn_code": "SHIP", "event_type": "LABEL_PRINTED"},
        {"txn_code": "SHIP", "event_type": "STAGED_OUTBOUND"},
    ])  # fmt: skip

    with pytest.raises(
        CodeTableError, match=r"codes.json: entries\[1\]: key \{'txn_code': 'SHIP'\} appears twice"
    ):
        load_code_table(path, TxnCode, ("txn_code",))


def test_an_unregistered_event_type_is_refused(tmp_path: Path) -> None:
    path = _table(tmp_path, [{"txn_code": "WRAP", "event_type": "GIFT_WRAPPED"}])

    with pytest.raises(CodeTableError, match=r"entries\[0\].event_type: 'GIFT_WRAPPED' is not registered"):
        load_code_table(path, TxnCode, ("txn_code",))


def test_implied_attributes_must_satisfy_the_types_schema(tmp_path: Path) -> None:
    unknown_reason = _table(tmp_path, [
        {"txn_code": "D1", "event_type": "DELIVERY_DELAYED", "attributes": {"reason": "aliens"}},
    ])  # fmt: skip
    with pytest.raises(CodeTableError, match=r"entries\[0\].attributes.reason: 'aliens' is not one of"):
        load_code_table(unknown_reason, TxnCode, ("txn_code",))

    foreign = _table(
        tmp_path, [{"txn_code": "D1", "event_type": "DELIVERED", "attributes": {"wave_id": "W1"}}]
    )
    with pytest.raises(CodeTableError, match="attributes.wave_id: not an attribute of DELIVERED"):
        load_code_table(foreign, TxnCode, ("txn_code",))


def test_an_entry_missing_its_key_field_or_carrying_an_unknown_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CodeTableError, match=r"entries\[0\].txn_code: Field required"):
        load_code_table(_table(tmp_path, [{"event_type": "PICK_STARTED"}]), TxnCode, ("txn_code",))
    with pytest.raises(CodeTableError, match=r"entries\[0\].colour: Extra inputs are not permitted"):
        load_code_table(
            _table(tmp_path, [{"txn_code": "A", "event_type": "PICK_STARTED", "colour": "red"}]),
            TxnCode,
            ("txn_code",),
        )


def test_a_file_that_is_not_a_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "codes.json"
    path.write_text("[]")
    with pytest.raises(CodeTableError, match="'entries' must be a non-empty list"):
        load_code_table(path, TxnCode, ("txn_code",))
    with pytest.raises(CodeTableError, match="key field 'code' is not a field of TxnCode"):
        load_code_table(
            _table(tmp_path, [{"txn_code": "A", "event_type": "PICK_STARTED"}]), TxnCode, ("code",)
        )
