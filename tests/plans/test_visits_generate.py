from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from carecircle.audit.models import AuditEvent
from carecircle.plans.models import CarePlanVersion, VersionStatus
from carecircle.plans.services import visits_generate
from carecircle.rota.models import Visit

LONDON = ZoneInfo("Europe/London")
# The clocks went back at 02:00 on Sunday 25 October 2026 (a 25-hour day).
DST_SATURDAY = date(2026, 10, 24)
DST_SUNDAY = date(2026, 10, 25)


def test_generating_twice_adds_nothing(people):
    version = people.edna.care_plan.agreed_version()
    first = visits_generate(
        actor=people.team_leader, version=version, start=DST_SATURDAY, end=DST_SUNDAY
    )
    again = visits_generate(
        actor=people.team_leader, version=version, start=DST_SATURDAY, end=DST_SUNDAY
    )
    assert len(first) == 8  # four patterns a day
    assert again == []
    assert (
        AuditEvent.objects.filter(
            action="generate_visits", client=people.edna, actor=people.team_leader
        ).count()
        == 1
    )


def test_bedtime_is_planned_in_local_time_across_the_clock_change(people):
    # Scenario 8: Edna's bedtime call on the weekend the clocks go back.
    version = people.edna.care_plan.agreed_version()
    visits_generate(actor=None, version=version, start=DST_SATURDAY, end=DST_SUNDAY)
    bedtimes = Visit.objects.filter(
        client=people.edna, name="Going to bed", date__in=[DST_SATURDAY, DST_SUNDAY]
    ).order_by("date")
    local = [v.window_start.astimezone(LONDON) for v in bedtimes]
    assert [t.time() for t in local] == [time(20, 30), time(20, 30)]
    assert [t.utcoffset().total_seconds() for t in local] == [3600, 0]
    # 24 local hours apart, 25 real hours apart.
    assert (bedtimes[1].window_start - bedtimes[0].window_start).total_seconds() == 25 * 3600


def test_only_the_agreed_version_generates_visits(people):
    plan = people.edna.care_plan
    draft = CarePlanVersion.objects.create(
        plan=plan, number=2, status=VersionStatus.DRAFT, needs="x"
    )
    with pytest.raises(ValidationError) as err:
        visits_generate(actor=None, version=draft, start=DST_SATURDAY, end=DST_SUNDAY)
    assert "version" in err.value.message_dict


def test_reversed_range_names_the_field(people):
    version = people.edna.care_plan.agreed_version()
    with pytest.raises(ValidationError) as err:
        visits_generate(actor=None, version=version, start=DST_SUNDAY, end=DST_SATURDAY)
    assert "end" in err.value.message_dict


def test_window_is_aware_and_ordered(people):
    version = people.edna.care_plan.agreed_version()
    visits = visits_generate(
        actor=None, version=version, start=date(2026, 3, 28), end=date(2026, 3, 29)
    )
    assert all(v.window_start.tzinfo is not None and v.window_end >= v.window_start for v in visits)
    morning = [v for v in visits if v.name == "Getting up"]
    assert [v.window_start.astimezone(LONDON).time() for v in morning] == [time(7), time(7)]
    assert morning[0].window_start == datetime(2026, 3, 28, 7, tzinfo=LONDON)
