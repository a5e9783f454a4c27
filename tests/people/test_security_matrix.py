"""Permission matrix for the two-factor pages and the subject access export."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.matrix import ROLES, check_anonymous, check_route

URL_NAMES = {"two_factor_setup", "two_factor_verify"}

PRIVILEGED = {"team_leader", "manager", "safeguarding", "admin"}

ROUTES = {
    # Only the roles that need a second factor enrol; everyone else is sent home.
    "two_factor_setup": (
        lambda p: reverse("two_factor_setup"),
        {r: 200 for r in PRIVILEGED},
        302,
    ),
    # No authenticator yet: the code page sends them to enrol (and everyone else home).
    "two_factor_verify": (lambda p: reverse("two_factor_verify"), {}, 302),
}


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_security_matrix(client, people, route, role):
    check_route(client, people, ROUTES, route, role)


@pytest.mark.parametrize("route", list(ROUTES))
def test_security_anonymous(client, people, route):
    check_anonymous(client, people, ROUTES, route)
