"""Help now: distress alerts, the offers a call makes, telecare devices and the live events a
screen shows."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertSource(models.TextChoices):
    CLIENT = "client", _("The client")
    REPRESENTATIVE = "representative", _("A representative")
    CARER = "carer", _("A carer")
    TEAM_LEADER = "team_leader", _("A team leader")
    DEVICE = "device", _("A telecare device")


class AlertKind(models.TextChoices):
    HELP = "help", _("Needs help")
    FALL = "fall", _("Has fallen")
    UNWELL = "unwell", _("Feels unwell")
    DISTRESSED = "distressed", _("Distressed or confused")
    NO_MOVEMENT = "no_movement", _("No movement detected")


class AlertStatus(models.TextChoices):
    OFFERING = "offering", _("Asking carers")
    ACCEPTED = "accepted", _("On the way")
    ARRIVED = "arrived", _("With the client")
    RESOLVED = "resolved", _("Resolved")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_ALERT = (AlertStatus.OFFERING, AlertStatus.ACCEPTED, AlertStatus.ARRIVED)


class AlertOutcome(models.TextChoices):
    SETTLED = "settled", _("Settled, no further help needed")
    GP = "gp", _("GP called")
    AMBULANCE = "ambulance", _("Ambulance called")
    HOSPITAL = "hospital", _("Went to hospital")
    FALSE_ALARM = "false_alarm", _("False alarm")
    OTHER = "other", _("Other")


class AlarmDevice(models.Model):
    """A telecare pendant or alarm hub in a client's home. It posts to /api/v1/alerts with its
    own token (only a hash is stored; the token is shown once)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        "people.Client", on_delete=models.CASCADE, related_name="alarm_devices"
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=8, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class HelpAlert(models.Model):
    """A client needs help now. Timers (`next_wave_at`, `escalate_at`) are timestamps: the circle
    worker re-reads them every few seconds, so a restart loses nothing."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("people.Client", on_delete=models.CASCADE, related_name="alerts")
    circle = models.ForeignKey("circles.Circle", on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=12, choices=AlertKind.choices, default=AlertKind.HELP)
    source = models.CharField(max_length=16, choices=AlertSource.choices)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device = models.ForeignKey(
        AlarmDevice, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    message = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=AlertStatus.choices, default=AlertStatus.OFFERING
    )
    raised_at = models.DateTimeField(db_index=True)
    wave = models.PositiveSmallIntegerField(default=0)
    next_wave_at = models.DateTimeField(null=True, blank=True, db_index=True)
    escalate_at = models.DateTimeField(null=True, blank=True, db_index=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    ranking = models.JSONField(default=list, blank=True, help_text=_("Candidates in order."))
    responder = models.ForeignKey(
        "people.Carer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    eta_minutes = models.PositiveIntegerField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=AlertOutcome.choices, blank=True)
    notes = models.TextField(blank=True)
    follow_up = models.TextField(blank=True, help_text=_("Proposed for the care plan."))
    follow_up_change = models.ForeignKey(
        "plans.PlanChange", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    left_visit = models.ForeignKey(
        "rota.Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cover_absence = models.ForeignKey(
        "rota.Absence",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The responder's visits given to the circle while they answer."),
    )
    left_visit_rest = models.ForeignKey(
        "rota.Visit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The rest of the visit the responder left, offered to the circle as a place."),
    )
    cancelled_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return f"Help for {self.client} ({self.get_status_display()})"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_ALERT


class DeviceEvent(models.Model):
    """Each event id a device has sent, once: a repeated POST gets the same alert back."""

    device = models.ForeignKey(AlarmDevice, on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=100)
    alert = models.ForeignKey(HelpAlert, on_delete=models.CASCADE, related_name="device_events")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "event_id"], name="one_device_event")
        ]

    def __str__(self) -> str:
        return f"{self.device} {self.event_id}"


class OfferState(models.TextChoices):
    SENT = "sent", _("Asked")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    TAKEN = "taken", _("Taken by someone else")
    CLOSED = "closed", _("No longer needed")


class DeclineReason(models.TextChoices):
    TOO_FAR = "too_far", _("Too far away")
    WITH_CLIENT = "with_client", _("Can't leave the person I'm with")
    NOT_SAFE = "not_safe", _("Not safe for me to go")
    UNWELL = "unwell", _("I'm unwell or off duty")
    OTHER = "other", _("Another reason")


class HelpOffer(models.Model):
    """One carer asked to answer one help call, in a wave, with where they ranked and why."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    alert = models.ForeignKey(HelpAlert, on_delete=models.CASCADE, related_name="offers")
    carer = models.ForeignKey("people.Carer", on_delete=models.CASCADE, related_name="help_offers")
    wave = models.PositiveSmallIntegerField()
    rank = models.PositiveSmallIntegerField()
    eta_minutes = models.PositiveIntegerField()
    reason = models.CharField(max_length=300)
    state = models.CharField(max_length=10, choices=OfferState.choices, default=OfferState.SENT)
    sent_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=12, choices=DeclineReason.choices, blank=True)
    decline_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["alert", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "carer"], name="one_offer_per_carer")
        ]

    def __str__(self) -> str:
        return f"{self.carer} for {self.alert_id} ({self.state})"


class LiveEvent(models.Model):
    """Something a live screen should show at once (an alert raised, accepted, arrived,
    resolved). Server-sent events and the polling fallback read these rows in id order; being in
    the database, every web process sees the same stream."""

    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(
        "people.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20)
    text = models.CharField(max_length=300)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text
