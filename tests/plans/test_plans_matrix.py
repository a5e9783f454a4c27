"""Permission matrix for care plans, negotiated changes, the restrictive practices register and
the equity page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carecircle.plans.models import ChangeKind, PlanChange, RestrictivePractice
from tests.matrix import ROLES, check_anonymous, check_route

URL_NAMES = {
    "plan_page",
    "plan_compare",
    "change_new",
    "change_page",
    "change_act",
    "restriction_new",
    "restriction_register",
    "restriction_page",
    "restriction_act",
    "equity_page",
}

# Who opens Edna's record: her circle (Riverside), herself, her attorney and the administrator.
# Pat helps only Arthur and Chris is in Hilltop: 404. Managers and the safeguarding lead see
# figures, not client records: 403.
EDNA = {
    "team_leader": 200,
    "carer": 200,
    "carer2": 200,
    "client": 200,
    "representative": 200,
    "admin": 200,
    "informal": 404,
    "outsider": 404,
}


def _change(p):
    plan = p.edna.care_plan
    version = plan.agreed_version()
    change, _ = PlanChange.objects.get_or_create(
        plan=plan,
        base_version=version,
        kind=ChangeKind.ADD_TASK,
        title="Matrix check",
        defaults={"reason": "matrix", "proposed_by": p.carer, "proposed_at": timezone.now()},
    )
    return change.public_id


def _restriction(p):
    today = timezone.localdate()
    practice, _ = RestrictivePractice.objects.get_or_create(
        client=p.edna,
        kind="bed_rails",
        defaults={
            "description": "Bed rails at night",
            "legal_basis": "consent",
            "started_on": today,
            "review_due": today + timedelta(days=90),
        },
    )
    return practice.public_id


ROUTES = {
    "plan_page": (lambda p: reverse("plan_page", args=[p.edna.public_id]), EDNA, 403),
    "plan_compare": (lambda p: reverse("plan_compare", args=[p.edna.public_id]), EDNA, 403),
    "change_new": (lambda p: reverse("change_new", args=[p.edna.public_id]), EDNA, 403),
    "change_page": (lambda p: reverse("change_page", args=[_change(p)]), EDNA, 403),
    "restriction_new": (
        lambda p: reverse("restriction_new", args=[p.edna.public_id]),
        {"team_leader": 200, "admin": 200, "informal": 404, "outsider": 404},
        403,
    ),
    "restriction_register": (
        lambda p: reverse("restriction_register"),
        {"team_leader": 200, "safeguarding": 200, "admin": 200},
        403,
    ),
    "restriction_page": (
        lambda p: reverse("restriction_page", args=[_restriction(p)]),
        {**{k: v for k, v in EDNA.items() if v == 200}, "safeguarding": 200},
        404,
    ),
    "equity_page": (lambda p: reverse("equity_page"), {"manager": 200, "admin": 200}, 403),
}


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_plans_matrix(client, people, route, role):
    check_route(client, people, ROUTES, route, role)


@pytest.mark.parametrize("route", list(ROUTES))
def test_plans_anonymous(client, people, route):
    check_anonymous(client, people, ROUTES, route)


POST_ONLY = {
    "change_act": lambda p: reverse("change_act", args=[_change(p), "consent"]),
    "restriction_act": lambda p: reverse("restriction_act", args=[_restriction(p), "review"]),
}


@pytest.mark.parametrize("route", list(POST_ONLY))
def test_plan_actions_are_posts_and_need_a_sign_in(client, people, route):
    url = POST_ONLY[route](people)
    assert client.post(url).status_code == 302
    client.force_login(people.team_leader)
    assert client.get(url).status_code == 405


@pytest.mark.parametrize(
    ("role", "status"),
    [("outsider", 404), ("informal", 404), ("manager", 403), ("carer", 302)],
)
def test_posting_a_step_follows_the_same_rules(client, people, role, status):
    client.force_login(getattr(people, role))
    url = reverse("change_act", args=[_change(people), "risk"])
    response = client.post(url, {"hazard": "h", "likelihood": "low", "mitigation": "m"})
    assert response.status_code == status


def test_unknown_step_is_404(client, people):
    client.force_login(people.team_leader)
    assert client.post(reverse("change_act", args=[_change(people), "bless"])).status_code == 404
    url = reverse("restriction_act", args=[_restriction(people), "bless"])
    assert client.post(url).status_code == 404
