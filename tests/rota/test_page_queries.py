"""Busy pages stay within a query budget (a carer on a weak signal should not wait for hundreds of
round trips). The budgets are set a little above today's counts; a rise means an N+1 crept in."""

from __future__ import annotations

from django.urls import reverse


def test_my_day_query_budget(client, people, django_assert_max_num_queries):
    client.force_login(people.carer)
    client.get(reverse("my_day"))
    with django_assert_max_num_queries(BUDGET["my_day"]):
        assert client.get(reverse("my_day")).status_code == 200


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
