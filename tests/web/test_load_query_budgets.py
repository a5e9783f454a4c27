"""Query budgets for what the load benchmark (benchmarks/load.py) exercises: a carer's sync, taking
an open place and a telecare help call, beside My day and the circle board (budgeted in
tests/rota/test_page_queries.py and re-asserted here so one file lists the whole load mix). Set a
little above today's counts (sync 19, taking a place 91, a help call with its first offers 42): a
rise means a query per row crept in, which 1,000 circles would feel. Taking a place is the heaviest:
every rota rule is checked for the carer before the place is theirs."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carecircle.alerts.services import device_issue
from carecircle.people.models import ApiToken, Carer
from carecircle.rota.models import AvailabilityException, Visit
from tests.alerts.conftest import on_call  # noqa: F401  (the fixture, for the help call)
from tests.rota.test_page_queries import BUDGET as PAGE_BUDGET
from tests.visits.conftest import make_recording

BUDGET = {
    "my_day": PAGE_BUDGET["my_day"],
    "board": PAGE_BUDGET["board"],
    "sync": 24,
    "claim": 100,
    "help": 50,
}


def test_my_day_within_budget(client, people, django_assert_max_num_queries):
    client.force_login(people.carer)
    client.get(reverse("my_day"))
    with django_assert_max_num_queries(BUDGET["my_day"]):
        assert client.get(reverse("my_day")).status_code == 200


def test_team_leaders_board_within_budget(client, people, django_assert_max_num_queries):
    client.force_login(people.team_leader)
    url = reverse("circle_board", args=[people.riverside.public_id])
    client.get(url)
    with django_assert_max_num_queries(BUDGET["board"]):
        assert client.get(url).status_code == 200


def test_a_sync_within_budget(client, people, django_assert_max_num_queries):
    rec = make_recording(people)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=people.carer, name='phone')[1]}"}
    start = rec.start
    body = {
        "record_id": str(rec.record_id),
        "visit_id": str(rec.visit.public_id),
        "checked_in_at": start.isoformat(),
        "mood": "good",
        "mood_at": (start + timedelta(minutes=5)).isoformat(),
        "notes": "All well.",
        "checked_out_at": (start + timedelta(minutes=28)).isoformat(),
    }
    url = "/api/v1/records/sync"
    first = client.post(
        url, dict(body, op_id=str(uuid.uuid4())), content_type="application/json", **auth
    )
    assert first.status_code == 200, first.content
    body["notes"] = "All well. Tea made."
    with django_assert_max_num_queries(BUDGET["sync"]):
        again = client.post(
            url, dict(body, op_id=str(uuid.uuid4())), content_type="application/json", **auth
        )
    assert again.status_code == 200, again.content


def test_taking_an_open_place_within_budget(client, people, django_assert_max_num_queries):
    day = timezone.localdate() + timedelta(days=2)
    when = datetime.combine(day, time(15), timezone.get_current_timezone())
    visit = Visit.objects.create(
        client=people.arthur,
        circle=people.riverside,
        name="Budget tea",
        date=day,
        window_start=when,
        window_end=when,
        start=when,
        duration_minutes=30,
    )
    AvailabilityException.objects.create(
        carer=Carer.objects.get(user=people.carer),
        date=day,
        available=True,
        start_time=time(0),
        end_time=time(23, 59),
    )
    client.force_login(people.carer)
    with django_assert_max_num_queries(BUDGET["claim"]):
        response = client.post(reverse("place_claim", args=[visit.public_id]))
    assert response.status_code == 302
    assert visit.assignments.filter(carer__user=people.carer).exists()


@pytest.mark.usefixtures("on_call")
def test_a_help_call_with_its_first_offers_within_budget(
    client, people, django_assert_max_num_queries
):
    _, raw = device_issue(client=people.edna, name="Pendant")
    with django_assert_max_num_queries(BUDGET["help"]):
        response = client.post(
            "/api/v1/alerts",
            {"event_id": "budget-1", "kind": "help"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "offering"
