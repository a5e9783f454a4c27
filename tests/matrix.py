"""The permission matrix, shared by every app's matrix test.

Each app's `test_*_matrix.py` defines `ROUTES` (name -> (url builder, {persona: status}, default
status)) and `URL_NAMES` (the Django URL names its routes cover) and calls `check_route`.
`tests/test_matrix_complete.py` fails when a URL name is in no module's URL_NAMES."""

from __future__ import annotations

from django.urls import reverse

from tests.conftest import PERSONAS

ROLES = list(PERSONAS)


def check_route(client, people, routes, route, role):
    build, expected, default = routes[route]
    client.force_login(getattr(people, role))
    response = client.get(build(people))
    wanted = expected.get(role, default)
    assert response.status_code == wanted, (
        f"{route} as {role}: got {response.status_code}, wanted {wanted}: {response.content[:300]!r}"
    )


def check_anonymous(client, people, routes, route):
    build, _, _ = routes[route]
    response = client.get(build(people))
    if build(people).startswith("/api/"):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
