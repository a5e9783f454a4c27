"""Every channel behind `notify`, against real peers: an SMTP server (aiosmtpd), a Web Push
endpoint that decrypts what it receives with the subscriber's private key, and an HTTP SMS
gateway. Quiet hours hold back what is not urgent."""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
from datetime import datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from carecircle.notifications.delivery import deliver, deliver_due
from carecircle.notifications.models import Delivery, NotificationPreference, PushSubscription
from carecircle.notifications.services import notify, quiet_until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    port = free_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield received
    controller.stop()


class Recorder(BaseHTTPRequestHandler):
    calls: list = []
    status = 201

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).calls.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def http_peer():
    Recorder.calls, Recorder.status = [], 201
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, Recorder
    server.shutdown()


def only_channel(user, channel: str) -> None:
    NotificationPreference.objects.update_or_create(
        user=user,
        defaults={"email": channel == "email", "push": channel == "push", "sms": channel == "sms"},
    )


def test_email_arrives_at_a_real_smtp_server(
    people, smtp_server, django_capture_on_commit_callbacks
):
    people.carer.email = "ana@example.org"
    people.carer.save()
    only_channel(people.carer, "email")
    note = notify(
        user=people.carer,
        subject="Can you cover Edna at 07:00?",
        body="Ana, please.",
        url="/my-day/",
    )
    delivery = Delivery.objects.get(notification=note)
    assert deliver(delivery.pk).status == "sent"
    assert len(smtp_server) == 1
    mail = smtp_server[0]
    assert mail["To"] == "ana@example.org" and "Can you cover Edna" in mail["Subject"]
    assert "/my-day/" in mail.get_payload()
    # Sending again does not send twice.
    assert deliver(delivery.pk).status == "sent" and len(smtp_server) == 1


def test_an_unreachable_smtp_server_is_retried_later_and_the_inbox_still_has_it(people, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    people.carer.email = "ana@example.org"
    people.carer.save()
    only_channel(people.carer, "email")
    note = notify(user=people.carer, subject="Rota published")
    d = deliver(Delivery.objects.get(notification=note).pk)
    assert d.status == "pending" and d.attempts == 1 and "SMTP" in d.last_error
    assert d.not_before > timezone.now()
    assert people.carer.notifications.filter(subject="Rota published").exists()


def test_web_push_is_encrypted_for_the_subscriber_and_signed_with_vapid(people, http_peer):
    import http_ece
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    server, recorder = http_peer
    browser_key = ec.generate_private_key(ec.SECP256R1())
    public = browser_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    auth = os.urandom(16)
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    PushSubscription.objects.create(
        user=people.carer,
        endpoint=f"http://127.0.0.1:{server.server_port}/push/abc",
        p256dh=b64(public),
        auth=b64(auth),
    )
    only_channel(people.carer, "push")
    note = notify(user=people.carer, subject="Arthur needs help now", url="/alerts/1/", urgent=True)
    assert deliver(Delivery.objects.get(notification=note).pk).status == "sent"
    ((path, headers, body),) = recorder.calls
    assert path == "/push/abc"
    assert headers["content-encoding"] == "aes128gcm" and headers["urgency"] == "high"
    assert headers["authorization"].startswith("vapid t=")
    plain = http_ece.decrypt(body, private_key=browser_key, auth_secret=auth, version="aes128gcm")
    message = json.loads(plain)
    assert message["title"] == "Arthur needs help now" and message["url"] == "/alerts/1/"


def test_a_gone_push_subscription_is_forgotten(people, http_peer):
    server, recorder = http_peer
    recorder.status = 410
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    PushSubscription.objects.create(
        user=people.carer,
        endpoint=f"http://127.0.0.1:{server.server_port}/gone",
        p256dh=base64.urlsafe_b64encode(key).rstrip(b"=").decode(),
        auth=base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode(),
    )
    only_channel(people.carer, "push")
    note = notify(user=people.carer, subject="x")
    deliver(Delivery.objects.get(notification=note).pk)
    assert not PushSubscription.objects.filter(user=people.carer).exists()


def test_sms_goes_to_the_gateway_with_its_token(people, http_peer, settings):
    server, recorder = http_peer
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_GATEWAY_TOKEN = "gateway-secret"
    people.carer.phone = "+447700900123"
    people.carer.save()
    only_channel(people.carer, "sms")
    note = notify(user=people.carer, subject="Can you cover Edna at 07:00?", url="/my-day/")
    assert deliver(Delivery.objects.get(notification=note).pk).status == "sent"
    ((path, headers, body),) = recorder.calls
    sent = json.loads(body)
    assert path == "/send" and headers["authorization"] == "Bearer gateway-secret"
    assert sent["to"] == "+447700900123" and sent["text"].startswith("Can you cover Edna")


def test_a_gateway_refusal_is_not_retried(people, http_peer, settings):
    server, recorder = http_peer
    recorder.status = 400
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    people.carer.phone = "+447700900123"
    people.carer.save()
    only_channel(people.carer, "sms")
    note = notify(user=people.carer, subject="x")
    d = deliver(Delivery.objects.get(notification=note).pk)
    assert d.status == "failed" and "400" in d.last_error


def test_quiet_hours_hold_back_what_is_not_urgent(people, smtp_server):
    people.carer.email = "ana@example.org"
    people.carer.save()
    NotificationPreference.objects.update_or_create(
        user=people.carer,
        defaults={
            "email": True,
            "push": False,
            "sms": False,
            "quiet_start": time(0, 0),
            "quiet_end": time(23, 59),
        },
    )
    calm = notify(user=people.carer, subject="Rota published")
    urgent = notify(user=people.carer, subject="Arthur needs help now", urgent=True)
    now = timezone.now()
    assert Delivery.objects.get(notification=calm).not_before > now
    assert Delivery.objects.get(notification=urgent).not_before <= now
    assert deliver_due(now=now) == 1
    assert [m["Subject"] for m in smtp_server] == ["URGENT: Arthur needs help now"]


@pytest.mark.parametrize(
    "start,end,at,expected",
    [
        (time(22), time(7), "23:30", "07:00+1"),
        (time(22), time(7), "06:00", "07:00"),
        (time(22), time(7), "12:00", None),
        (time(13), time(14), "13:30", "14:00"),
        (time(13), time(14), "14:00", None),
    ],
)
def test_quiet_until_handles_hours_over_midnight(start, end, at, expected):
    tz = ZoneInfo("Europe/London")
    day = datetime(2026, 11, 23, tzinfo=tz).date()
    now = datetime.combine(day, time.fromisoformat(at), tz)
    pref = NotificationPreference(quiet_start=start, quiet_end=end)
    got = quiet_until(pref, now, tz)
    if expected is None:
        assert got is None
    else:
        hhmm, plus = (expected.split("+") + ["0"])[:2]
        assert got == datetime.combine(
            day + timedelta(days=int(plus)), time.fromisoformat(hhmm), tz
        )


def test_preferences_page_saves_and_explains_mistakes(client, people, settings):
    settings.SMS_GATEWAY_URL = ""
    client.force_login(people.carer)
    response = client.post(
        "/settings/notifications/", {"push": "on", "sms": "on", "quiet_start": "22:00"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "not set up" in page or "quiet" in page
    response = client.post(
        "/settings/notifications/", {"push": "on", "quiet_start": "22:00", "quiet_end": "07:00"}
    )
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=people.carer)
    assert pref.push and not pref.email and pref.quiet_start == time(22)


def test_the_browser_subscription_is_stored(client, people):
    client.force_login(people.carer)
    response = client.post(
        "/push/subscription/",
        data=json.dumps(
            {"endpoint": "https://push.example/abc", "keys": {"p256dh": "k", "auth": "a"}}
        ),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert PushSubscription.objects.get(user=people.carer).endpoint == "https://push.example/abc"
    bad = client.post("/push/subscription/", data="{}", content_type="application/json")
    assert bad.status_code == 400 and "endpoint" in bad.content.decode()
