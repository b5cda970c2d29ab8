"""Each DC's WMS writes its change log in its own vocabulary, in facility wall time without an offset."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from simulator.catalog import INVENTORY_SCHEMA, SKU_SCHEMA, WorldCatalog
from simulator.sources.wms import CHANGE_LOG_COLUMNS, render_change_log
from simulator.sources.wms_reference import (
    UNIT_ERRORS,
    WEIGHT_UNITS,
    reference_rows,
    sku_master_and_anomalies,
)
from tests.simulator.sample_world import sample_truth


@pytest.fixture(scope="module")
def rno() -> list[dict]:
    return render_change_log(sample_truth(), "DC-RNO").to_dicts()


def _by_code(rows: list[dict], code: str) -> list[dict]:
    return [row for row in rows if row["txn_code"] == code]


def test_rows_have_the_change_log_columns_and_only_this_dcs_records(rno: list[dict]) -> None:
    assert tuple(rno[0]) == CHANGE_LOG_COLUMNS
    assert {row["whse"] for row in rno} == {"RNO1"}
    assert {row["order_no"] for row in rno} == {"SO-00012345"}
    cmh = render_change_log(sample_truth(), "DC-CMH")
    assert cmh["txn_code"].to_list() == ["100", "800", "810", "450"] and set(cmh["whse"]) == {"CMH"}


def test_transaction_time_is_facility_wall_time_and_repeats_in_the_fold(rno: list[dict]) -> None:
    download = _by_code(rno, "ORD_DNLD")[0]
    assert download["txn_ts"] == datetime(2026, 10, 30, 11, 12, 5)  # 18:12:05Z in Reno (PDT)
    pick_start, short = _by_code(rno, "PICK_BEG")[0], _by_code(rno, "SHORT_PICK")[0]
    assert pick_start["txn_ts"].strftime("%H:%M") == short["txn_ts"].strftime("%H:%M") == "01:30"


def test_order_download_carries_the_host_order(rno: list[dict]) -> None:
    details = json.loads(_by_code(rno, "ORD_DNLD")[0]["details"])
    assert details["ship_to"]["zip"] == "94110" and details["order_channel"] == "WEB"
    assert details["promise_by"] == "2026-11-04T07:59:59Z"
    assert details["lines"] == [
        {"ln": 1, "item": "WP-100037", "qty": 1, "uom": "EA"},
        {"ln": 2, "item": "WP-100412", "qty": 2, "uom": "EA"},
    ]


def test_picks_packs_and_labels(rno: list[dict]) -> None:
    short = _by_code(rno, "SHORT_PICK")[0]
    assert (short["line_no"], short["sku"], short["qty"], short["user_id"]) == (2, "WP-100412", 1, "RNO-P017")
    assert json.loads(short["details"]) == {"short_qty": 1}
    pack = _by_code(rno, "PACK_END")[0]
    assert pack["carton_id"] == "CT-RNO-0458812" and json.loads(pack["details"]) == {
        "weight": 3.13,
        "uom": "LB",
    }
    label = _by_code(rno, "LBL_PRT")[0]
    assert (label["ref_1"], label["ref_2"], label["ref_3"]) == ("UPSN", "GND", "1Z4A7W290398615727")
    wave = _by_code(rno, "WAVE_REL")[0]
    assert wave["ref_1"] == "W-RNO-20261101-03"


def test_columbus_weighs_in_kilograms_and_codes_carriers_its_own_way() -> None:
    cmh = render_change_log(sample_truth(), "DC-CMH").to_dicts()
    label = next(row for row in cmh if row["txn_code"] == "450")
    assert label["ref_1"] == "FEDX" and json.loads(label["details"])["weight"] == 0.8
    hold = next(row for row in cmh if row["txn_code"] == "800")
    assert hold["ref_1"] == "ADDRESS_VERIFICATION"


def test_returns_dock_and_broken_clocks(rno: list[dict]) -> None:
    returned = _by_code(rno, "RTN_RCV")[0]
    assert (returned["ref_1"], returned["ref_2"], returned["qty"]) == ("RMA-00012345", "RESELLABLE", 1)
    assert _by_code(rno, "STG_DOCK")[0]["txn_ts"] == datetime(1970, 1, 1)


def test_a_late_upload_keeps_its_true_time_but_becomes_available_later(rno: list[dict]) -> None:
    late = _by_code(rno, "PICK_CONF")[0]
    assert late["txn_ts"] == datetime(2026, 11, 1, 1, 34, 10)
    assert late["available_at"] == datetime(2026, 11, 1, 10, 34, 10, tzinfo=UTC)


def _catalog(count: int = 4000) -> WorldCatalog:
    rng = np.random.default_rng(3)
    skus = pl.DataFrame(
        {
            "sku": [f"WP-{100_000 + i:06d}" for i in range(count)],
            "description": [f"Item {i}" for i in range(count)],
            "category": ["home"] * count,
            "weight_kg": np.round(rng.uniform(0.05, 12, count), 3),
            "length_cm": np.round(rng.uniform(5, 80, count), 1),
            "width_cm": np.round(rng.uniform(5, 60, count), 1),
            "height_cm": np.round(rng.uniform(2, 40, count), 1),
            "unit_price": np.round(rng.uniform(5, 300, count), 2),
            "popularity": np.full(count, 1 / count),
        },
        schema=SKU_SCHEMA,
    )
    inventory = pl.DataFrame(
        {"facility_id": ["DC-RNO", "DC-CMH", "ST-001"], "sku": ["WP-100000"] * 3, "on_hand": [40, 12, 3]},
        schema=INVENTORY_SCHEMA,
    )
    return WorldCatalog(seed=11, skus=skus, inventory=inventory)


def test_sku_master_mixes_units_and_marks_every_conversion_error() -> None:
    catalog = _catalog()
    master, anomalies = sku_master_and_anomalies(catalog, "DC-RNO")
    assert set(master["weight_uom"]) == set(WEIGHT_UNITS) and set(master["dim_uom"]) == {"in", "inch", "cm"}
    true = catalog.skus.select("sku", "weight_kg")
    per_kg = pl.col("weight_uom").replace_strict({unit: factor for unit, (factor, _) in WEIGHT_UNITS.items()})
    checked = master.join(true, on="sku").with_columns(
        ratio=pl.col("unit_weight") / (pl.col("weight_kg") * per_kg)
    )
    errors = set(anomalies.filter(pl.col("kind") == "sku_unit_error")["ref"])
    wrong = set(checked.filter((pl.col("ratio") - 1).abs() > 0.06)["sku"])
    assert errors and wrong == errors
    factors = {
        json.loads(detail)["factor"]
        for detail in anomalies.filter(pl.col("kind") == "sku_unit_error")["detail"]
    }
    assert factors == {factor for _, _, factor in UNIT_ERRORS}
    assert 0.005 < len(errors) / catalog.skus.height < 0.025


def test_duplicate_variants_point_at_their_original() -> None:
    master, anomalies = sku_master_and_anomalies(_catalog(), "DC-RNO")
    duplicates = anomalies.filter(pl.col("kind") == "sku_duplicate_variant")
    assert duplicates.height > 0 and master["sku"].n_unique() == master.height
    for row in duplicates.iter_rows(named=True):
        original = json.loads(row["detail"])["duplicate_of"]
        assert row["ref"] != original

        def normalised(sku: str) -> str:
            return sku.strip().upper().replace("-", "")

        assert normalised(row["ref"]) == normalised(original)


def test_reference_rows_are_deterministic_and_differ_per_dc() -> None:
    catalog = _catalog()
    first, again = reference_rows(catalog, "DC-RNO"), reference_rows(catalog, "DC-RNO")
    assert [r.rows.equals(a.rows) for r, a in zip(first, again, strict=True)] == [True, True, True]
    other = reference_rows(catalog, "DC-CMH")
    assert not first[0].rows.equals(other[0].rows)
    assert [r.table for r in first] == ["wms.sku_master", "wms.inventory", "sim.injected_anomaly"]
    assert first[1].rows.to_dicts() == [{"sku": "WP-100000", "on_hand": 40}]
