"""Every page and API route, for every role: allowed succeeds, not allowed is refused (403),
another circle's (or an unrelated) record is 404, and a stranger is sent to sign in.

Grows with every issue: add a row to ROUTES for each new page or route."""

from __future__ import annotations

import pytest
from django.urls import reverse

from carecircle.rota.models import Visit
from tests.matrix import ROLES, check_anonymous, check_route


def _edna_visit(p):
    return Visit.objects.filter(client=p.edna).order_by("window_start").first().public_id


# route name -> (url builder, {persona: expected status}); personas absent expect `default`.
ROUTES = {
    "home": (lambda p: reverse("home"), {}, 302),
    "my_day": (
        lambda p: reverse("my_day"),
        {"carer": 200, "carer2": 200, "informal": 200, "representative": 200, "outsider": 200},
        403,
    ),
    "board": (
        lambda p: reverse("circle_board", args=[p.riverside.public_id]),
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
    "client_page": (
        lambda p: reverse("client_page", args=[p.edna.public_id]),
        {
            "team_leader": 200,
            "carer": 200,
            "carer2": 200,
            "client": 200,
            "representative": 200,
            "admin": 200,
            "informal": 404,
            "outsider": 404,
        },
        403,
    ),
    "team_home": (lambda p: reverse("team_home"), {"team_leader": 200, "admin": 200}, 403),
    "manager_home": (lambda p: reverse("manager_home"), {"manager": 200, "admin": 200}, 403),
    "audit_home": (lambda p: reverse("audit_home"), {"safeguarding": 200, "admin": 200}, 403),
    "password_change": (lambda p: reverse("password_change"), {}, 200),
    "api_me": (lambda p: "/api/v1/me", {}, 200),
    "api_circles": (lambda p: "/api/v1/circles", {}, 200),
    "api_circle": (
        lambda p: f"/api/v1/circles/{p.riverside.public_id}",
        {"client": 404, "representative": 200, "outsider": 404},
        200,
    ),
    "api_clients": (lambda p: "/api/v1/clients", {}, 200),
    "api_client": (
        lambda p: f"/api/v1/clients/{p.edna.public_id}",
        {"manager": 403, "safeguarding": 403, "informal": 404, "outsider": 404},
        200,
    ),
    "api_visits": (lambda p: "/api/v1/visits", {}, 200),
    "api_visit": (
        lambda p: f"/api/v1/visits/{_edna_visit(p)}",
        {"manager": 404, "safeguarding": 404, "informal": 404, "outsider": 404},
        200,
    ),
}


URL_NAMES = {
    "home",
    "my_day",
    "circle_board",
    "client_page",
    "team_home",
    "manager_home",
    "audit_home",
    "password_change",
}


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, people, route, role):
    check_route(client, people, ROUTES, route, role)


@pytest.mark.parametrize("route", list(ROUTES))
def test_anonymous_is_sent_to_sign_in(client, people, route):
    check_anonymous(client, people, ROUTES, route)
