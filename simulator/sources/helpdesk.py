"""The helpdesk, a Zendesk-like system: tickets, ticket events for returns and refunds, survey ratings.

Tickets change over time (new -> open -> solved), so the helpdesk keeps an append-only history of
ticket revisions; its API shows each ticket in its latest state the way Zendesk's incremental export
does. Support tickets keep their helpdesk number; a return opens a ticket of its own whose number is
RETURN_TICKET_BASE + the RMA number, and the refund solves it. The order reference is a custom field.
All times are UTC instants, shown as "…Z"; a wrong-offset fault stores the agent's local wall time as if
it were UTC (the helpdesk's agents work in the fulfilling facility's zone, New York when there is none).
"""

from __future__ import annotations

import polars as pl

from db.master_data import facilities
from simulator.sources.system import RenderedRows, SourceSystem
from simulator.sources.truth_detail import field, json_object, with_detail
from simulator.sources.wall_clock import record_hash, stamp

RETURN_TICKET_BASE = 10_000_000_000
HELPDESK_ZONE = "America/New_York"
ORDER_FIELD_ID = 360_012_345_671
RMA_FIELD_ID = 360_012_345_672

HELPDESK_DDL = """
CREATE SCHEMA IF NOT EXISTS helpdesk;
CREATE TABLE IF NOT EXISTS helpdesk.ticket_revision (
    revision_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id bigint NOT NULL,
    created_at timestamptz,
    updated_at timestamptz NOT NULL,
    status text NOT NULL,
    subject text,
    description text,
    type text,
    priority text,
    via_channel text,
    requester_id bigint,
    tags jsonb NOT NULL,
    order_ref text,
    rma_ref text,
    available_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ticket_revision_ticket ON helpdesk.ticket_revision (ticket_id, updated_at);
CREATE INDEX IF NOT EXISTS ticket_revision_updated ON helpdesk.ticket_revision (updated_at);
COMMENT ON COLUMN helpdesk.ticket_revision.created_at IS 'Set on the revision that created the ticket';
CREATE TABLE IF NOT EXISTS helpdesk.ticket_event (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updater_id bigint,
    via text NOT NULL,
    child_events jsonb NOT NULL,
    available_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ticket_event_created ON helpdesk.ticket_event (created_at, id);
CREATE TABLE IF NOT EXISTS helpdesk.satisfaction_rating (
    id bigint NOT NULL,
    ticket_id bigint,
    requester_id bigint,
    order_ref text NOT NULL,
    score smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    available_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS satisfaction_rating_updated ON helpdesk.satisfaction_rating (updated_at, id);
"""

HELPDESK_DETAIL = pl.Struct(
    {
        "ticket_id": pl.String,
        "category": pl.String,
        "channel": pl.String,
        "subject": pl.String,
        "issue": pl.String,
        "rma_id": pl.String,
        "reason": pl.String,
        "lines": pl.List(pl.Struct({"line_no": pl.Int64, "sku": pl.String, "qty": pl.Int64})),
        "amount": pl.Float64,
        "currency": pl.String,
        "survey_id": pl.String,
        "score": pl.Int64,
        "comment": pl.String,
    }
)

TICKET_TYPES = {"where_is_my_order": "question", "damaged_item": "incident", "wrong_item": "incident",
                "return": "question", "address_change": "task", "other": "question"}  # fmt: skip
VIA = {"email": "email", "chat": "chat", "phone": "voice"}
FIRST_MESSAGES = {
    "where_is_my_order": "Hi, my order has not arrived yet. Can you tell me where it is?",
    "damaged_item": "The package arrived but the item inside is broken.",
    "wrong_item": "I received a different item than the one I ordered.",
    "return": "I would like to return part of my order. What do I need to do?",
    "address_change": "I gave the wrong address, can you still change it?",
    "other": "I have a question about my order.",
}


def _number(text: pl.Expr) -> pl.Expr:
    """The digits of an id such as "RMA-00012345" or "0123450007" as a number."""
    return text.str.replace_all(r"\D", "").cast(pl.Int64, strict=False)


def _ticket_number() -> pl.Expr:
    return (
        pl.when(field("rma_id").is_not_null())
        .then(RETURN_TICKET_BASE + _number(field("rma_id")))
        .otherwise(_number(field("ticket_id")))
    )


def _requester() -> pl.Expr:
    """A stable helpdesk user id per customer (the order's customer)."""
    return (_number(pl.col("order_id")) * 7 + 1_000_000_000).alias("requester_id")


def _tags(*tags: pl.Expr) -> pl.Expr:
    return pl.concat_list(*tags).list.drop_nulls().list.eval(pl.element().cast(pl.String))


def _json_list(values: pl.Expr) -> pl.Expr:
    return pl.struct(v=values).struct.json_encode().str.slice(5).str.head(-1)


def _revisions(work: pl.DataFrame) -> pl.DataFrame:
    event = pl.col("event_type")
    opened = event.is_in(["SUPPORT_TICKET_OPENED", "RETURN_REQUESTED"])
    category = pl.when(event == "RETURN_REQUESTED").then(pl.lit("return")).otherwise(field("category"))
    status = (
        pl.when(event == "SUPPORT_TICKET_OPENED")
        .then(pl.lit("new"))
        .when(event == "REFUND_ISSUED")
        .then(pl.lit("solved"))
        .otherwise(pl.lit("open"))
    )
    tags = (
        pl.when(event == "SUPPORT_TICKET_OPENED")
        .then(_tags(field("category"), pl.lit("order_inquiry")))
        .when(event == "CUSTOMER_REPORTED_ISSUE")
        .then(_tags(pl.format("issue_{}", field("issue"))))
        .when(event == "RETURN_REQUESTED")
        .then(_tags(pl.lit("return"), pl.format("return_reason_{}", field("reason"))))
        .otherwise(_tags(pl.lit("refund_issued")))
    )
    return work.filter(event != "SURVEY_RESPONDED").select(
        _ticket_number().alias("ticket_id"),
        pl.when(opened).then(pl.col("ts_instant")).alias("created_at"),
        pl.col("ts_instant").alias("updated_at"),
        status.alias("status"),
        pl.when(event == "RETURN_REQUESTED")
        .then(pl.format("Return request {} for order {}", field("rma_id"), pl.col("order_id")))
        .otherwise(field("subject"))
        .alias("subject"),
        pl.when(opened).then(category.replace_strict(FIRST_MESSAGES, default=None)).alias("description"),
        pl.when(opened).then(category.replace_strict(TICKET_TYPES, default="question")).alias("type"),
        pl.when(opened)
        .then(pl.when(category == "damaged_item").then(pl.lit("high")).otherwise(pl.lit("normal")))
        .alias("priority"),
        pl.when(opened).then(field("channel").replace_strict(VIA, default="web")).alias("via_channel"),
        _requester(),
        _json_list(tags).alias("tags"),
        pl.col("order_id").alias("order_ref"),
        field("rma_id").alias("rma_ref"),
        "available_at",
    )


def _child_events() -> pl.Expr:
    event = pl.col("event_type")
    child_id = record_hash() % 10_000_000_000
    lines = field("lines").list.eval(
        pl.format("{} x {}", pl.element().struct.field("qty"), pl.element().struct.field("sku"))
    )
    comment = (
        pl.when(event == "CUSTOMER_REPORTED_ISSUE")
        .then(pl.format("Customer reports: {}", field("issue").str.replace_all("_", " ")))
        .when(event == "RETURN_REQUESTED")
        .then(
            pl.format("Return {} requested ({}): {}", field("rma_id"), field("reason"), lines.list.join(", "))
        )
        .when(event == "REFUND_ISSUED")
        .then(
            pl.format(
                "Refund of {} {} issued for {}", field("amount").round(2), field("currency"), field("rma_id")
            )
        )
        .otherwise(field("subject"))
    )
    change = (
        pl.when(event.is_in(["SUPPORT_TICKET_OPENED", "RETURN_REQUESTED"]))
        .then(
            json_object(
                id=child_id, event_type=pl.lit("Create"), field_name=pl.lit("status"), value=pl.lit("new")
            )
        )
        .when(event == "REFUND_ISSUED")
        .then(
            json_object(
                id=child_id,
                event_type=pl.lit("Change"),
                field_name=pl.lit("status"),
                value=pl.lit("solved"),
                previous_value=pl.lit("open"),
            )
        )
        .otherwise(
            json_object(
                id=child_id,
                event_type=pl.lit("Change"),
                field_name=pl.lit("status"),
                value=pl.lit("open"),
                previous_value=pl.lit("new"),
            )
        )
    )
    comment_json = json_object(
        id=child_id + 1, event_type=pl.lit("Comment"), body=comment, public=pl.lit(True)
    )
    return pl.concat_str(pl.lit("["), change, pl.lit(","), comment_json, pl.lit("]"))


def _ticket_events(work: pl.DataFrame) -> pl.DataFrame:
    event = pl.col("event_type")
    return work.filter(event != "SURVEY_RESPONDED").select(
        _ticket_number().alias("ticket_id"),
        pl.col("ts_instant").alias("created_at"),
        pl.when(event == "REFUND_ISSUED")
        .then(pl.lit(None, pl.Int64))
        .otherwise(_requester())
        .alias("updater_id"),
        pl.when(event == "REFUND_ISSUED")
        .then(pl.lit("api"))
        .otherwise(field("channel").replace_strict(VIA, default="web").fill_null("web"))
        .alias("via"),
        _child_events().alias("child_events"),
        "available_at",
    )


def _ratings(work: pl.DataFrame) -> pl.DataFrame:
    return work.filter(pl.col("event_type") == "SURVEY_RESPONDED").select(
        _number(field("survey_id")).alias("id"),
        pl.lit(None, pl.Int64).alias("ticket_id"),
        _requester(),
        pl.col("order_id").alias("order_ref"),
        field("score").cast(pl.Int16).alias("score"),
        field("comment").alias("comment"),
        pl.col("ts_instant").alias("created_at"),
        pl.col("ts_instant").alias("updated_at"),
        "available_at",
    )


def render_helpdesk(truth: pl.DataFrame) -> list[RenderedRows]:
    owned = truth.filter(pl.col("source_system") == "helpdesk")
    zones = {item.facility_id: item.time_zone for item in facilities()}
    zone = pl.col("facility_id").replace_strict(zones, default=HELPDESK_ZONE, return_dtype=pl.String)
    work = stamp(with_detail(owned, HELPDESK_DETAIL), zone=zone, labelled=True)
    return [
        RenderedRows("helpdesk.ticket_revision", _revisions(work)),
        RenderedRows("helpdesk.ticket_event", _ticket_events(work)),
        RenderedRows("helpdesk.satisfaction_rating", _ratings(work)),
    ]


def helpdesk_source() -> SourceSystem:
    return SourceSystem(name="helpdesk", database="sim", ddl=HELPDESK_DDL, render=render_helpdesk)
