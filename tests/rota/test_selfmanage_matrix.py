"""Permission matrix for the self-management pages: availability, absences, swaps, open places,
released visits, kept time, escalations and notification settings."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carecircle.oversight.models import Escalation, EscalationKind
from carecircle.people.models import Carer
from carecircle.rota.models import (
    Absence,
    Assignment,
    KeptTime,
    Release,
    SwapOffer,
    Visit,
)
from tests.matrix import ROLES, check_anonymous, check_route

URL_NAMES = {
    "availability",
    "absence_new",
    "absence_page",
    "absence_withdraw",
    "swap_new",
    "swap_offer",
    "swap_act",
    "place_claim",
    "cover_act",
    "release_new",
    "release_undo",
    "kept_time",
    "escalation_page",
    "escalation_act",
    "notification_settings",
    "push_subscription",
    "push_worker",
}

CARERS = {"carer", "carer2", "informal", "representative", "outsider"}  # Sue is also a carer


def _when():
    day = timezone.localdate() + timedelta(days=2)
    return datetime.combine(day, time(15, 0), timezone.get_current_timezone())


def _anas_visit(p) -> Visit:
    ana = Carer.objects.get(user=p.carer)
    visit, created = Visit.objects.get_or_create(
        client=p.arthur,
        circle=p.riverside,
        name="Matrix check",
        date=_when().date(),
        defaults={"window_start": _when(), "window_end": _when(), "duration_minutes": 30},
    )
    if created:
        Assignment.objects.create(visit=visit, carer=ana, status="published")
    return visit


def _swap(p):
    visit = _anas_visit(p)
    ana = Carer.objects.get(user=p.carer)
    offer, _ = SwapOffer.objects.get_or_create(visit=visit, from_carer=ana, to_carer=None)
    return offer.public_id


def _absence(p):
    ana = Carer.objects.get(user=p.carer)
    absence, _ = Absence.objects.get_or_create(
        carer=ana,
        kind="holiday",
        starts_at=_when() + timedelta(days=10),
        ends_at=_when() + timedelta(days=11),
        defaults={"reported_by": p.carer},
    )
    return absence.public_id


def _kept(p):
    visit = _anas_visit(p)
    release, _ = Release.objects.get_or_create(
        client=p.arthur,
        starts_at=visit.window_start,
        ends_at=visit.window_start + timedelta(hours=1),
        defaults={"reason": "family"},
    )
    kept, _ = KeptTime.objects.get_or_create(
        release=release,
        visit=visit,
        carer=Carer.objects.get(user=p.carer),
        defaults={"starts_at": visit.window_start, "minutes": 30},
    )
    return kept.public_id


def _escalation(p):
    esc, _ = Escalation.objects.get_or_create(
        circle=p.riverside,
        key="matrix",
        defaults={
            "kind": EscalationKind.OTHER,
            "subject": "Matrix check",
            "opened_at": timezone.now(),
            "owner": p.team_leader,
        },
    )
    return esc.public_id


ROUTES = {
    "availability": (lambda p: reverse("availability"), {r: 200 for r in CARERS}, 403),
    "absence_new": (lambda p: reverse("absence_new"), {r: 200 for r in CARERS}, 403),
    "absence_page": (
        lambda p: reverse("absence_page", args=[_absence(p)]),
        {"carer": 200, "team_leader": 200},
        404,
    ),
    "swap_new": (
        lambda p: reverse("swap_new", args=[_anas_visit(p).public_id]),
        {"carer": 200, **{r: 404 for r in CARERS - {"carer"}}},
        403,
    ),
    "swap_offer": (
        lambda p: reverse("swap_offer", args=[_swap(p)]),
        {"carer": 200, "carer2": 200, "informal": 200, "team_leader": 200},
        404,
    ),
    "kept_time": (
        lambda p: reverse("kept_time", args=[_kept(p)]),
        {"carer": 200, **{r: 404 for r in CARERS - {"carer"}}},
        403,
    ),
    "release_new": (
        lambda p: reverse("release_new", args=[p.edna.public_id]),
        {"client": 200, "representative": 200, "informal": 404, "outsider": 404},
        403,
    ),
    "escalation_page": (
        lambda p: reverse("escalation_page", args=[_escalation(p)]),
        {"team_leader": 200, "admin": 200},
        404,
    ),
    "notification_settings": (
        lambda p: reverse("notification_settings"),
        {r: 200 for r in ROLES},
        403,
    ),
}


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_selfmanage_matrix(client, people, route, role):
    check_route(client, people, ROUTES, route, role)


@pytest.mark.parametrize("route", list(ROUTES))
def test_selfmanage_anonymous(client, people, route):
    check_anonymous(client, people, ROUTES, route)


POST_ONLY = {
    "place_claim": lambda p: reverse("place_claim", args=[_anas_visit(p).public_id]),
    "swap_act": lambda p: reverse("swap_act", args=[_swap(p), "accept"]),
    "absence_withdraw": lambda p: reverse("absence_withdraw", args=[_absence(p)]),
    "cover_act": lambda p: reverse("cover_act", args=[_swap(p), "accept"]),
    "release_undo": lambda p: reverse("release_undo", args=[_swap(p)]),
    "escalation_act": lambda p: reverse("escalation_act", args=[_escalation(p), "take"]),
    "push_subscription": lambda p: reverse("push_subscription"),
}


@pytest.mark.parametrize("route", list(POST_ONLY))
def test_actions_are_posts_and_need_a_sign_in(client, people, route):
    url = POST_ONLY[route](people)
    assert client.post(url).status_code == 302  # to the sign-in page
    client.force_login(people.carer)
    assert client.get(url).status_code == 405


def test_someone_else_cannot_act_on_your_things(client, people):
    # Chris (Hilltop) cannot claim a Riverside place, take Ana's offer or undo her absence.
    client.force_login(people.outsider)
    visit = _anas_visit(people)
    Assignment.objects.filter(visit=visit).delete()
    response = client.post(reverse("place_claim", args=[visit.public_id]), follow=True)
    assert "not part of" in response.content.decode()
    assert not visit.assignments.exists()
    assert client.post(reverse("swap_act", args=[_swap(people), "accept"])).status_code == 404
    assert client.post(reverse("absence_withdraw", args=[_absence(people)])).status_code == 404
    # A client is not a carer: claiming is refused outright.
    client.force_login(people.client)
    assert client.post(reverse("place_claim", args=[visit.public_id])).status_code == 403
    # Only people at the escalation's level take it.
    client.force_login(people.carer)
    assert (
        client.post(reverse("escalation_act", args=[_escalation(people), "take"])).status_code
        == 404
    )


def test_the_push_worker_is_public_javascript(client):
    response = client.get(reverse("push_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "showNotification" in response.content.decode()
