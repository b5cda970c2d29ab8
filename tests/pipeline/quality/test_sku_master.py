"""SKU master cleansing: units, unit-conversion errors, duplicate variants, before and after."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline.quality.rulebook import sku_master_rules
from pipeline.quality.sku_master import TypedSku, canonical_skus, cleanse

RULES = sku_master_rules()


def sku(name: str, weight: float | None, unit: str | None, dims=(20, 10, 10), dim_unit="cm",
        category="apparel") -> TypedSku:  # fmt: skip
    return TypedSku(name, category, weight, unit, *dims, dim_unit)


def clean_category(count: int = 8) -> list[TypedSku]:
    """Boxes of 2 litres weighing about a kilogram: a density of about 0.5 kg/l."""
    return [sku(f"WP-{100000 + i}", 1.0 + 0.02 * i, "kg") for i in range(count)]


@pytest.mark.parametrize(
    ("value", "unit", "kilograms"),
    [(2.2046, "lb", 1.0), (2.2046, "lbs", 1.0), (2.2046, "LB", 1.0), (2.2046, "pound", 1.0),
     (35.274, "oz", 1.0), (1.0, "kg", 1.0), (1000, "g", 1.0)],
)  # fmt: skip
def test_weight_units_are_normalized_to_kilograms(value: float, unit: str, kilograms: float) -> None:
    cleansed, _ = cleanse([*clean_category(), sku("WP-200000", value, unit)], RULES)
    assert cleansed[-1].weight_kg == pytest.approx(kilograms, rel=1e-3)
    assert cleansed[-1].weight_status == "ok"


@pytest.mark.parametrize(("dims", "unit"), [((7.874, 3.937, 3.937), "in"), ((7.874, 3.937, 3.937), "inch"),
                                           ((20, 10, 10), "cm")])  # fmt: skip
def test_dimensions_are_normalized_to_centimetres(dims, unit: str) -> None:
    cleansed, _ = cleanse([*clean_category(), sku("WP-200000", 1.0, "kg", dims, unit)], RULES)
    assert (cleansed[-1].length_cm, cleansed[-1].width_cm, cleansed[-1].height_cm) == pytest.approx(
        (20, 10, 10), rel=1e-3
    )


@pytest.mark.parametrize(
    ("typed", "labelled", "factor"),
    [(16.0, "lb", 16.0), (453.6, "lb", 453.59237), (1000.0, "kg", 1000.0)],
)
def test_unit_conversion_errors_are_found_against_the_category_and_corrected(
    typed: float, labelled: str, factor: float
) -> None:
    # 1 kg typed in ounces (16 oz is 1 lb) / grams but labelled pounds / kilograms.
    weight = 1.0 / RULES.weight_units[labelled].per_unit * factor
    cleansed, summary = cleanse([*clean_category(), sku("WP-300000", weight, labelled)], RULES)
    item = cleansed[-1]
    assert item.weight_status == "corrected" and "unit_error" in item.issues
    assert item.correction_factor == pytest.approx(factor, rel=1e-3)
    assert item.weight_kg == pytest.approx(1.0, rel=1e-2)
    assert sum(summary.corrections_by_factor.values()) == 1


def test_clean_master_has_no_issue() -> None:
    cleansed, summary = cleanse(clean_category(), RULES)
    assert all(item.issues == () for item in cleansed)
    assert summary.issues == {}


def test_an_outlier_no_unit_error_explains_is_flagged_not_changed() -> None:
    cleansed, _ = cleanse([*clean_category(), sku("WP-300001", 7.0, "kg")], RULES)  # 7x: no unit ratio
    assert cleansed[-1].issues == ("weight_outlier",)
    assert cleansed[-1].weight_kg == pytest.approx(7.0)


def test_unknown_units_leave_values_unknown() -> None:
    cleansed, _ = cleanse([*clean_category(), sku("WP-300002", 1.0, "stone", dim_unit="furlong")], RULES)
    assert cleansed[-1].weight_kg is None and cleansed[-1].length_cm is None
    assert set(cleansed[-1].issues) == {"unknown_weight_unit", "unknown_dimension_unit"}


def test_duplicate_variants_point_at_the_canonical_sku() -> None:
    mapping = canonical_skus(
        ["wp-100123", "WP100123", "WP-100123 ", "WP-100123", "WP-100124"], "^WP-[0-9]{6}$"
    )
    assert {mapping[s] for s in ("wp-100123", "WP100123", "WP-100123 ", "WP-100123")} == {"WP-100123"}
    assert mapping["WP-100124"] == "WP-100124"
    cleansed, summary = cleanse([*clean_category(), sku("wp_100001", 1.0, "kg")], RULES)
    assert cleansed[-1].canonical_sku == "WP-100001" and "duplicate_variant" in cleansed[-1].issues
    assert summary.issues["duplicate_variant"] == 1


def test_summary_counts_units_as_typed() -> None:
    _, summary = cleanse([*clean_category(3), sku("A", Decimal("2.2"), "LB"), sku("B", 2.2, "lbs")], RULES)
    assert summary.weight_units_before == {"kg": 3, "LB": 1, "lbs": 1}
