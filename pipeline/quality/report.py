"""`waypoint dq report`: what the quality checks found and did, counted per area, rule, source and action,
with a few examples of each; the SKU master before and after cleansing; backfill gaps by state.

Everything is read from the tables the checks write (quality_finding, backfill_gap, sku_cleansed), so the
report agrees with the Data Health page and costs a few grouped scans.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from pipeline.quality.gate import GATE_PREFIX

_COUNTS = text(
    """
    SELECT area, rule, source, action, count(*) AS findings
    FROM quality_finding
    WHERE CAST(:since AS timestamptz) IS NULL OR found_at >= :since
    GROUP BY area, rule, source, action
    ORDER BY area, rule, source, action
    """
)
_EXAMPLES = text(
    """
    SELECT area, rule, source, action, split_part(finding_key, '|', 4) AS record, order_id, event_id, detail
    FROM (
        SELECT f.*, row_number() OVER (PARTITION BY area, rule, source ORDER BY found_at DESC, finding_id DESC) AS n
        FROM quality_finding AS f
        WHERE CAST(:since AS timestamptz) IS NULL OR found_at >= :since
    ) AS ranked
    WHERE n <= :per_group
    ORDER BY area, rule, source, n
    """
)
# Invalid times the adapters refused themselves (unreadable, epoch, no zone …) before the gate saw them;
# the gate's own quarantines are findings already.
_ADAPTER_TIMES = text(
    """
    SELECT q.source, coalesce(q.rule, '') AS rule, count(*) AS records
    FROM quarantine AS q
    WHERE q.reason_code = 'invalid_timestamp' AND q.resolved_at IS NULL
      AND q.message NOT LIKE :gate_prefix
      AND (CAST(:since AS timestamptz) IS NULL OR q.quarantined_at >= :since)
    GROUP BY 1, 2 ORDER BY 1, 2
    """
)
_GAP_STATES = text("SELECT rule, state, count(*) FROM backfill_gap GROUP BY rule, state ORDER BY rule, state")
_SKU_ISSUES = text(
    "SELECT issue, count(*) FROM sku_cleansed, unnest(issues) AS issue GROUP BY issue ORDER BY issue"
)
_SKU_UNITS = text(
    """
    SELECT 'weight' AS measure, coalesce(source_values->>'weight_unit', '(none)') AS unit, count(*) FROM sku_cleansed
    GROUP BY 2
    UNION ALL
    SELECT 'dimension', coalesce(source_values->>'dimension_unit', '(none)'), count(*) FROM sku_cleansed GROUP BY 2
    ORDER BY 1, 2
    """
)
_SKU_STATUS = text(
    "SELECT weight_status, count(*) FROM sku_cleansed GROUP BY weight_status ORDER BY weight_status"
)


@dataclass
class QualityReport:
    counts: list[dict[str, Any]] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)
    backfill_gaps: list[dict[str, Any]] = field(default_factory=list)
    adapter_timestamps: list[dict[str, Any]] = field(default_factory=list)
    sku_master: dict[str, Any] = field(default_factory=dict)

    def totals_by_rule(self) -> Counter:
        totals: Counter = Counter()
        for row in self.counts:
            totals[(row["area"], row["rule"])] += row["findings"]
        return totals

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_report(conn: Connection, *, since: datetime | None = None, examples: int = 2) -> QualityReport:
    """The report over every finding (or those found since `since`), `examples` per rule and source."""
    report = QualityReport()
    params = {"since": since}
    report.counts = [dict(row._mapping) for row in conn.execute(_COUNTS, params)]
    report.examples = [
        {**dict(row._mapping), "detail": dict(row.detail or {})}
        for row in conn.execute(_EXAMPLES, {**params, "per_group": examples})
    ]
    report.adapter_timestamps = [
        dict(row._mapping)
        for row in conn.execute(_ADAPTER_TIMES, {**params, "gate_prefix": GATE_PREFIX + "%"})
    ]
    report.backfill_gaps = [{"rule": r, "state": s, "gaps": n} for r, s, n in conn.execute(_GAP_STATES)]
    report.sku_master = {
        "skus": sum(n for _, n in conn.execute(_SKU_STATUS)),
        "weight_status": dict(conn.execute(_SKU_STATUS).all()),
        "issues": dict(conn.execute(_SKU_ISSUES).all()),
        "units_before": [{"measure": m, "unit": u, "skus": n} for m, u, n in conn.execute(_SKU_UNITS)],
    }
    return report


def render_text(report: QualityReport) -> str:
    """The report for people: a table of counts, then the examples, then gaps and the SKU master."""
    lines = ["Quality findings (area, rule, source, action: count)"]
    if not report.counts:
        lines.append("  none")
    for row in report.counts:
        lines.append(
            f"  {row['area']:<10} {row['rule']:<30} {row['source']:<20} {row['action']:<12} {row['findings']:>8,}"
        )
    if report.examples:
        lines.append("")
        lines.append("Examples")
        for ex in report.examples:
            what = ex["detail"].get("message") or ex["detail"].get("missing") or ""
            lines.append(
                f"  {ex['area']}/{ex['rule']} {ex['source']} {ex['action']}: order {ex['order_id'] or '-'}"
                f" ({ex['record']}) {what}".rstrip()
            )
    lines += ["", "Invalid times the adapters quarantined before the gate (source, rule: records)"]
    lines += [
        f"  {a['source']:<20} {a['rule']:<30} {a['records']:>8,}" for a in report.adapter_timestamps
    ] or ["  none"]
    lines += ["", "Backfill gaps (rule, state: count)"]
    lines += [f"  {g['rule']:<32} {g['state']:<10} {g['gaps']:>8,}" for g in report.backfill_gaps] or [
        "  none"
    ]
    sku = report.sku_master
    lines += ["", f"SKU master: {sku.get('skus', 0):,} SKUs cleansed"]
    if sku.get("skus"):
        lines.append(
            "  before: " + ", ".join(f"{u['measure']} {u['unit']} {u['skus']:,}" for u in sku["units_before"])
        )
        lines.append("  after: weights in kg, dimensions in cm; weight " + ", ".join(
            f"{status} {count:,}" for status, count in sku["weight_status"].items()
        ))  # fmt: skip
        lines.append("  issues: " + (", ".join(f"{k} {v:,}" for k, v in sku["issues"].items()) or "none"))
    return "\n".join(lines)
