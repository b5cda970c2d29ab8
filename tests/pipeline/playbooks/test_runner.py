"""The playbook job: which exceptions automation takes and when — after the policy's grace period for
people, never one a person has taken, never a type the policy keeps for people — and one exception that
breaks a playbook never stops the others."""

from __future__ import annotations

from datetime import timedelta

import pytest
from psycopg import errors as pg_errors
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from pipeline.actions import Actor, actions_for, perform
from pipeline.exceptions.detector import detect_exceptions
from pipeline.playbooks import runner
from pipeline.playbooks.runner import run_playbooks
from pipeline.singleton import lock_key
from pipeline.worker import PipelineContext, _as_singleton, scheduled_jobs
from tests.pipeline.exceptions.streams import carrier_event, exceptions_of, load, order_until, pick_short
from tests.pipeline.playbooks.world import DETECTED, PLACED, audit_trail, settings, stock

LEAD = Actor.person("floor_lead", "floor_lead")


def short_pick_and_delay_and_loss(engine: Engine) -> None:
    with engine.begin() as conn:
        stock(conn, "DC-CMH", "SKU-000087", 10)
        load(conn, [
            *order_until("SO-54000001", PLACED, "ITEM_PICKED"), pick_short("SO-54000001", PLACED + timedelta(minutes=58)),
            *order_until("SO-54000002", PLACED, "ITEM_PICKED"), pick_short("SO-54000002", PLACED + timedelta(minutes=58)),
            *order_until("SO-54000003", PLACED, "DEPARTED_HUB", tracking_number="1Z999AA10000000003"),
            carrier_event("DELIVERY_DELAYED", "SO-54000003", PLACED + timedelta(hours=1), reason="volume",
                          tracking_number="1Z999AA10000000003"),
            *order_until("SO-54000004", PLACED, "DEPARTED_HUB", tracking_number="1Z999AA10000000004"),
            carrier_event("LOST", "SO-54000004", PLACED + timedelta(hours=1), tracking_number="1Z999AA10000000004"),
        ])  # fmt: skip
    detect_exceptions(engine, now=DETECTED)


def handled(report) -> dict[str, str]:
    return {outcome.playbook: outcome.outcome for outcome in report.outcomes}


def test_automation_leaves_people_their_grace_period_their_exceptions_and_the_types_it_may_not_touch(
    fresh_engine: Engine,
) -> None:
    short_pick_and_delay_and_loss(fresh_engine)
    (taken,) = exceptions_of(fresh_engine, "SO-54000002")
    with fresh_engine.begin() as conn:
        perform(conn, LEAD, "assign_to_me", taken["exception_id"], now=DETECTED)

    early = run_playbooks(fresh_engine, now=DETECTED + timedelta(minutes=10), settings=settings())
    on_time = run_playbooks(fresh_engine, now=DETECTED + timedelta(minutes=20), settings=settings())
    again = run_playbooks(fresh_engine, now=DETECTED + timedelta(minutes=30), settings=settings())

    assert handled(early) == {
        "carrier_delay": "acted"
    }  # a delay is told at once; a short pick waits 20 minutes
    assert handled(on_time) == {"inventory_mismatch": "acted"}
    assert again.outcomes == []
    states = {
        order: exceptions_of(fresh_engine, order)[0]["state"] for order in ("SO-54000002", "SO-54000004")
    }
    assert states == {"SO-54000002": "open", "SO-54000004": "open"}  # taken by a person; a loss is for people


def test_an_exception_that_breaks_its_playbook_is_reported_and_the_others_still_run(
    fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    short_pick_and_delay_and_loss(fresh_engine)

    def broken(*args, **kwargs):
        raise RuntimeError("inventory service down")

    monkeypatch.setitem(runner.FIRST_STEPS, "inventory_mismatch", broken)
    report = run_playbooks(fresh_engine, now=DETECTED + timedelta(hours=1), settings=settings())

    assert report.failed == 2 and report.acted == 1
    assert {o.message for o in report.outcomes if o.outcome == "failed"} == {
        "RuntimeError: inventory service down"
    }
    assert exceptions_of(fresh_engine, "SO-54000003")[0]["state"] == "automating"
    (broke,) = exceptions_of(fresh_engine, "SO-54000001")  # a bug fails every time: a person takes over
    assert broke["state"] == "escalated"
    assert broke["escalation_reason"] == (
        "Automation (inventory_mismatch) failed on this exception and stopped: RuntimeError: inventory service"
        " down. Handle it by hand."
    )
    assert actions_for(broke, "floor_lead")[0] == "reallocate"
    assert audit_trail(fresh_engine, broke["exception_id"]) == [("automation:inventory_mismatch", "escalate")]
    assert run_playbooks(fresh_engine, now=DETECTED + timedelta(hours=2), settings=settings()).failed == 0


def test_a_database_hiccup_is_tried_again_at_the_next_run_not_escalated(
    fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    short_pick_and_delay_and_loss(fresh_engine)
    real = runner.FIRST_STEPS["inventory_mismatch"]

    def deadlocked(*args, **kwargs):
        raise OperationalError("SELECT …", {}, pg_errors.DeadlockDetected("deadlock detected"))

    monkeypatch.setitem(runner.FIRST_STEPS, "inventory_mismatch", deadlocked)
    first = run_playbooks(fresh_engine, now=DETECTED + timedelta(hours=1), settings=settings())
    monkeypatch.setitem(runner.FIRST_STEPS, "inventory_mismatch", real)
    second = run_playbooks(fresh_engine, now=DETECTED + timedelta(hours=1, minutes=1), settings=settings())

    assert first.failed == 2 and {o.exception_id for o in first.outcomes if o.outcome == "failed"} == {
        o.exception_id for o in second.outcomes if o.playbook == "inventory_mismatch"
    }
    assert exceptions_of(fresh_engine, "SO-54000001")[0]["state"] != "open"


def test_the_worker_runs_the_playbooks_under_their_own_lock(
    fresh_engine: Engine, fresh_database_url: str
) -> None:
    # the job runs on the wall clock, the crafted world is from an earlier week: keep its delay news fresh
    context = PipelineContext.load(fresh_database_url, fresh_engine, settings(notify_max_age_hours=24 * 365))
    (job,) = [job for name, job, _ in scheduled_jobs(context) if name == "run_playbooks"]
    short_pick_and_delay_and_loss(fresh_engine)
    with fresh_engine.connect() as holder:  # another worker is running the playbooks
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key("run_playbooks")})
        _as_singleton(fresh_engine, "run_playbooks", job)()
        assert exceptions_of(fresh_engine, "SO-54000003")[0]["state"] == "open"
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key("run_playbooks")})
    _as_singleton(fresh_engine, "run_playbooks", job)()

    assert exceptions_of(fresh_engine, "SO-54000003")[0]["state"] == "automating"
