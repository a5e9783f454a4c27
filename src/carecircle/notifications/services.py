"""The one way to tell a person something, and the writes a person makes about how they are told.

`notify` stores the message in the person's in-app inbox and plans one Delivery per further
channel they chose (e-mail, Web Push, SMS). Deliveries are sent by the background worker, after
the person's quiet hours unless the message is urgent, and retried with back-off; the rows are the
queue, so a restarted worker loses nothing."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from carecircle.notifications.channels import CHANNELS
from carecircle.notifications.models import (
    Delivery,
    Notification,
    NotificationPreference,
    PushSubscription,
)
from carecircle.notifications.selectors import preferences_of
from carecircle.notifications.tasks import deliver_notifications

log = logging.getLogger(__name__)


def _zone(user) -> ZoneInfo:
    org = getattr(user, "organisation", None)
    return ZoneInfo(org.time_zone if org else settings.TIME_ZONE)


def quiet_until(pref: NotificationPreference, now: datetime, tz: ZoneInfo) -> datetime | None:
    """When quiet hours that cover `now` end, or None when `now` is not in quiet hours.
    Quiet hours may run over midnight (22:00–07:00)."""
    if pref.quiet_start is None or pref.quiet_end is None or pref.quiet_start == pref.quiet_end:
        return None
    local = now.astimezone(tz)
    t = local.time().replace(tzinfo=None)
    start, end = pref.quiet_start, pref.quiet_end
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if (start < end or t < end) else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tz)


def notify(*, user, subject: str, body: str = "", url: str = "", urgent: bool = False):
    """Tell `user`: the inbox at once, their other channels now or when their quiet hours end."""
    notification = Notification.objects.create(
        user=user, subject=subject[:200], body=body, url=url, urgent=urgent
    )
    pref = preferences_of(user)
    now = timezone.now()
    later = None if urgent else quiet_until(pref, now, _zone(user))
    rows = [
        Delivery(notification=notification, channel=name, not_before=later or now)
        for name, channel in CHANNELS.items()
        if pref.wants(name) and channel.reaches(user)
    ]
    if rows:
        Delivery.objects.bulk_create(rows)
        ids = [d.pk for d in Delivery.objects.filter(notification=notification)]
        transaction.on_commit(lambda: _enqueue(ids, later))
    return notification


def _enqueue(ids: list[int], run_after: datetime | None) -> None:
    try:
        task = deliver_notifications.using(run_after=run_after) if run_after else None
        (task or deliver_notifications).enqueue(ids)
    except Exception:  # the rows stay pending; the tick sends them
        log.exception("could not queue deliveries %s", ids)


def notifications_mark_read(*, actor, ids=None) -> int:
    """Mark the actor's own notifications read (all of them when `ids` is None)."""
    with transaction.atomic():
        rows = Notification.objects.filter(user=actor, read_at__isnull=True)
        if ids is not None:
            rows = rows.filter(public_id__in=ids)
        return rows.update(read_at=timezone.now())


def preferences_update(
    *,
    actor,
    email: bool,
    push: bool,
    sms: bool,
    quiet_start: time | None,
    quiet_end: time | None,
    help_calls_off_duty: bool | None = None,
) -> NotificationPreference:
    """A person sets their own channels and quiet hours (nobody sets them for another)."""
    if (quiet_start is None) != (quiet_end is None):
        raise ValidationError(
            {"quiet_end": "Give both the start and the end of quiet hours, or neither."}
        )
    if sms and not actor.phone:
        raise ValidationError({"sms": "Add a mobile number to your account to get text messages."})
    if sms and not settings.SMS_GATEWAY_URL:
        raise ValidationError({"sms": "Text messages are not set up for this service."})
    if email and not actor.email:
        raise ValidationError({"email": "Your account has no e-mail address."})
    pref, _ = NotificationPreference.objects.update_or_create(
        user=actor,
        defaults={
            "email": email,
            "push": push,
            "sms": sms,
            "quiet_start": quiet_start,
            "quiet_end": quiet_end,
            **(
                {"help_calls_off_duty": help_calls_off_duty}
                if help_calls_off_duty is not None
                else {}
            ),
        },
    )
    return pref


def push_subscribe(*, actor, endpoint: str, p256dh: str, auth: str, user_agent: str = ""):
    if not endpoint.startswith("https://") and not settings.DEBUG and not _local(endpoint):
        raise ValidationError({"endpoint": "A push endpoint must be an https:// address."})
    if not p256dh or not auth:
        raise ValidationError({"keys": "The subscription needs its p256dh and auth keys."})
    sub, _ = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": actor, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300]},
    )
    return sub


def _local(endpoint: str) -> bool:
    return endpoint.startswith(("http://127.0.0.1", "http://localhost"))
