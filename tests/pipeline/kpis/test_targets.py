"""Targets and baselines are data: pipeline/kpi_targets.json, checked when read."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from pydantic import ValidationError

from pipeline.kpis.definitions import KPI_KEYS
from pipeline.kpis.targets import TARGETS_FILE, kpi_targets, parse_targets


def document() -> dict:
    return json.loads(TARGETS_FILE.read_text())


def test_the_shipped_file_sets_a_target_for_every_kpi() -> None:
    targets = kpi_targets()
    assert set(targets.kpis) == set(KPI_KEYS)
    assert targets.baseline_for("on_time_delivery").period(date(2026, 9, 27)) == (
        date(2026, 9, 27),
        date(2026, 10, 24),
    )


def test_a_facility_may_have_its_own_target() -> None:
    raw = document()
    raw["kpis"]["orders_packed_per_shift"] = {"target": 60, "by_facility": {"DC-RNO": 450}}
    targets = parse_targets(raw)
    assert targets.target("orders_packed_per_shift", "DC-RNO") == 450
    assert targets.target("orders_packed_per_shift", "ST-001") == 60
    assert targets.target("orders_packed_per_shift") == 60


def test_a_kpi_may_have_fixed_baseline_dates() -> None:
    raw = document()
    raw["kpis"]["csat_score"]["baseline"] = {"from": "2026-09-01", "to": "2026-09-30"}
    baseline = parse_targets(raw).baseline_for("csat_score")
    assert baseline.period(date(2026, 1, 1)) == (date(2026, 9, 1), date(2026, 9, 30))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["kpis"].pop("csat_score"), "no target for KPI(s) ['csat_score']"),
        (lambda raw: raw["kpis"].update(on_time_delivry={"target": 1}), "unknown KPI(s) ['on_time_delivry']"),
        (lambda raw: raw["kpis"]["exception_rate"].update(target=-1), "greater than or equal to 0"),
        (lambda raw: raw.update(baseline={"first_days": 0}), "greater than or equal to 1"),
        (lambda raw: raw.update(baseline={"from": "2026-09-30", "to": "2026-09-01"}), "is before 'from'"),
    ],
)
def test_a_wrong_file_is_refused_naming_the_field_and_the_rule(change, message: str) -> None:
    raw = document()
    change(raw)
    with pytest.raises(ValidationError, match=re.escape(message)):
        parse_targets(raw)
