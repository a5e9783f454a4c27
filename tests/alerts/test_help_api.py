"""The telecare device endpoint: POST /api/v1/alerts with the device's token, idempotent by the
device's event id, with clear errors for bad tokens and malformed payloads."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from carecircle.alerts.models import AlarmDevice, DeviceEvent, HelpAlert
from carecircle.alerts.services import device_issue

URL = "/api/v1/alerts"

# Carers to ask at any hour (see tests/alerts/oncall.py).
pytestmark = pytest.mark.usefixtures("on_call")


@pytest.fixture
def pendant(people):
    device, raw = device_issue(client=people.edna, name="Pendant")
    return device, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_pendant_press_raises_one_call_and_a_retry_returns_the_same(client, people, pendant):
    device, auth = pendant
    body = {"event_id": "press-0001", "kind": "help"}
    first = client.post(URL, body, content_type="application/json", **auth)
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["created"] is True and data["status"] == "offering"
    again = client.post(URL, body, content_type="application/json", **auth)
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert HelpAlert.objects.filter(client=people.edna).count() == 1
    alert = HelpAlert.objects.get(client=people.edna)
    assert alert.source == "device" and alert.device == device and alert.offers.exists()
    # A second event while the call is open joins it; both event ids are remembered.
    other = client.post(URL, {"event_id": "press-0002"}, content_type="application/json", **auth)
    assert other.status_code == 200 and other.json()["id"] == data["id"]
    assert DeviceEvent.objects.filter(device=device).count() == 2
    # The device can read where its call stands.
    status = client.get(f"{URL}/{data['id']}", **auth)
    assert status.status_code == 200 and "asking" in status.json()["status_text"]


def test_a_bad_or_revoked_token_is_refused_clearly(client, people, pendant):
    device, auth = pendant
    body = {"event_id": "x1"}
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer dev_wrong"}):
        r = client.post(URL, body, content_type="application/json", **headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    AlarmDevice.objects.filter(pk=device.pk).update(revoked=True)
    assert client.post(URL, body, content_type="application/json", **auth).status_code == 401
    assert not HelpAlert.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "event_id"),
        ({"event_id": ""}, "event_id"),
        ({"event_id": "has spaces"}, "event_id"),
        ({"event_id": "a" * 101}, "event_id"),
        ({"event_id": "ok-1", "kind": "earthquake"}, "kind"),
        ({"event_id": "ok-1", "occurred_at": "yesterday"}, "occurred_at"),
        ({"event_id": "ok-1", "message": "x" * 301}, "message"),
        ({"event_id": "ok-1", "message": "Help\x00"}, "message"),
        ({"event_id": "ok-1", "occurred_at": "0001-01-01T00:00:00Z"}, "occurred_at"),
        ({"event_id": "ok-1", "occurred_at": "9999-01-01T00:00:00Z"}, "occurred_at"),
        ({"event_id": "ok-1", "occurred_at": "2026-12-04T07:05:00"}, "occurred_at"),
    ],
)
def test_a_malformed_payload_names_the_field(client, people, pendant, body, field):
    _, auth = pendant
    r = client.post(URL, body, content_type="application/json", **auth)
    assert r.status_code == 422, r.content
    error = r.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"], error
    assert not HelpAlert.objects.exists()


def test_the_event_id_error_says_what_is_allowed(client, people, pendant):
    _, auth = pendant
    r = client.post(URL, {"event_id": "has spaces"}, content_type="application/json", **auth)
    assert r.json()["error"]["fields"]["event_id"] == (
        "use only letters, digits and . _ : - (no spaces)"
    )


def test_not_json_at_all_is_a_clear_error(client, people, pendant):
    _, auth = pendant
    r = client.post(URL, "press!", content_type="application/json", **auth)
    assert r.status_code == 400  # as the README says: not JSON at all is 400
    assert r.json()["error"]["message"] == "Cannot parse request body"
    assert not HelpAlert.objects.filter(client=people.edna).exists()
    # JSON without the event id is a 422 naming the field.
    r = client.post(URL, "[]", content_type="application/json", **auth)
    assert r.status_code == 422 and "event_id" in r.json()["error"]["fields"]


def test_a_session_user_cannot_post_as_a_device(client, people):
    client.force_login(people.client)
    r = client.post(URL, {"event_id": "x"}, content_type="application/json")
    assert r.status_code == 401


def test_create_alarm_device_prints_a_token_once(people, capsys):
    call_command("create_alarm_device", str(people.edna.public_id), "--name", "Hall hub")
    out = capsys.readouterr().out
    assert "Hall hub" in out and "dev_" in out
    raw = out.strip().splitlines()[-1]
    assert not AlarmDevice.objects.filter(token_hash=raw).exists()  # only its hash is stored


def test_a_person_reads_a_call_they_may_see_and_nobody_else_does(client, people, pendant):
    _, auth = pendant
    alert_id = client.post(URL, {"event_id": "e1"}, content_type="application/json", **auth).json()[
        "id"
    ]
    client.force_login(people.representative)
    assert client.get(f"{URL}/{alert_id}").status_code == 200
    client.force_login(people.outsider)
    assert client.get(f"{URL}/{alert_id}").status_code == 404
