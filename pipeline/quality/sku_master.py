"""SKU master cleansing as pure functions: the master as typed in, the cleansed master and what changed out.

1. Units: weights to kilograms, dimensions to centimetres (sku_master.json lists each unit and its
   spellings: lb, lbs, LB, pound, oz, kg, g; in, inch, cm). A unit not listed leaves the value unknown.
2. Unit-conversion errors: a weight typed in one unit and labelled with another is off by the ratio of
   the two (16 for ounces labelled pounds, 453.6 for grams labelled pounds, 1000 for grams labelled
   kilograms). Weight alone cannot tell (a category spans heavy and light items), but weight per litre of
   the item's box can: it is compared with the median of its category, and a SKU off by about one of
   the ratios its label allows (and by at least `min_off_factor`) is corrected by that ratio. Off without
   a matching ratio: flagged `weight_outlier`, not changed.
3. Duplicate variants: SKUs equal once upper-cased with `-`, `_` and blanks removed (`wp-100123`,
   `WP100123`, `WP-100123 `); the one matching `canonical_pattern` is the SKU, the others point at it.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from pipeline.quality.rulebook import SkuMasterRules

_SEPARATORS = re.compile(r"[-_\s]")


@dataclass(frozen=True)
class TypedSku:
    """One SKU master row as the WMS holds it."""

    sku: str
    category: str
    weight_value: Decimal | float | None
    weight_unit: str | None
    length_value: Decimal | float | None
    width_value: Decimal | float | None
    height_value: Decimal | float | None
    dimension_unit: str | None


@dataclass(frozen=True)
class CleansedSku:
    sku: str
    canonical_sku: str
    category: str
    weight_kg: float | None
    length_cm: float | None
    width_cm: float | None
    height_cm: float | None
    weight_status: str  # ok | corrected | unknown_unit | missing
    dimension_status: str  # ok | unknown_unit | missing
    correction_factor: float | None = None
    typed_in: str | None = None  # the unit a corrected weight was really typed in
    issues: tuple[str, ...] = ()


@dataclass
class CleansingSummary:
    """The before-and-after report: units as typed, what was corrected, flagged and left unknown."""

    skus: int = 0
    weight_units_before: Counter = field(default_factory=Counter)
    dimension_units_before: Counter = field(default_factory=Counter)
    issues: Counter = field(default_factory=Counter)
    corrections_by_factor: Counter = field(default_factory=Counter)


def cleanse(rows: Sequence[TypedSku], rules: SkuMasterRules) -> tuple[list[CleansedSku], CleansingSummary]:
    """The cleansed master (one row per SKU, in input order) and the summary of what changed."""
    converted = [_converted(row, rules) for row in rows]
    medians = _category_densities(converted, rules)
    canonical = canonical_skus([row.sku for row in rows], rules.canonical_pattern)
    cleansed = [
        _checked(item, medians.get(item.category, medians.get("", None)), canonical[item.sku], rules)
        for item in converted
    ]
    summary = CleansingSummary(skus=len(rows))
    summary.weight_units_before.update(str(row.weight_unit) for row in rows)
    summary.dimension_units_before.update(str(row.dimension_unit) for row in rows)
    for item in cleansed:
        summary.issues.update(item.issues)
        if item.correction_factor is not None:
            summary.corrections_by_factor[_factor_label(item.correction_factor)] += 1
    return cleansed, summary


def canonical_skus(skus: Sequence[str], pattern: str) -> dict[str, str]:
    """Each SKU's canonical SKU: itself, or the member of its duplicate group matching `pattern`."""
    groups: dict[str, list[str]] = defaultdict(list)
    for sku in skus:
        groups[_SEPARATORS.sub("", sku.upper())].append(sku)
    regex = re.compile(pattern)
    result = {}
    for members in groups.values():
        matching = sorted(member for member in members if regex.fullmatch(member))
        chosen = matching[0] if matching else sorted(members, key=lambda m: (m != m.strip(), m))[0]
        result.update(dict.fromkeys(members, chosen))
    return result


def density_kg_per_litre(weight_kg: float | None, dims_cm: Sequence[float | None]) -> float | None:
    if weight_kg is None or weight_kg <= 0 or any(side is None or side <= 0 for side in dims_cm):
        return None
    litres = math.prod(dims_cm) / 1000  # type: ignore[arg-type]
    return weight_kg / litres


@dataclass(frozen=True)
class _Converted:
    row: TypedSku
    weight_unit: str | None
    weight_kg: float | None
    dimension_unit: str | None
    dims_cm: tuple[float | None, float | None, float | None]
    density: float | None

    @property
    def sku(self) -> str:
        return self.row.sku

    @property
    def category(self) -> str:
        return self.row.category


def _converted(row: TypedSku, rules: SkuMasterRules) -> _Converted:
    weight_unit = rules.weight_unit(row.weight_unit)
    weight = _number(row.weight_value)
    weight_kg = (
        weight * rules.weight_units[weight_unit].per_unit if weight is not None and weight_unit else None
    )
    dimension_unit = rules.dimension_unit(row.dimension_unit)
    per_cm = rules.dimension_units[dimension_unit].per_unit if dimension_unit else None
    sides = (_number(row.length_value), _number(row.width_value), _number(row.height_value))
    dims = tuple(side * per_cm if side is not None and per_cm is not None else None for side in sides)
    return _Converted(
        row, weight_unit, weight_kg, dimension_unit, dims, density_kg_per_litre(weight_kg, dims)
    )  # type: ignore[arg-type]


def _category_densities(items: Sequence[_Converted], rules: SkuMasterRules) -> dict[str, float]:
    """Median density per category with enough SKUs; '' holds the median of all, for the others."""
    by_category: dict[str, list[float]] = defaultdict(list)
    for item in items:
        if item.density is not None:
            by_category[item.category].append(item.density)
    everything = [value for values in by_category.values() for value in values]
    medians = {
        category: statistics.median(values)
        for category, values in by_category.items()
        if len(values) >= rules.min_category_skus
    }
    if everything:
        medians[""] = statistics.median(everything)
    return medians


def _checked(item: _Converted, median: float | None, canonical: str, rules: SkuMasterRules) -> CleansedSku:
    issues: list[str] = []
    weight_kg, status, factor, typed_in = item.weight_kg, "ok", None, None
    if item.row.weight_value is None:
        status = "missing"
    elif item.weight_unit is None:
        status = "unknown_unit"
        issues.append("unknown_weight_unit")
    elif item.density is not None and median:
        error = _unit_error(item.density / median, item.weight_unit, rules)
        if error is not None:
            factor, typed_in = error
            weight_kg = item.weight_kg / factor if item.weight_kg is not None else None
            status = "corrected"
            issues.append("unit_error")
        elif abs(math.log(item.density / median)) >= math.log(rules.min_off_factor):
            issues.append("weight_outlier")
    if any(side is None for side in (item.row.length_value, item.row.width_value, item.row.height_value)):
        dimension_status = "missing"
    elif item.dimension_unit is None:
        dimension_status = "unknown_unit"
        issues.append("unknown_dimension_unit")
    else:
        dimension_status = "ok"
    if canonical != item.sku:
        issues.append("duplicate_variant")
    length, width, height = item.dims_cm
    return CleansedSku(
        sku=item.sku,
        canonical_sku=canonical,
        category=item.category,
        weight_kg=round(weight_kg, 4) if weight_kg is not None else None,
        length_cm=round(length, 2) if length is not None else None,
        width_cm=round(width, 2) if width is not None else None,
        height_cm=round(height, 2) if height is not None else None,
        weight_status=status,
        dimension_status=dimension_status,
        correction_factor=factor,
        typed_in=typed_in,
        issues=tuple(issues),
    )


def _unit_error(ratio: float, labelled: str, rules: SkuMasterRules) -> tuple[float, str] | None:
    """(factor, unit typed in) of the unit error that explains a density `ratio` times its category's."""
    if abs(math.log(ratio)) < math.log(rules.min_off_factor):
        return None
    candidates = [
        (rules.error_factor(error), error.typed_in)
        for error in rules.unit_errors
        if error.labelled == labelled
    ]
    if not candidates:
        return None
    factor, typed_in = min(candidates, key=lambda candidate: abs(math.log(ratio / candidate[0])))
    if abs(math.log(ratio / factor)) > math.log(rules.match_tolerance):
        return None
    return factor, typed_in


def _number(value: Decimal | float | None) -> float | None:
    return float(value) if value is not None else None


def _factor_label(factor: float) -> str:
    return f"x{factor:g}" if factor >= 1 else f"x1/{1 / factor:g}"
