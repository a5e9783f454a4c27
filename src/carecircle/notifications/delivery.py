"""Sending what `notify` planned: one Delivery through its channel when it is due, retried with
back-off. The worker's task and tick call these; nothing here queues work, so the task module can
import it without a loop."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from carecircle.notifications.channels import CHANNELS, DeliveryError
from carecircle.notifications.models import Delivery, DeliveryStatus


def _site_url() -> str:
    return getattr(settings, "SITE_URL", "") or "http://127.0.0.1:8000"


def deliver(delivery_id: int, *, now: datetime | None = None) -> Delivery:
    """Send one pending delivery that is due. Safe to call twice: a row already sent is left."""
    now = now or timezone.now()
    with transaction.atomic():
        d = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification__user__organisation")
            .get(pk=delivery_id)
        )
        if d.status != DeliveryStatus.PENDING or d.not_before > now:
            return d
        d.attempts += 1
        try:
            CHANNELS[d.channel].send(d.notification, site_url=_site_url())
        except DeliveryError as exc:
            d.last_error = str(exc)[:500]
            if exc.permanent or d.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                d.status = DeliveryStatus.FAILED
            else:  # back off: 1, 2, 4, 8 … minutes
                d.not_before = now + timedelta(minutes=2 ** (d.attempts - 1))
        else:
            d.status, d.sent_at, d.last_error = DeliveryStatus.SENT, now, ""
        d.save()
    return d


def deliver_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Send every pending delivery whose time has come (the worker's tick calls this)."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, not_before__lte=now).values_list(
            "id", flat=True
        )[:limit]
    )
    sent = 0
    for pk in ids:
        sent += deliver(pk, now=now).status == DeliveryStatus.SENT
    return sent
