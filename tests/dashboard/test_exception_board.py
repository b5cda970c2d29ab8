"""The queue's figures for people: ages in words, the table of a group, the headline counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from dashboard.exception_board import age_text, exception_types, headline, queue_table
from dashboard.queries.exception_queue import QUEUE_SCHEMA

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_ages_read_the_way_people_say_them() -> None:
    assert age_text(timedelta(minutes=12, seconds=50)) == "12 min"
    assert age_text(timedelta(hours=3, minutes=5)) == "3 h 05 min"
    assert age_text(timedelta(days=2, hours=4, minutes=59)) == "2 d 4 h"
    assert age_text(timedelta(seconds=-30)) == "0 min"


def test_a_group_table_shows_the_next_step_and_blanks_instead_of_nulls() -> None:
    rows = pl.DataFrame(
        [
            (
                1,
                "DELIVERY_DELAYED",
                "carrier_delay",
                "medium",
                "escalated",
                "SO-1",
                "DC-RNO",
                "ups",
                NOW - timedelta(hours=5),
                NOW,
                True,
                None,
                2,
                None,
                None,
                "Email the customer",
                "in_transit",
            ),
            (
                2,
                "PICK_SHORT",
                "inventory_mismatch",
                "high",
                "automating",
                "SO-2",
                None,
                None,
                NOW - timedelta(minutes=20),
                NOW,
                False,
                None,
                1,
                "ann",
                "inventory",
                None,
                "picking",
            ),
        ],
        schema=QUEUE_SCHEMA,
        orient="row",
    )

    table = queue_table(rows, NOW)

    assert table.row(0) == (
        "Medium",
        "DELIVERY_DELAYED",
        "SO-1",
        "DC-RNO",
        "ups",
        "5 h 00 min",
        True,
        "escalated",
        "Suggested: Email the customer",
        "—",
        2,
    )
    assert table.row(1)[3:9] == ("—", "—", "20 min", False, "automating", "Automation: inventory")


def test_the_headline_sums_every_root_cause_and_is_zero_for_an_empty_queue() -> None:
    counts = pl.DataFrame(
        {
            "root_cause": ["lost", "other"],
            "exceptions": [2, 5],
            "critical": [2, 0],
            "at_risk": [2, 1],
            "escalated": [0, 1],
        }
    )
    empty = counts.clear()

    assert (headline(counts).unresolved, headline(counts).critical, headline(counts).at_risk) == (7, 2, 3)
    assert headline(empty).unresolved == 0


def test_the_type_filter_offers_every_rule() -> None:
    assert {"PICK_SHORT", "LOST", "STAGE_STUCK", "NO_SCAN_AFTER_LABEL"} <= set(exception_types())
