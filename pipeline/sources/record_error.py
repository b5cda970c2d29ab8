"""`RecordError`: why one record of a payload cannot become an event, raised inside an adapter and turned
into a `Rejection` (which keeps the record) by the adapter's loop, so one bad record never stops a page."""

from __future__ import annotations


class RecordError(ValueError):
    """The reason code (pipeline/sources/base.py REASON_CODES), field and rule of a record's rejection."""

    def __init__(self, reason: str, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field
        self.rule = rule
        self.message = message
