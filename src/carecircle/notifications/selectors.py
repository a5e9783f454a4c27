"""Reads: a person's preferences (the defaults when they never chose), their inbox, its unread
count."""

from __future__ import annotations

from carecircle.notifications.models import Notification, NotificationPreference


def preferences_of(user) -> NotificationPreference:
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref or NotificationPreference(user=user)


def notifications_for(*, user, limit: int = 50):
    return Notification.objects.filter(user=user).prefetch_related("deliveries")[:limit]


def unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
