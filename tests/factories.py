"""Builders for the objects tests make by hand: a visit, a carer's place on it, a visit record, a
day a carer is free. Plain functions with keyword arguments and plain defaults; anything a test
cares about it says at the call site.

Times are aware datetimes; `local(day, hour)` makes one at a wall-clock time of the organisation's
time zone (Europe/London), which is how visits are planned."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from carecircle.people.models import Carer, Skill
from carecircle.rota.models import Assignment, AssignmentStatus, AvailabilityException, Visit
from carecircle.rota.selectors import week_start
from carecircle.visits.models import VisitRecord


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """`day` at `hour:minute` on the organisation's clock."""
    return datetime.combine(day, time(hour, minute), timezone.get_current_timezone())


def make_visit(
    client,
    start: datetime,
    *,
    minutes: int = 30,
    name: str = "Visit",
    carers=(),
    skills=(),
    fixed: bool = True,
    **fields,
) -> Visit:
    """A visit to `client` in their circle starting at `start`, made outside any plan pattern.
    `carers` are published on it; `skills` are skill codes it needs. With `fixed` the planned start
    is `start` too (otherwise only the window says when). Other model fields pass through
    (`carers_needed`, `status`, `pattern`, `plan_version`, `circle`, `window_end`, `date`...)."""
    fields.setdefault("circle", client.circle)
    fields.setdefault("date", timezone.localdate(start))
    fields.setdefault("window_end", start)
    if fixed:
        fields.setdefault("start", start)
    visit = Visit.objects.create(
        client=client, name=name, window_start=start, duration_minutes=minutes, **fields
    )
    if skills:
        visit.skills.set(Skill.objects.filter(code__in=skills))
    for carer in carers:
        assign(visit, carer)
    return visit


def assign(visit: Visit, carer: Carer, *, status: str = AssignmentStatus.PUBLISHED) -> Assignment:
    """`carer` on `visit` (published unless `status` says otherwise)."""
    return Assignment.objects.create(visit=visit, carer=carer, status=status)


def make_record(
    visit: Visit,
    carer: Carer,
    *,
    checked_in_at: datetime | None = None,
    checked_out_at: datetime | None = None,
    **fields,
) -> VisitRecord:
    """`carer`'s record of `visit`: checked in at the planned start unless told otherwise, and
    still there unless `checked_out_at` is given."""
    fields.setdefault("client", visit.client)
    return VisitRecord.objects.create(
        visit=visit,
        carer=carer,
        checked_in_at=checked_in_at or visit.planned_start,
        checked_out_at=checked_out_at,
        **fields,
    )


def free_all_day(carer: Carer, day: date) -> AvailabilityException:
    """`carer` says they can work at any time of `day`, whatever their weekly pattern says."""
    return AvailabilityException.objects.create(
        carer=carer, date=day, available=True, start_time=time(0), end_time=time(23, 59)
    )


def in_days(days: int, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` local, `days` days from today."""
    return local(timezone.localdate() + timedelta(days=days), hour, minute)


def next_week(day: int, hour: int, minute: int = 0) -> datetime:
    """A local moment counted from a quiet Monday (day 7 is the Monday after): the first week past
    the rolling horizon, which the demo neither generates nor rosters, so these days hold nobody's
    visits but the test's own, whatever day it is today: what a test builds there meets no
    carer's real rota, rest or hours."""
    monday = week_start(timezone.localdate()) + timedelta(weeks=settings.ROTA_HORIZON_WEEKS + 1)
    return local(monday + timedelta(days=day), hour, minute)
