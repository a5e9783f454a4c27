"""`--clock` pins the whole session: the clock starts at the given instant before the demo is
built (the demo's weeks are counted from that day) and ticks on from there."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from carecircle.circles.models import Membership
from carecircle.rota.selectors import week_start
from carecircle.web.demo import HISTORY_WEEKS


@pytest.mark.clock
def test_the_session_and_the_demo_start_at_the_pinned_instant(request, people, demo_day):
    instant = request.config.getoption("--clock")
    if instant is None:  # unpinned: built today, or yesterday if the session began before midnight
        today = timezone.localdate()
        assert demo_day in {today, today - timedelta(days=1)}
        return
    started = datetime.fromisoformat(instant)
    now = timezone.now()
    assert started <= now < started + timedelta(hours=1), (started, now)
    # Built on the session's first day (or the next, when it began just before midnight).
    first_day = timezone.localdate(started)
    assert demo_day in {first_day, first_day + timedelta(days=1)}
    # and its weeks are counted from that day: memberships start 12 weeks before its Monday
    starts = set(
        Membership.objects.filter(circle=people.riverside).values_list("starts_on", flat=True)
    )
    assert starts == {week_start(demo_day) - timedelta(weeks=HISTORY_WEEKS + 8)}
