"""Busy pages stay within a query budget (a carer on a weak signal should not wait for hundreds of
round trips). The budgets are set a little above today's counts; a rise means an N+1 crept in."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.people.models import Carer
from carecircle.rota.models import SwapOffer, Visit


def test_my_day_query_budget(client, people, django_assert_max_num_queries):
    client.force_login(people.carer)
    client.get(reverse("my_day"))
    with django_assert_max_num_queries(BUDGET["my_day"]):
        assert client.get(reverse("my_day")).status_code == 200


def _offer_to_the_circle(people, count: int, start: datetime) -> None:
    """Dave offers `count` visits of Arthur's to the whole circle, which Ana may take."""
    dave = Carer.objects.get(user=people.carer2)
    for i in range(count):
        when = start + timedelta(days=2, hours=i)
        visit = Visit.objects.create(
            client=people.arthur,
            circle=people.arthur.circle,
            name=f"Swap {i}",
            date=when.date(),
            window_start=when,
            window_end=when,
            start=when,
            duration_minutes=30,
        )
        SwapOffer.objects.create(visit=visit, from_carer=dave)


def test_my_day_queries_do_not_grow_with_swaps_offered_to_the_circle(
    client, people, django_assert_max_num_queries
):
    now = datetime(2027, 3, 1, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    with time_machine.travel(now, tick=False):
        client.force_login(people.carer)
        _offer_to_the_circle(people, 2, now)
        client.get(reverse("my_day"))
        with CaptureQueriesContext(connection) as few:
            page = client.get(reverse("my_day"))
        assert page.content.decode().count("to the circle</span>") == 2
        _offer_to_the_circle(people, 10, now + timedelta(days=1))
        with django_assert_max_num_queries(len(few)):
            page = client.get(reverse("my_day"))
        assert page.content.decode().count("to the circle</span>") == 12


def test_board_query_budget(client, people, django_assert_max_num_queries):
    client.force_login(people.carer)
    url = reverse("circle_board", args=[people.riverside.public_id])
    with django_assert_max_num_queries(BUDGET["board"]):
        assert client.get(url).status_code == 200


def test_team_home_query_budget(client, people, django_assert_max_num_queries):
    client.force_login(people.team_leader)
    with django_assert_max_num_queries(BUDGET["team_home"]):
        assert client.get(reverse("team_home")).status_code == 200


BUDGET = {"my_day": 100, "board": 25, "team_home": 30}
