"""The string formats Waypoint's schemas enforce, in one `FormatChecker` shared by every validator.

- `date-time`: RFC 3339 WITH an offset (`Z` or ±hh:mm). A wall time without one is refused, never
  guessed: which zone it meant cannot be known.
- `date`: a calendar date YYYY-MM-DD.
- `email`: one address, ASCII, local@domain.tld.
- `iana-time-zone` (Waypoint's own): a zone name zoneinfo knows, e.g. America/Phoenix.

Other formats are annotations only, as JSON Schema 2020-12 specifies by default.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from zoneinfo import available_timezones

from jsonschema import FormatChecker

from pipeline.facility_time import is_rfc3339

FORMAT_CHECKER = FormatChecker(formats=())
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)


@FORMAT_CHECKER.checks("date-time")
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or is_rfc3339(value)


@FORMAT_CHECKER.checks("date")
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@FORMAT_CHECKER.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL.fullmatch(value))


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


@FORMAT_CHECKER.checks("iana-time-zone")
def _is_time_zone(value: object) -> bool:
    return not isinstance(value, str) or value in _zones()
