"""After the parcel: support tickets (more of them when an order is late, lost or damaged), returns through
the helpdesk and the returns dock of a DC, refunds, and survey scores that follow the experience."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.clock import DAY_US, HOUR_US, MINUTE_US, minutes
from simulator.lifecycle_context import HourContext

CATEGORIES = np.array(["where_is_my_order", "return", "address_change", "wrong_item", "other"], dtype=object)
CATEGORY_SHARES = [0.35, 0.15, 0.15, 0.1, 0.25]
SUBJECTS = {
    "where_is_my_order": "Where is my order {order}?",
    "damaged_item": "Item in order {order} arrived damaged",
    "wrong_item": "Wrong item received ({order})",
    "return": "How do I return part of {order}?",
    "address_change": "Please change the delivery address for {order}",
    "other": "Question about order {order}",
}
CHANNELS = np.array(["email", "chat", "phone"], dtype=object)
RETURN_REASONS = np.array(["doesnt_fit", "changed_mind", "not_as_described", "arrived_late"], dtype=object)
COMMENTS = {
    5: ["Fast delivery, thank you!", "Great experience", "Arrived earlier than expected"],
    4: ["Good, packaging could be better", "Arrived on time"],
    3: ["Took a while", "OK overall"],
    2: ["Late and nobody told me", "Box was damaged"],
    1: ["Never again", "Still waiting for a refund"],
}


@dataclass
class OrderExperience:
    """Per order of the hour: how it ended, for the helpdesk and survey stage."""

    done_at: np.ndarray
    late: np.ndarray
    delayed: np.ndarray
    lost: np.ndarray
    damaged: np.ndarray
    facility: np.ndarray


def aftercare(ctx: HourContext, experience: OrderExperience) -> None:
    world, orders, rng = ctx.world, ctx.orders, ctx.rng
    a = world.parameters.aftercare
    n = orders.count
    oid = orders.order_id
    facility_id = world.facility_ids[experience.facility].astype(object)
    done = experience.done_at > 0
    troubled = experience.late | experience.delayed

    rate = np.where(
        experience.lost, a.ticket_rate_lost, np.where(troubled, a.ticket_rate_delayed, a.ticket_rate)
    )
    ticket = (rng.random(n) < rate) | experience.damaged
    category = CATEGORIES[rng.choice(len(CATEGORIES), n, p=CATEGORY_SHARES)]
    category = np.where(experience.lost | troubled, "where_is_my_order", category)
    category = np.where(experience.damaged, "damaged_item", category).astype(object)
    reference = np.where(done, experience.done_at, orders.promised_by)
    before = orders.placed + ((reference - orders.placed) * rng.uniform(0.2, 0.9, n)).astype(np.int64)
    after = np.maximum(reference, orders.promised_by) + (rng.uniform(2, 72, n) * HOUR_US).astype(np.int64)
    ticket_at = np.where(np.isin(category, ["address_change", "other"]), before, after)
    ticket_at = np.where(
        experience.damaged, experience.done_at + (rng.uniform(1, 30, n) * HOUR_US).astype(np.int64), ticket_at
    )
    ticket_id = np.array([f"{orders.hour:06d}{i:04d}" for i in range(n)], dtype=object)
    subject = np.array(
        [SUBJECTS[c].format(order=o) for c, o in zip(category, oid, strict=True)], dtype=object
    )
    ctx.sink.add(
        "SUPPORT_TICKET_OPENED",
        "helpdesk",
        oid[ticket],
        "T",
        ticket_at[ticket],
        facility_id=facility_id[ticket],
        detail={
            "ticket_id": ("str", ticket_id[ticket]),
            "category": ("str", category[ticket]),
            "channel": ("str", CHANNELS[rng.integers(0, 3, n)][ticket]),
            "subject": ("str", subject[ticket]),
        },
    )
    issue = ticket & experience.damaged
    ctx.sink.add(
        "CUSTOMER_REPORTED_ISSUE",
        "helpdesk",
        oid[issue],
        "CI",
        ticket_at[issue] + minutes(rng, (1, 15), int(issue.sum())),
        facility_id=facility_id[issue],
        detail={"ticket_id": ("str", ticket_id[issue]), "issue": ("str", "damaged_item")},
    )

    _returns(ctx, experience, facility_id)
    _surveys(ctx, experience, facility_id)


def _returns(ctx: HourContext, experience: OrderExperience, facility_id: np.ndarray) -> None:
    world, orders, rng = ctx.world, ctx.orders, ctx.rng
    a = world.parameters.aftercare
    n = orders.count
    oid = orders.order_id
    shipped = (experience.done_at > 0) & (orders.carrier_id != None)  # noqa: E711 - object array comparison
    chance = np.where(experience.damaged, 0.6, a.return_rate)
    returning = shipped & (rng.random(n) < chance)
    reason = np.where(
        experience.damaged, "damaged", RETURN_REASONS[rng.integers(0, len(RETURN_REASONS), n)]
    ).astype(object)
    requested = experience.done_at + (rng.uniform(*a.return_request_days, n) * DAY_US).astype(np.int64)
    received = requested + (rng.uniform(*a.return_transit_days, n) * DAY_US).astype(np.int64)
    refunded = received + (rng.uniform(*a.refund_days, n) * DAY_US).astype(np.int64)
    first_line = np.searchsorted(orders.line_order, np.arange(n))
    first_line = np.minimum(first_line, len(orders.line_order) - 1)
    sku, qty, line_no = orders.line_sku[first_line], orders.line_qty[first_line], orders.line_no[first_line]
    amount = np.round(orders.line_price[first_line] * qty, 2)
    rma = np.array([f"RMA-{o[3:]}" for o in oid], dtype=object)
    lines = np.array(
        [f'[{{"line_no":{ln},"sku":"{s}","qty":{q}}}]' for ln, s, q in zip(line_no, sku, qty, strict=True)],
        dtype=object,
    )
    r = returning
    ctx.sink.add(
        "RETURN_REQUESTED",
        "helpdesk",
        oid[r],
        "RR",
        requested[r],
        facility_id=facility_id[r],
        detail={"rma_id": ("str", rma[r]), "reason": ("str", reason[r]), "lines": ("raw", lines[r])},
    )
    dock = world.facility_ids[world.nearest_dc[orders.dest]].astype(object)
    condition = np.where((reason == "damaged") | (rng.random(n) < 0.08), "damaged", "resellable").astype(
        object
    )
    ctx.sink.add(
        "RETURN_RECEIVED",
        "wms",
        oid[r],
        "RV",
        received[r],
        facility_id=dock[r],
        line_no=line_no[r],
        sku=sku[r],
        qty=qty[r],
        detail={"rma_id": ("str", rma[r]), "condition": ("str", condition[r])},
    )
    ctx.sink.add(
        "REFUND_ISSUED",
        "helpdesk",
        oid[r],
        "RF",
        refunded[r],
        facility_id=facility_id[r],
        detail={"rma_id": ("str", rma[r]), "amount": ("num", amount[r]), "currency": ("str", "USD")},
    )


def _surveys(ctx: HourContext, experience: OrderExperience, facility_id: np.ndarray) -> None:
    world, orders, rng = ctx.world, ctx.orders, ctx.rng
    a = world.parameters.aftercare
    n = orders.count
    answered = (experience.done_at > 0) & (rng.random(n) < a.survey_rate)
    good = rng.choice([5, 4, 3, 2], n, p=[0.62, 0.28, 0.07, 0.03])
    late = rng.choice([5, 4, 3, 2, 1], n, p=[0.12, 0.25, 0.3, 0.2, 0.13])
    bad = rng.choice([4, 3, 2, 1], n, p=[0.1, 0.2, 0.35, 0.35])
    score = np.where(experience.damaged, bad, np.where(experience.late | experience.delayed, late, good))
    at = experience.done_at + (rng.uniform(*a.survey_days, n) * DAY_US).astype(np.int64) + MINUTE_US
    with_comment = rng.random(n) < 0.3
    pick = rng.integers(0, 3, n)
    comment = np.array(
        [
            COMMENTS[s][k % len(COMMENTS[s])] if c else None
            for s, k, c in zip(score, pick, with_comment, strict=True)
        ],
        dtype=object,
    )
    survey_id = np.array([f"SV-{o[3:]}" for o in orders.order_id], dtype=object)
    s = answered
    ctx.sink.add(
        "SURVEY_RESPONDED",
        "helpdesk",
        orders.order_id[s],
        "SV",
        at[s],
        facility_id=facility_id[s],
        detail={
            "survey_id": ("str", survey_id[s]),
            "score": ("num", score[s]),
            "comment": ("str", comment[s]),
        },
    )
