"""Permission matrix for the inbox: everyone signed in has their own; nobody sees another's."""

import pytest
from django.urls import reverse

from tests.matrix import ROLES, check_anonymous, check_route

URL_NAMES = {"inbox", "inbox_mark_read"}

ROUTES = {
    "inbox": (lambda p: reverse("inbox"), {role: 200 for role in ROLES}, 403),
}


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_inbox_matrix(client, people, route, role):
    check_route(client, people, ROUTES, route, role)


@pytest.mark.parametrize("route", list(ROUTES))
def test_inbox_anonymous(client, people, route):
    check_anonymous(client, people, ROUTES, route)


@pytest.mark.parametrize("role", ROLES)
def test_mark_read_is_a_post_for_everyone_signed_in(client, people, role):
    client.force_login(getattr(people, role))
    assert client.get(reverse("inbox_mark_read")).status_code == 405
    assert client.post(reverse("inbox_mark_read")).status_code == 302
