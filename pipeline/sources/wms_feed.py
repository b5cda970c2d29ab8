"""Polling a DC's WMS change log into the raw inbox, page by page, with no gap and no repeat.

Each page is read with `seq` above the checkpoint, landed as one payload (source `wms:<DC>`, a JSON
array of rows, see pipeline/sources/wms.py), and the checkpoint moves in the SAME transaction as the
land, then commits. A worker that dies between pages has committed whole pages only, so the next poll
resumes exactly where the inbox ends.

Sequences can commit out of order: `seq` is taken when a WMS transaction inserts its row, not when it
commits, so a reader may see 105 before a slower transaction commits 103. Re-reading a fixed window
below the checkpoint would re-land the same rows on every poll; instead the checkpoint remembers the
holes it stepped over (`gaps`: seq -> when first noticed) and each poll asks for them again until they
appear or `gap_ttl` passes (a hole older than any WMS transaction is a rolled-back insert, not a late
one). A late row is landed once, in a later page, and sorted by its `seq` and time when loaded. The
(source, event_id = seq) identity dedupe stays as the last guard.

The simulator-only `available_at` column is never read: the query names the WMS's own columns.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Connection, Engine, text

from pipeline.checkpoints import read_position, write_position
from pipeline.inbox import Arrival, land, wake_drain
from pipeline.settings import Settings
from simulator.databases import wms_database_url

log = structlog.get_logger(__name__)

SOURCE_PREFIX = "wms:"  # one source per DC: wms:DC-RNO

CHANGE_LOG_COLUMNS = (
    "seq",
    "txn_code",
    "txn_ts",
    "whse",
    "order_no",
    "line_no",
    "sku",
    "qty",
    "user_id",
    "carton_id",
    "ref_1",
    "ref_2",
    "ref_3",
    "details",
)
_SELECT = (
    "SELECT seq, txn_code, txn_ts, whse, order_no, line_no, sku, qty, user_id, carton_id, ref_1, ref_2, ref_3, details"
    " FROM wms.change_log"
)
_PAGE = text(_SELECT + " WHERE seq > :high OR seq = ANY(:gaps) ORDER BY seq LIMIT :limit")
_ORDER = text(_SELECT + " WHERE order_no = :order_no ORDER BY seq")
DEFAULT_GAP_TTL = timedelta(minutes=10)
MAX_GAPS = 10_000


@dataclass(frozen=True)
class WmsPosition:
    """How far a DC's change log has been landed: the highest seq, and the holes below it."""

    high: int = 0
    gaps: dict[int, datetime] = field(default_factory=dict)

    @classmethod
    def loads(cls, stored: str | None) -> WmsPosition:
        if not stored:
            return cls()
        if stored.strip().isdigit():
            return cls(int(stored))
        document = json.loads(stored)
        gaps = {int(seq): datetime.fromisoformat(seen) for seq, seen in document.get("gaps", {}).items()}
        return cls(int(document["seq"]), gaps)

    def dumps(self) -> str:
        gaps = {str(seq): seen.isoformat() for seq, seen in sorted(self.gaps.items())}
        return json.dumps({"seq": self.high, "gaps": gaps}, separators=(",", ":"))

    def expired(self, now: datetime, ttl: timedelta) -> WmsPosition:
        """Without the holes older than `ttl`: inserts that were rolled back, never to commit."""
        kept = {seq: seen for seq, seen in self.gaps.items() if now - seen < ttl}
        if len(kept) < len(self.gaps):
            log.info(
                "wms.gaps_expired",
                dropped=sorted(set(self.gaps) - set(kept))[:20],
                count=len(self.gaps) - len(kept),
            )
        return WmsPosition(self.high, kept)

    def after(self, seqs: Sequence[int], now: datetime) -> WmsPosition:
        """The position once the rows `seqs` (ascending) are landed: holes stepped over are remembered."""
        read = set(seqs)
        gaps = {seq: seen for seq, seen in self.gaps.items() if seq not in read}
        high = self.high
        for seq in seqs:
            if seq > high:
                gaps.update(dict.fromkeys(range(high + 1, seq), now))
                high = seq
        if len(gaps) > MAX_GAPS:
            log.warning("wms.too_many_gaps", kept=MAX_GAPS, dropped=len(gaps) - MAX_GAPS)
            gaps = dict(sorted(gaps.items())[-MAX_GAPS:])
        return WmsPosition(high, gaps)


def wms_url(settings: Settings, main_url: str, facility_id: str) -> str:
    """The WMS database of a DC: the configured one, else the simulator's beside the main database."""
    return settings.wms_database_urls.get(facility_id) or wms_database_url(main_url, facility_id)


def poll_wms(
    engine: Engine,
    wms_engine: Engine,
    facility_id: str,
    *,
    page_size: int = 1000,
    max_pages: int = 50,
    gap_ttl: timedelta = DEFAULT_GAP_TTL,
) -> int:
    """Land new change-log rows of one DC, a page per transaction; returns how many rows were landed."""
    source = f"{SOURCE_PREFIX}{facility_id}"
    landed = 0
    for _ in range(max_pages):
        with engine.begin() as conn:
            rows, full = _land_next_page(conn, wms_engine, source, page_size, gap_ttl)
        landed += rows
        if not full:
            break
    if landed:
        log.info("wms.polled", source=source, rows=landed)
    return landed


def _land_next_page(
    conn: Connection, wms_engine: Engine, source: str, page_size: int, gap_ttl: timedelta
) -> tuple[int, bool]:
    now = datetime.now(UTC)
    before = WmsPosition.loads(read_position(conn, source, lock=True))
    position = before.expired(now, gap_ttl)
    with wms_engine.connect() as wms:
        rows = [
            dict(r._mapping)
            for r in wms.execute(
                _PAGE, {"high": position.high, "gaps": sorted(position.gaps), "limit": page_size}
            )
        ]
    if rows:
        seqs = [row["seq"] for row in rows]
        headers = {"first_seq": seqs[0], "last_seq": seqs[-1], "rows": len(rows)}
        land(conn, Arrival(source, change_log_bytes(rows), headers=headers))
        wake_drain(conn, source)
    after = position.after([row["seq"] for row in rows], now)
    if after != before:
        write_position(conn, source, after.dumps())
    return len(rows), len(rows) == page_size


def fetch_wms_order(wms_engine: Engine, order_no: str) -> bytes:
    """Every change-log row of one order, as a page the WMS adapter reads (for backfills and repairs)."""
    with wms_engine.connect() as wms:
        rows = [dict(r._mapping) for r in wms.execute(_ORDER, {"order_no": order_no})]
    return change_log_bytes(rows)


def change_log_bytes(rows: Sequence[dict[str, Any]]) -> bytes:
    """Rows as the JSON array the adapter reads: `txn_ts` as the WMS wrote it, `details` as an object."""
    return json.dumps(
        [{name: row.get(name) for name in CHANGE_LOG_COLUMNS} for row in rows],
        default=_wall_text,
        separators=(",", ":"),
    ).encode()


def _wall_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a change-log value")
