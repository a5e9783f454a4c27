"""Input types for the API schemas of every app: text without control characters, and times that
carry a time zone and lie in a sane range.

Found by probing: a NUL character is stored by SQLite but makes PostgreSQL fail; a time without a
zone could not be compared with the server's (a 500, and a phone that retries on 5xx resends it
for ever); and a check-in in year 1 won every later merge, after which the record's page failed
for good (local time overflowed). Each is now a 422 naming the field."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from django.utils import timezone
from pydantic import AfterValidator, Field

# Tab, newline and carriage return are text; every other C0/C1 control character, DEL, and a
# lone UTF-16 surrogate (which no database can store as UTF-8) is refused.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# Phones' clocks drift and devices queue events; a day ahead is already a wrong clock.
FUTURE_SLACK = timedelta(days=1)
TIME_RANGE = (
    "ISO 8601 with a time zone (`Z` or an offset such as `+01:00`), from 2000-01-01 to one day "
    "after the server's current time."
)


def clean_text(value: str) -> str:
    if CONTROL.search(value):
        raise ValueError("must not contain control characters (such as NUL)")
    return value


def recorded_time(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must carry a time zone, such as 2026-12-04T07:05:00Z or +01:00")
    # The years are compared first: converting year 1 or 9999 to UTC can overflow.
    latest = timezone.now() + FUTURE_SLACK
    if not EARLIEST.year <= value.year <= latest.year or not EARLIEST <= value <= latest:
        raise ValueError("must lie between 2000-01-01 and one day after now")
    return value


CleanText = Annotated[str, AfterValidator(clean_text)]
RecordedTime = Annotated[datetime, AfterValidator(recorded_time), Field(description=TIME_RANGE)]
