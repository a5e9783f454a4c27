"""The one way to tell a person something. Every message lands in the in-app inbox; further
channels (e-mail over SMTP, Web Push, SMS) plug in behind `notify` without callers changing."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from carecircle.alerts.models import Notification


def notify(*, user, subject: str, body: str = "", url: str = "", urgent: bool = False):
    return Notification.objects.create(
        user=user, subject=subject[:200], body=body, url=url, urgent=urgent
    )


def notifications_for(*, user, limit: int = 50):
    return Notification.objects.filter(user=user)[:limit]


def unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_mark_read(*, actor, ids=None) -> int:
    """Mark the actor's own notifications read (all of them when `ids` is None)."""
    with transaction.atomic():
        rows = Notification.objects.filter(user=actor, read_at__isnull=True)
        if ids is not None:
            rows = rows.filter(public_id__in=ids)
        return rows.update(read_at=timezone.now())
