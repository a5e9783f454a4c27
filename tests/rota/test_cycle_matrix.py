"""Permission matrix for the weekly cycle: its settings page (the circle's team leaders), and a
carer raising a problem with a draft (the circle's carers)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carecircle.rota.models import DraftProblem, RotaDraft
from carecircle.rota.selectors import week_start
from tests.matrix import ROLES, check_anonymous, check_route

URL_NAMES = {"rota_cycle", "rota_draft_problem"}

ROUTES = {
    "rota_cycle": (
        lambda p: reverse("rota_cycle", args=[p.riverside.public_id]),
        {"team_leader": 200, "admin": 200, "outsider": 404},
        403,
    ),
}


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_cycle_matrix(client, people, route, role):
    check_route(client, people, ROUTES, route, role)


@pytest.mark.parametrize("route", list(ROUTES))
def test_cycle_anonymous(client, people, route):
    check_anonymous(client, people, ROUTES, route)


def test_another_circles_cycle_is_not_found(client, people):
    client.force_login(people.team_leader)
    assert client.get(reverse("rota_cycle", args=[people.hilltop.public_id])).status_code == 404


# Who may raise a problem with a draft: the circle's carers (a redirect back to the draft, the
# problem stored); others are refused, another circle's draft is not found.
PROBLEM = {
    "carer": 302,
    "carer2": 302,
    "informal": 302,
    "team_leader": 403,
    "manager": 403,
    "client": 403,
    "outsider": 404,
}


@pytest.mark.parametrize(("role", "status"), list(PROBLEM.items()))
def test_raising_a_problem_by_role(client, people, role, status):
    monday = week_start(timezone.localdate()) + timedelta(days=7)
    draft, _ = RotaDraft.objects.get_or_create(
        circle=people.riverside, week_start=monday, defaults={"status": "ready"}
    )
    draft.status = "ready"
    draft.save()
    client.force_login(getattr(people, role))
    response = client.post(reverse("rota_draft_problem", args=[draft.public_id]), {"text": "x"})
    assert response.status_code == status, (role, response.status_code)
    assert DraftProblem.objects.filter(draft=draft).exists() == (status == 302)
    if status == 302:
        assert response["Location"] == reverse("rota_draft", args=[draft.public_id])


def test_raising_a_problem_is_a_post(client, people):
    client.force_login(people.carer)
    draft = RotaDraft.objects.create(
        circle=people.riverside,
        week_start=week_start(timezone.localdate()) + timedelta(days=21),
        status="ready",
    )
    assert client.get(reverse("rota_draft_problem", args=[draft.public_id])).status_code == 405
