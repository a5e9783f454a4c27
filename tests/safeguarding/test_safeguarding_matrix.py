"""Permission matrix for the safeguarding pages: the audit trail, its export and concerns."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.matrix import ROLES, check_anonymous, check_route

URL_NAMES = {"audit_export"}

LEADS = {"safeguarding": 200, "admin": 200}

ROUTES = {
    "audit_export": (lambda p: reverse("audit_export"), LEADS, 403),
}


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_safeguarding_matrix(client, people, route, role):
    check_route(client, people, ROUTES, route, role)


@pytest.mark.parametrize("route", list(ROUTES))
def test_safeguarding_anonymous(client, people, route):
    check_anonymous(client, people, ROUTES, route)
