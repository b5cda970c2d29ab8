"""Collects truth records stage by stage as column arrays and turns them into one TRUTH_SCHEMA frame.

Lifecycle code adds whole arrays at a time (one call per event type and stage), never a row at a time;
`detail` objects are assembled at the end with polars expressions, keys with a null value left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from simulator.truth import TRUTH_SCHEMA

JsonKind = Literal["str", "num", "raw"]
_OPTIONAL_COLUMNS = (
    "facility_id",
    "shipment_id",
    "carrier_id",
    "service_code",
    "tracking_number",
    "operator_id",
    "line_no",
    "sku",
    "qty",
)


def json_string(expr: pl.Expr) -> pl.Expr:
    """A string column as JSON string literals."""
    escaped = expr.str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
    return pl.lit('"') + escaped + pl.lit('"')


def json_object(fields: dict[str, pl.Expr]) -> pl.Expr:
    """`{"key": value, …}` from expressions that yield JSON fragments; null fragments are left out."""
    if not fields:
        return pl.lit("{}")
    parts = [
        pl.when(expr.is_not_null()).then(pl.lit(f'"{key}":') + expr + pl.lit(",")).otherwise(pl.lit(""))
        for key, expr in fields.items()
    ]
    return pl.lit("{") + pl.concat_str(parts).str.strip_suffix(",") + pl.lit("}")


@dataclass
class TruthSink:
    """`available_delay_us` gives, per source system, the (low, high) delay before a record is visible."""

    rng: np.random.Generator
    available_delay_us: dict[str, tuple[int, int]]
    chunks: list[dict[str, object]] = field(default_factory=list)
    detail_kinds: dict[str, JsonKind] = field(default_factory=dict)

    def add(
        self,
        event_type: str,
        source_system: str,
        order_id: np.ndarray,
        uid_suffix: str | np.ndarray,
        occurred: np.ndarray,
        *,
        detail: dict[str, tuple[JsonKind, object]] | None = None,
        detail_json: np.ndarray | None = None,
        **columns: object,
    ) -> None:
        count = len(order_id)
        if count == 0:
            return
        low, high = self.available_delay_us[source_system]
        chunk: dict[str, object] = {
            "order_id": np.asarray(order_id, dtype=object),
            "uid_suffix": uid_suffix if isinstance(uid_suffix, str) else np.asarray(uid_suffix, dtype=object),
            "event_type": event_type,
            "source_system": source_system,
            "occurred": np.asarray(occurred, dtype=np.int64),
            "available": np.asarray(occurred, dtype=np.int64) + self.rng.integers(low, high + 1, count),
        }
        for name, value in columns.items():
            if name not in _OPTIONAL_COLUMNS:
                raise TypeError(f"unknown truth column {name!r}")
            chunk[name] = value
        for key, (kind, value) in (detail or {}).items():
            self.detail_kinds.setdefault(key, kind)
            chunk[f"d:{key}"] = value
        if detail_json is not None:
            chunk["detail_json"] = np.asarray(detail_json, dtype=object)
        chunk["_count"] = count
        self.chunks.append(chunk)

    @property
    def rows(self) -> int:
        return sum(int(chunk["_count"]) for chunk in self.chunks)

    @classmethod
    def merged(cls, sinks: list[TruthSink]) -> TruthSink:
        """One sink holding the records of several (hours') sinks, in their order."""
        merged = cls(rng=np.random.default_rng(0), available_delay_us={})
        for sink in sinks:
            merged.chunks.extend(sink.chunks)
            for key, kind in sink.detail_kinds.items():
                merged.detail_kinds.setdefault(key, kind)
        return merged

    def frame(self) -> pl.DataFrame:
        if not self.chunks:
            return pl.DataFrame(schema=TRUTH_SCHEMA)
        names = [
            "order_id",
            "uid_suffix",
            "event_type",
            "source_system",
            "occurred",
            "available",
            "detail_json",
        ]
        names += list(_OPTIONAL_COLUMNS) + [f"d:{key}" for key in self.detail_kinds]
        columns = {name: [] for name in names}
        signatures: list[tuple[str, ...]] = []
        signature_of_chunk = []
        for chunk in self.chunks:
            keys = tuple(sorted(name[2:] for name in chunk if name.startswith("d:")))
            if keys not in signatures:
                signatures.append(keys)
            signature_of_chunk.append(np.full(chunk["_count"], signatures.index(keys), dtype=np.int32))
        nothing = np.full(max(int(chunk["_count"]) for chunk in self.chunks), None, dtype=object)
        for chunk in self.chunks:
            count = chunk["_count"]
            for name in names:
                value = chunk.get(name)
                if isinstance(value, np.ndarray):
                    columns[name].append(value.astype(object) if value.dtype.kind in "US" else value)
                elif value is None:
                    columns[name].append(nothing[:count])
                else:
                    columns[name].append(np.full(count, value, dtype=object))
        raw = pl.DataFrame([self._series(name, np.concatenate(parts)) for name, parts in columns.items()])
        raw = raw.with_columns(_sig=pl.Series(np.concatenate(signature_of_chunk))).with_row_index("_row")
        return raw.with_columns(detail=self._details(raw, signatures)).select(
            record_uid=pl.col("order_id").cast(pl.String) + ":" + pl.col("uid_suffix").cast(pl.String),
            order_id=pl.col("order_id").cast(pl.String),
            event_type=pl.col("event_type").cast(pl.String),
            occurred_at=pl.col("occurred").cast(pl.Int64).cast(pl.Datetime("us", "UTC")),
            available_at=pl.col("available").cast(pl.Int64).cast(pl.Datetime("us", "UTC")),
            source_system=pl.col("source_system").cast(pl.String),
            facility_id=pl.col("facility_id").cast(pl.String),
            shipment_id=pl.col("shipment_id").cast(pl.String),
            carrier_id=pl.col("carrier_id").cast(pl.String),
            service_code=pl.col("service_code").cast(pl.String),
            tracking_number=pl.col("tracking_number").cast(pl.String),
            operator_id=pl.col("operator_id").cast(pl.String),
            line_no=pl.col("line_no").cast(pl.Int16),
            sku=pl.col("sku").cast(pl.String),
            qty=pl.col("qty").cast(pl.Int32),
            detail="detail",
            anomaly=pl.lit(None, dtype=pl.String),
            duplicate_of=pl.lit(None, dtype=pl.String),
        )

    def _details(self, raw: pl.DataFrame, signatures: list[tuple[str, ...]]) -> pl.Series:
        """The detail JSON of every row, built per group of rows that share their set of keys (cheaper than
        testing every key on every row)."""
        parts = []
        for (signature,), part in raw.partition_by("_sig", as_dict=True).items():
            fields = {
                key: self._fragment(pl.col(f"d:{key}"), self.detail_kinds[key])
                for key in signatures[signature]
            }
            parts.append(
                part.select(
                    "_row", detail=pl.coalesce(pl.col("detail_json").cast(pl.String), json_object(fields))
                )
            )
        return pl.concat(parts).sort("_row")["detail"]

    def _series(self, name: str, values: np.ndarray) -> pl.Series:
        numeric = name in ("occurred", "available", "line_no", "qty") or (
            name.startswith("d:") and self.detail_kinds[name[2:]] == "num"
        )
        if numeric:
            dtype = pl.Int64 if name in ("occurred", "available", "line_no", "qty") else pl.Float64
            return pl.Series(name, values.tolist() if values.dtype == object else values, dtype=dtype)
        return pl.Series(name, values.tolist(), dtype=pl.String)

    @staticmethod
    def _fragment(expr: pl.Expr, kind: JsonKind) -> pl.Expr:
        if kind == "str":
            return json_string(expr.cast(pl.String))
        if kind == "num":
            return expr.cast(pl.Float64).round(3).cast(pl.String).str.replace(r"\.0$", "")
        return expr.cast(pl.String)
