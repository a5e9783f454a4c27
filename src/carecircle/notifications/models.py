"""Notifications: one row per message to a person, the in-app inbox. Other channels (e-mail, Web
Push, SMS) deliver the same row and record it here.

These models began in `alerts`; their tables keep the names they had there (`db_table`), so an
existing database moved to this app without copying a row (see migrations/0001)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "alerts_notification"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.subject


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PUSH = "push", _("Phone notification (Web Push)")
    SMS = "sms", _("Text message (SMS)")


class NotificationPreference(models.Model):
    """How a person wants to be told. The in-app inbox always gets every message; urgent messages
    ignore quiet hours."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.BooleanField(_("e-mail"), default=True)
    push = models.BooleanField(_("phone notifications"), default=True)
    sms = models.BooleanField(_("text messages"), default=False)
    quiet_start = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet until"), null=True, blank=True)
    help_calls_off_duty = models.BooleanField(
        _("ask me for help calls when I am off duty"),
        default=False,
        help_text=_("A client in distress nearby: you may be asked even when not working."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "alerts_notificationpreference"

    def __str__(self) -> str:
        return f"Preferences of {self.user}"

    def wants(self, channel: str) -> bool:
        return bool(getattr(self, channel))


class PushSubscription(models.Model):
    """A browser's Web Push endpoint for one person (one row per phone or browser)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "alerts_pushsubscription"

    def __str__(self) -> str:
        return f"Push for {self.user}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One notification through one channel: when it may go (after quiet hours), what happened."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    not_before = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "alerts_delivery"
        ordering = ["not_before", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="one_delivery_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.status} for {self.notification_id}"


class VapidKeys(models.Model):
    """The server's Web Push identity, generated on first use and kept in the database so every
    web process and worker signs with the same key."""

    private_pem = models.TextField()
    public_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "alerts_vapidkeys"

    def __str__(self) -> str:
        return f"VAPID key {self.public_key[:12]}…"
