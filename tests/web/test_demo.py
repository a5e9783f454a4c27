from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from carecircle.circles.models import Circle, MembershipRole
from carecircle.people.models import Carer, Client, User
from carecircle.rota.models import Assignment, Visit
from carecircle.rota.selectors import week_start
from carecircle.web.demo import load_demo


def counts():
    return [m.objects.count() for m in (User, Client, Carer, Visit, Assignment, Circle)]


def test_loading_twice_adds_nothing(people, capsys):
    before = counts()
    assert load_demo() is False
    call_command("load_demo")
    assert counts() == before
    out = capsys.readouterr().out
    assert "already there" in out
    for username in ("edna", "sue", "ana", "priya", "helen", "sam", "admin"):
        assert f" {username}\n" in out


def test_each_circle_has_the_shape_of_the_scenarios(people):
    for circle in Circle.objects.all():
        clients = Client.objects.filter(circle=circle)
        assert clients.count() == 4
        carers = Carer.objects.filter(
            user__memberships__circle=circle, user__memberships__role=MembershipRole.CARER
        )
        assert carers.count() == 12
        assert sum(c.is_informal for c in carers) == 3
        assert circle.memberships.filter(role=MembershipRole.TEAM_LEADER).count() == 2
        needs = {
            c.care_plan.agreed_version().patterns.filter(carers_needed=2).exists() for c in clients
        }
        assert needs == {True, False}
    polish_or_romanian = (
        Carer.objects.filter(languages__icontains="Polish").count()
        + Carer.objects.filter(languages__icontains="Romanian").count()
    )
    assert polish_or_romanian >= 4


@pytest.mark.clock
def test_four_weeks_of_history_and_the_week_ahead(people, demo_day):
    today = demo_day
    first = Visit.objects.order_by("date").first().date
    last = Visit.objects.order_by("-date").first().date
    assert first == week_start(today) - timedelta(weeks=4)
    assert last >= today + timedelta(days=7)
    assert Visit.objects.filter(date__lt=today, status="completed").count() > 300


def test_arthurs_avoid_list_is_honoured_in_the_demo_rota(people):
    # Scenario 6: Arthur asked that Tom no longer comes.
    tom = Carer.objects.get(user__username="tom")
    assert people.arthur.avoid_carers.filter(pk=tom.pk).exists()
    assert not Assignment.objects.filter(visit__client=people.arthur, carer=tom).exists()


def test_informal_carers_only_visit_the_clients_they_help(people):
    for carer in Carer.objects.filter(kind__in=["family", "friend", "neighbour", "volunteer"]):
        helped = set(carer.helps_clients.values_list("id", flat=True))
        visited = set(
            Assignment.objects.filter(carer=carer).values_list("visit__client_id", flat=True)
        )
        assert visited <= helped
