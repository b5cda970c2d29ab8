"""The quality rules are data: every file validates, and a wrong one is refused naming file, field and rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.quality import rulebook


def test_the_shipped_rule_files_validate() -> None:
    assert rulebook.timestamp_limits().sequence.covers("wms:DC-RNO")
    assert set(rulebook.gap_rules().rules) >= {"label_without_pack", "scan_without_pickup"}
    assert rulebook.sku_master_rules().weight_unit(" LBS ") == "lb"
    assert rulebook.health_rules().limits_for("helpdesk").min_limit_minutes == 30.0


def rewrite(tmp_path: Path, source: Path, change) -> Path:  # noqa: ANN001 - a function editing the document
    document = json.loads(source.read_text())
    change(document)
    path = tmp_path / source.name
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize(
    ("loader", "source", "change", "expected"),
    [
        (rulebook.health_rules.__wrapped__, rulebook.HEALTH_FILE,
         lambda d: d["default"].update(quarantine_rate_max=2), "quarantine_rate_max"),
        (rulebook.health_rules.__wrapped__, rulebook.HEALTH_FILE,
         lambda d: d["sources"].update(stores={"silence": 3}), "unknown threshold(s) ['silence']"),
        (rulebook.gap_rules.__wrapped__, rulebook.GAPS_FILE,
         lambda d: d["rules"]["label_without_pack"].update(missing="PACK_TELEPORTED"), "not a registered event type"),
        (rulebook.sku_master_rules.__wrapped__, rulebook.SKU_MASTER_FILE,
         lambda d: d["unit_errors"].append({"typed_in": "stone", "labelled": "lb"}), "unit_errors[6].typed_in"),
        (rulebook.timestamp_limits.__wrapped__, rulebook.TIMESTAMPS_FILE,
         lambda d: d.update(earliest_valid="2000-01-01T00:00:00"), "earliest_valid needs an offset"),
    ],
)  # fmt: skip
def test_a_wrong_rule_file_names_the_file_and_the_field(
    tmp_path: Path, loader, source, change, expected
) -> None:  # noqa: ANN001
    with pytest.raises(rulebook.RulebookError) as refused:
        loader(rewrite(tmp_path, source, change))
    assert source.name in str(refused.value) and expected in str(refused.value)
