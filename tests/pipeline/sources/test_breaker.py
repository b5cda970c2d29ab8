"""A source's circuit breaker in PostgreSQL: closed, open, half-open, shared by every worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Connection, Engine, text

from pipeline.sources.breaker import (
    BreakerPolicy,
    BreakerState,
    admit,
    breaker_status,
    call_through,
    record_failure,
    record_success,
)
from pipeline.sources.source_http import SourceUnavailableError

POLICY = BreakerPolicy(failure_threshold=3, cool_down=timedelta(minutes=1))


def cool_down_passes(conn: Connection, source: str = "stores") -> None:
    conn.execute(
        text("UPDATE source_breaker SET opened_at = opened_at - interval '2 minutes', trial_at = trial_at - interval '2 minutes' WHERE source = :s"),
        {"s": source},
    )  # fmt: skip


def test_failures_in_a_row_open_the_breaker_and_a_success_resets_the_count(conn: Connection) -> None:
    assert admit(conn, "stores", POLICY)
    record_failure(conn, "stores", POLICY, "HTTP 500")
    record_failure(conn, "stores", POLICY, "HTTP 500")
    record_success(conn, "stores")
    assert breaker_status(conn, "stores").failures == 0

    states = [record_failure(conn, "stores", POLICY, f"timeout {n}") for n in range(3)]

    assert states == [BreakerState.CLOSED, BreakerState.CLOSED, BreakerState.OPEN]
    status = breaker_status(conn, "stores")
    assert status.opened_at is not None and status.last_error == "timeout 2"
    assert not admit(conn, "stores", POLICY)


def test_after_the_cool_down_exactly_one_trial_is_let_through(conn: Connection) -> None:
    for _ in range(3):
        record_failure(conn, "stores", POLICY, "HTTP 503")
    cool_down_passes(conn)

    assert admit(conn, "stores", POLICY) is True
    assert breaker_status(conn, "stores").state == BreakerState.HALF_OPEN
    assert admit(conn, "stores", POLICY) is False  # another worker, while the trial is in flight


def test_a_failed_trial_reopens_for_another_cool_down_and_a_good_one_closes(conn: Connection) -> None:
    for _ in range(3):
        record_failure(conn, "stores", POLICY, "HTTP 503")
    cool_down_passes(conn)
    admit(conn, "stores", POLICY)

    assert record_failure(conn, "stores", POLICY, "still down") == BreakerState.OPEN
    assert not admit(conn, "stores", POLICY)
    cool_down_passes(conn)
    assert admit(conn, "stores", POLICY)
    record_success(conn, "stores")

    status = breaker_status(conn, "stores")
    assert (status.state, status.failures, status.opened_at, status.trial_at) == (
        BreakerState.CLOSED,
        0,
        None,
        None,
    )


def test_a_trial_whose_worker_died_is_given_up_after_a_cool_down(conn: Connection) -> None:
    for _ in range(3):
        record_failure(conn, "stores", POLICY, "HTTP 503")
    cool_down_passes(conn)
    assert admit(conn, "stores", POLICY)  # this worker dies without recording anything
    cool_down_passes(conn)

    assert admit(conn, "stores", POLICY)


def test_breakers_of_different_sources_are_independent(conn: Connection) -> None:
    for _ in range(3):
        record_failure(conn, "stores", POLICY, "HTTP 503")

    assert admit(conn, "helpdesk", POLICY)
    assert breaker_status(conn, "helpdesk").state == BreakerState.CLOSED


def test_workers_share_the_breaker_through_the_database(fresh_engine: Engine) -> None:
    def failing() -> int:
        raise SourceUnavailableError("GET /store-api/v1/events: HTTP 500 after 4 attempts")

    quick = BreakerPolicy(failure_threshold=2, cool_down=timedelta(minutes=1))
    for _ in range(2):
        with pytest.raises(SourceUnavailableError):
            call_through(fresh_engine, "stores", quick, failing)

    calls = []
    assert call_through(fresh_engine, "stores", quick, lambda: calls.append(1) or 5) is None
    with fresh_engine.begin() as conn:
        cool_down_passes(conn)
    assert call_through(fresh_engine, "stores", quick, lambda: calls.append(1) or 5) == 5
    assert calls == [1]
    with fresh_engine.connect() as conn:
        assert breaker_status(conn, "stores").state == BreakerState.CLOSED
