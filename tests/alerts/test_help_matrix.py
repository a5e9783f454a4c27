"""Permission matrix for the help-call pages: the confirm step, the call's page, its actions and
the live stream. Whoever may see the client may call and follow the call; nobody else sees it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from carecircle.alerts.models import HelpAlert
from carecircle.alerts.services import alert_raise
from tests.matrix import ROLES, check_anonymous, check_route

# Carers to ask at any hour (see tests/alerts/oncall.py).
pytestmark = pytest.mark.usefixtures("on_call")

URL_NAMES = {
    "help_confirm",
    "help_alert",
    "help_alert_act",
    "help_offer_act",
    "live_stream",
    "live_poll",
}


def _alert(p):
    alert = HelpAlert.objects.filter(client=p.edna).first()
    if alert is None:
        alert, _ = alert_raise(actor=p.client, client=p.edna)
    return alert.public_id


# Edna's circle (Riverside): her, Sue (attorney, also her informal carer), Ana, Dave, Priya.
SEES_EDNA = {"client": 200, "representative": 200, "carer": 200, "carer2": 200}

ROUTES = {
    "help_confirm": (
        lambda p: reverse("help_confirm", args=[p.edna.public_id]),
        {**SEES_EDNA, "team_leader": 200, "admin": 200, "informal": 404, "outsider": 404},
        403,  # managers and the safeguarding lead do not open client records
    ),
    "help_alert": (
        lambda p: reverse("help_alert", args=[_alert(p)]),
        # The manager is the top of the escalation ladder for a call nobody answers.
        {**SEES_EDNA, "team_leader": 200, "admin": 200, "manager": 200},
        404,
    ),
    "live_poll": (lambda p: reverse("live_poll"), {r: 200 for r in ROLES}, 200),
}


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_help_matrix(client, people, route, role):
    check_route(client, people, ROUTES, route, role)


@pytest.mark.parametrize("route", list(ROUTES))
def test_help_anonymous(client, people, route):
    check_anonymous(client, people, ROUTES, route)


def test_the_live_stream_needs_a_sign_in_and_is_an_event_stream(client, people, settings):
    settings.LIVE_STREAM_SECONDS = 1
    response = client.get(reverse("live_stream"))
    assert response.status_code == 302
    client.force_login(people.carer)
    response = client.get(reverse("live_stream"))
    assert response.status_code == 200 and response["Content-Type"] == "text/event-stream"
    b"".join(response.streaming_content)


POST_ONLY = {
    "help_alert_act": lambda p: reverse("help_alert_act", args=[_alert(p), "arrived"]),
    "help_offer_act": lambda p: reverse(
        "help_offer_act",
        args=[HelpAlert.objects.get(public_id=_alert(p)).offers.first().public_id, "accept"],
    ),
}


@pytest.mark.parametrize("route", list(POST_ONLY))
def test_help_actions_are_posts_and_need_a_sign_in(client, people, route):
    url = POST_ONLY[route](people)
    assert client.post(url).status_code == 302
    client.force_login(people.carer)
    assert client.get(url).status_code == 405


def test_nobody_else_can_answer_or_stand_down_a_call(client, people):
    alert_id = _alert(people)
    offer = HelpAlert.objects.get(public_id=alert_id).offers.first()
    client.force_login(people.outsider)
    assert (
        client.post(reverse("help_offer_act", args=[offer.public_id, "accept"])).status_code == 404
    )
    assert client.post(reverse("help_alert_act", args=[alert_id, "cancel"])).status_code == 404
    client.force_login(people.safeguarding)
    assert client.post(reverse("help_alert_act", args=[alert_id, "cancel"])).status_code == 404
    assert HelpAlert.objects.get(public_id=alert_id).status == "offering"
