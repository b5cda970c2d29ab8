"""Claiming inbox rows: oldest first, never a row another worker holds, and no more than a batch uses."""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from pipeline.inbox import Arrival, claim_pending, land

KILOBYTE_PAYLOAD = b'{"pad": "' + b"x" * 1_000 + b'"}'


def _land_pending(engine: Engine, count: int) -> list[int]:
    with engine.begin() as conn:
        return [land(conn, Arrival("canonical:backfill", KILOBYTE_PAYLOAD)) for _ in range(count)]


def _ids(conn: Connection, limit: int, max_bytes: int | None = None) -> list[int]:
    return [row.raw_id for row in claim_pending(conn, limit, max_bytes)]


def test_a_claim_takes_the_oldest_rows_that_fit_the_byte_budget_and_always_one(conn: Connection) -> None:
    raw_ids = [land(conn, Arrival("canonical:backfill", KILOBYTE_PAYLOAD)) for _ in range(4)]

    assert _ids(conn, limit=10, max_bytes=2_500) == raw_ids[:2]
    assert _ids(conn, limit=10, max_bytes=10) == raw_ids[:1]  # a payload larger than the budget still goes
    assert _ids(conn, limit=3) == raw_ids[:3]


def test_rows_beyond_the_budget_are_left_to_the_next_worker_at_once(fresh_engine: Engine) -> None:
    raw_ids = _land_pending(fresh_engine, 5)
    with fresh_engine.connect() as first, fresh_engine.connect() as second, first.begin():
        assert _ids(first, limit=5, max_bytes=2_500) == raw_ids[:2]
        with second.begin():
            # While the first batch is still open, the second worker gets the rows it did not use.
            assert _ids(second, limit=5) == raw_ids[2:]


def test_two_open_claims_never_share_a_row(fresh_engine: Engine) -> None:
    raw_ids = _land_pending(fresh_engine, 6)
    with fresh_engine.connect() as first, fresh_engine.connect() as second, first.begin(), second.begin():
        taken_first = _ids(first, limit=4)
        taken_second = _ids(second, limit=4)
    assert taken_first == raw_ids[:4]
    assert taken_second == raw_ids[4:]
