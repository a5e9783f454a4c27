"""Dates and times as people read them, in the organisation's time zone and the reader's language.

Day and month names come from Django's translated calendar names, so a Polish or Romanian page
says "pon 5 sty" where an English one says "Mon 5 Jan"."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from django.utils import timezone
from django.utils.formats import date_format

WHEN = "D j M H:i"  # Mon 5 Jan 09:30
DAY = "D j M"  # Mon 5 Jan
LONG_DAY = "l j F"  # Monday 5 January


def _local(moment: datetime, tz: tzinfo | None = None) -> datetime:
    """`moment` in `tz` (by default the organisation's zone); a naive moment is taken as local."""
    return timezone.localtime(moment, tz) if timezone.is_aware(moment) else moment


def local_when(moment: datetime, tz: tzinfo | None = None) -> str:
    """A moment as a short day, date and time in the organisation's zone: "Mon 5 Jan 09:30"."""
    return date_format(_local(moment, tz), WHEN)


def local_day(moment: datetime | date, tz: tzinfo | None = None) -> str:
    """A day, short: "Mon 5 Jan" (a moment is first put in the organisation's zone)."""
    value = _local(moment, tz) if isinstance(moment, datetime) else moment
    return date_format(value, DAY)


def long_day(day: date) -> str:
    """A day in full: "Monday 5 January"."""
    return date_format(day, LONG_DAY)
