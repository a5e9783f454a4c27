"""A signed-in session ends after SESSION_COOKIE_AGE: the expiry is stored with the session in the
database, and once it has passed the pages send the person to sign in and the API refuses them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from carecircle.env import env_int

PASSWORD = "carecircle-demo"


def _sign_in(client, username="ana"):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "signed in"
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def _signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_session_lasts_session_cookie_age_from_sign_in(client, people, settings):
    settings.SESSION_COOKIE_AGE = 600
    before = timezone.now()
    session = _sign_in(client)
    expected = before + timedelta(seconds=600)
    assert expected - timedelta(seconds=5) <= session.expire_date <= expected + timedelta(seconds=5)
    assert int(client.cookies["sessionid"]["max-age"]) == 600


def test_a_session_past_its_expiry_signs_the_person_out(client, people):
    session = _sign_in(client)
    my_day = reverse("my_day")
    assert client.get(my_day).status_code == 200
    api = "/api/v1/me"
    assert client.get(api).status_code == 200
    # The set time has passed (as if the phone had sat in a pocket for 12 hours).
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(my_day)
    assert _signed_out(response)
    refused = client.get(api)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    # Signing in again starts a new session with its own full time.
    fresh = _sign_in(client)
    assert fresh.session_key != session.session_key
    assert client.get(my_day).status_code == 200


def test_a_session_just_inside_its_time_still_works(client, people):
    session = _sign_in(client)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get(reverse("my_day")).status_code == 200


def test_session_cookie_age_below_five_minutes_is_refused(monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_AGE", "60")
    with pytest.raises(ImproperlyConfigured, match="at least 300"):
        env_int("SESSION_COOKIE_AGE", 43200, minimum=300)
    monkeypatch.setenv("SESSION_COOKIE_AGE", "3600")
    assert env_int("SESSION_COOKIE_AGE", 43200, minimum=300) == 3600
