"""Listing open places checks each with one build of the week; it must say exactly what the
single-change check says."""

from __future__ import annotations

from django.utils import timezone

from carecircle.people.models import Carer
from carecircle.rota.models import Visit
from carecircle.rota.rules import check_change, check_many


def test_check_many_agrees_with_check_change(people):
    visits = list(
        Visit.objects.filter(
            circle=people.riverside, window_start__gt=timezone.now(), status="planned"
        ).order_by("window_start")[:25]
    )
    compared = found = 0
    for user in (people.carer, people.carer2, people.informal):
        carer = Carer.objects.get(user=user)
        visits_without = [v for v in visits if not v.assignments.filter(carer=carer).exists()]
        many = check_many(carer=carer, visits=visits_without)
        for v in visits_without:
            one = sorted(f.text for f in check_change(visit=v, add=carer))
            assert sorted(f.text for f in many[v.pk]) == one, (carer.name, v)
            compared, found = compared + 1, found + bool(one)
    # not a comparison of empty lists: Pat helps only Arthur, and the week is busy
    assert compared >= 25 and found >= 10, (compared, found)


def test_check_many_sees_the_next_week_and_other_circles_as_check_change_does(people):
    """Dave works late on Sunday and in Hilltop; listing places must refuse what a claim would."""
    from datetime import datetime, time, timedelta

    from carecircle.circles.models import Membership, MembershipRole
    from carecircle.rota.models import Assignment, AvailabilityException
    from carecircle.rota.selectors import week_start

    dave = Carer.objects.get(user=people.carer2)
    Membership.objects.create(
        circle=people.hilltop,
        user=people.carer2,
        role=MembershipRole.CARER,
        starts_on=timezone.localdate() - timedelta(days=60),
    )
    tz = timezone.get_current_timezone()
    sunday = week_start(timezone.localdate()) + timedelta(days=13)

    def visit(client, day, hour, minute=0, *, on=None):
        when = datetime.combine(day, time(hour, minute), tz)
        v = Visit.objects.create(
            client=client,
            circle=client.circle,
            name="Check-in",
            date=day,
            window_start=when,
            window_end=when,
            start=when,
            duration_minutes=30,
        )
        if on is not None:
            Assignment.objects.create(visit=v, carer=on, status="published")
        return v

    visit(people.arthur, sunday, 23, on=dave)
    visit(people.margaret, sunday + timedelta(days=3), 12, on=dave)  # a Wednesday
    monday = visit(people.arthur, sunday + timedelta(days=1), 8)  # Dave's day off:
    AvailabilityException.objects.create(carer=dave, date=monday.date, available=True)
    clash = visit(people.edna, sunday + timedelta(days=3), 12, 15)
    many = check_many(carer=dave, visits=[monday, clash])
    for v, rule in ((monday, "rest"), (clash, "overlap")):
        one = check_change(visit=v, add=dave)
        assert [f.rule for f in one] == [rule]
        assert [f.text for f in many[v.pk]] == [f.text for f in one]
