"""The one date/time formatter: the organisation's time zone, the reader's language, and in
English exactly what the pages said before ("Mon 5 Jan 09:30")."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone, translation

from carecircle.core.timefmt import local_day, local_when, long_day

# Either side of both daylight-saving changes of 2026 in London, and a single-digit day.
MOMENTS = [
    datetime(2026, 1, 5, 9, 30, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 59, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 59, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 45, tzinfo=UTC),
]


@pytest.mark.parametrize("moment", MOMENTS)
def test_english_reads_as_it_did(moment):
    with translation.override("en-gb"):
        assert local_when(moment) == timezone.localtime(moment).strftime("%a %-d %b %H:%M")
        assert local_day(moment) == timezone.localtime(moment).strftime("%a %-d %b")


def test_the_time_is_the_organisations():
    with translation.override("en-gb"):
        assert local_when(datetime(2026, 7, 6, 8, 15, tzinfo=UTC)) == "Mon 6 Jul 09:15"
        assert local_when(datetime(2026, 1, 5, 8, 15, tzinfo=UTC)) == "Mon 5 Jan 08:15"
        with timezone.override("Europe/Warsaw"):
            assert local_when(datetime(2026, 1, 5, 8, 15, tzinfo=UTC)) == "Mon 5 Jan 09:15"


def test_a_long_day_names_day_and_month_in_full():
    with translation.override("en-gb"):
        assert long_day(date(2026, 3, 2)) == "Monday 2 March"


def test_a_translation_changes_the_day_and_month_names():
    moment = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    with translation.override("pl"):
        polish = local_when(moment)
    assert polish == "Pon 5 Sty 09:30"
