"""Permission matrix for the rota draft pages (GET), and the POST actions by role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carecircle.rota.models import RotaDraft
from carecircle.rota.selectors import week_start
from tests.matrix import ROLES, check_anonymous, check_route

URL_NAMES = {"rota_draft", "rota_draft_request", "rota_draft_publish", "rota_draft_discard"}


def _draft(p):
    monday = week_start(timezone.localdate()) + timedelta(days=7)
    draft, _ = RotaDraft.objects.get_or_create(
        circle=p.riverside, week_start=monday, defaults={"status": "ready"}
    )
    return draft.public_id


ROUTES = {
    "rota_draft": (
        lambda p: reverse("rota_draft", args=[_draft(p)]),
        {
            "team_leader": 200,
            "carer": 200,
            "carer2": 200,
            "informal": 200,
            "representative": 200,
            "admin": 200,
            "outsider": 404,
        },
        403,
    ),
}


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_rota_matrix(client, people, route, role):
    check_route(client, people, ROUTES, route, role)


@pytest.mark.parametrize("route", list(ROUTES))
def test_rota_anonymous(client, people, route):
    check_anonymous(client, people, ROUTES, route)


POSTS = {
    # who may ask for a draft (carers and team leaders of the circle), publish, discard
    "rota_draft_publish": {
        "team_leader": 302,
        "admin": 302,
        "carer": 403,
        "outsider": 404,
        "manager": 403,
    },
    "rota_draft_discard": {"team_leader": 302, "carer": 403, "outsider": 404, "client": 403},
}


@pytest.mark.parametrize("name", list(POSTS))
def test_draft_actions_by_role(client, people, name):
    for role, status in POSTS[name].items():
        draft = RotaDraft.objects.filter(public_id=_draft(people)).get()
        draft.status = "ready"
        draft.save()
        client.force_login(getattr(people, role))
        response = client.post(reverse(name, args=[draft.public_id]))
        assert response.status_code == status, (name, role, response.status_code)


def test_draft_request_by_role(client, people, django_capture_on_commit_callbacks):
    monday = week_start(timezone.localdate()) + timedelta(days=14)
    url = reverse("rota_draft_request", args=[people.riverside.public_id])
    for role, status in {"outsider": 404, "manager": 403, "client": 403, "carer": 302}.items():
        client.force_login(getattr(people, role))
        with django_capture_on_commit_callbacks(execute=False):
            response = client.post(url, {"week": monday.isoformat()})
        assert response.status_code == status, role
    assert RotaDraft.objects.filter(circle=people.riverside, week_start=monday).count() == 1
