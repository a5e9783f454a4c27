"""Every way of reaching a person outside the app, behind one small interface.

A channel says whether it can reach a person at all (`reaches`) and sends one notification
(`send`), raising `DeliveryError` with a reason a person can read when it cannot. The in-app inbox is
not a channel: the Notification row itself is the inbox."""

from __future__ import annotations

import base64
import json
import logging
from typing import Protocol

import httpx
from django.conf import settings
from django.core.mail import EmailMessage

from carecircle.notifications.models import Channel, PushSubscription, VapidKeys

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The channel could not deliver; `permanent` means trying again will not help."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class NotificationChannel(Protocol):
    name: str

    def reaches(self, user) -> bool: ...

    def send(self, notification, *, site_url: str) -> None: ...


def _absolute(url: str, site_url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return site_url.rstrip("/") + url


class EmailChannel:
    name = Channel.EMAIL

    def reaches(self, user) -> bool:
        return bool(user.email)

    def send(self, notification, *, site_url: str) -> None:
        body = notification.body or notification.subject
        link = _absolute(notification.url, site_url)
        if link:
            body = f"{body}\n\n{link}"
        body += "\n\n— carecircle. Change how we tell you: " + _absolute(
            "/settings/notifications/", site_url
        )
        subject = ("URGENT: " if notification.urgent else "") + notification.subject
        message = EmailMessage(subject=subject, body=body, to=[notification.user.email])
        try:
            message.send(fail_silently=False)
        except OSError as exc:  # refused, timed out, unreachable: worth another try
            raise DeliveryError(f"SMTP server: {exc}") from exc


def vapid_keys() -> VapidKeys:
    """The server's VAPID key pair, generated on first use (one row, shared by every process)."""
    keys = VapidKeys.objects.order_by("id").first()
    if keys is not None:
        return keys
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    public = base64.urlsafe_b64encode(point).rstrip(b"=").decode()
    VapidKeys.objects.create(private_pem=pem, public_key=public)
    return VapidKeys.objects.order_by("id").first()


class WebPushChannel:
    name = Channel.PUSH

    def reaches(self, user) -> bool:
        return PushSubscription.objects.filter(user=user).exists()

    def send(self, notification, *, site_url: str) -> None:
        from py_vapid import Vapid02
        from pywebpush import WebPushException, webpush

        keys = vapid_keys()
        signer = Vapid02.from_pem(keys.private_pem.encode())
        payload = json.dumps(
            {
                "title": notification.subject,
                "body": notification.body[:300],
                "url": notification.url or "/inbox/",
                "urgent": notification.urgent,
                "tag": str(notification.public_id),
            }
        )
        failures = []
        for sub in PushSubscription.objects.filter(user=notification.user):
            info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
            try:
                webpush(
                    info,
                    data=payload,
                    vapid_private_key=signer,
                    vapid_claims={"sub": settings.WEB_PUSH_CONTACT},
                    ttl=24 * 3600,
                    timeout=10,
                    headers={"Urgency": "high" if notification.urgent else "normal"},
                )
            except WebPushException as exc:
                status = getattr(exc.response, "status_code", None)
                if status in (404, 410):  # the browser unsubscribed: forget it
                    sub.delete()
                    continue
                failures.append(f"{sub.endpoint[:60]}: {exc}")
            except Exception as exc:  # network errors from requests
                failures.append(f"{sub.endpoint[:60]}: {exc}")
        if failures:
            raise DeliveryError("; ".join(failures)[:500])


class SmsChannel:
    """An SMS gateway over HTTP: POST JSON {to, from, text} with a bearer token. Most gateways
    take this shape or something a few lines away from it."""

    name = Channel.SMS

    def reaches(self, user) -> bool:
        return bool(settings.SMS_GATEWAY_URL and user.phone)

    def send(self, notification, *, site_url: str) -> None:
        text = notification.subject
        link = _absolute(notification.url, site_url)
        if link:
            text = f"{text} {link}"
        headers = {}
        if settings.SMS_GATEWAY_TOKEN:
            headers["Authorization"] = f"Bearer {settings.SMS_GATEWAY_TOKEN}"
        try:
            response = httpx.post(
                settings.SMS_GATEWAY_URL,
                json={"to": notification.user.phone, "from": settings.SMS_SENDER, "text": text},
                headers=headers,
                timeout=10,
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"SMS gateway unreachable: {exc}") from exc
        if response.status_code >= 400:
            raise DeliveryError(
                f"SMS gateway said {response.status_code}: {response.text[:200]}",
                permanent=400 <= response.status_code < 500 and response.status_code != 429,
            )


CHANNELS: dict[str, NotificationChannel] = {
    c.name: c for c in (EmailChannel(), WebPushChannel(), SmsChannel())
}
