"""Permission matrix for the safeguarding pages: the audit trail, its export and concerns."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.matrix import ROLES, check_anonymous, check_route

URL_NAMES = {
    "signal_list",
    "signal_ack",
    "personal_data_home",
    "client_data_export",
    "audit_export",
    "concern_list",
    "concern_new",
    "concern_page",
    "concern_act",
    "concern_record",
}

LEADS = {"safeguarding": 200, "admin": 200}


def _concern(p):
    from carecircle.safeguarding.models import Concern

    concern, _ = Concern.objects.get_or_create(
        summary="Matrix concern",
        defaults={
            "organisation": p.edna.organisation,
            "raised_by": p.representative,
            "raised_at": timezone.now(),
            "client": p.edna,
            "description": "For the matrix.",
        },
    )
    return concern.public_id


ROUTES = {
    "audit_export": (lambda p: reverse("audit_export"), LEADS, 403),
    "personal_data_home": (
        lambda p: reverse("personal_data_home"),
        {"safeguarding": 200, "manager": 200, "admin": 200},
        403,
    ),
    "client_data_export": (
        lambda p: reverse("client_data_export", args=[p.edna.public_id]),
        {"safeguarding": 200, "manager": 200, "admin": 200},
        403,
    ),
    "signal_list": (
        lambda p: reverse("signal_list"),
        {"team_leader": 200, "safeguarding": 200, "admin": 200},
        403,
    ),
    "concern_list": (lambda p: reverse("concern_list"), {r: 200 for r in ROLES}, 200),
    "concern_new": (lambda p: reverse("concern_new"), {r: 200 for r in ROLES}, 200),
    # Only the lead and whoever raised it (Sue) see a concern; everyone else gets a 404.
    "concern_page": (
        lambda p: reverse("concern_page", args=[_concern(p)]),
        {"safeguarding": 200, "admin": 200, "representative": 200},
        404,
    ),
    # The records a concern links open to the lead through the concern only; whoever raised it
    # sees the concern but not the records through it (their own access is unchanged).
    "concern_record": (
        lambda p: reverse("concern_record", args=[_concern(p), "client"]),
        {"safeguarding": 200, "admin": 200, "representative": 403},
        404,
    ),
}


def test_concern_act_is_a_post(client, people):
    url = reverse("concern_act", args=[_concern(people), "note"])
    assert client.post(url).status_code == 302
    client.force_login(people.safeguarding)
    assert client.get(url).status_code == 405
    client.force_login(people.carer)
    assert client.post(url, {"note": "x"}).status_code == 404


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_safeguarding_matrix(client, people, route, role):
    check_route(client, people, ROUTES, route, role)


@pytest.mark.parametrize("route", list(ROUTES))
def test_safeguarding_anonymous(client, people, route):
    check_anonymous(client, people, ROUTES, route)


def test_signal_ack_is_a_post(client, people):
    url = reverse("signal_ack")
    assert client.post(url).status_code == 302
    client.force_login(people.team_leader)
    assert client.get(url).status_code == 405
    client.force_login(people.manager)
    assert client.post(url, {"key": "x", "reason": "y"}).status_code == 403
