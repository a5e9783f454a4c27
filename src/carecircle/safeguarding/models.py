"""Safeguarding concerns and acknowledgements of computed signals. (The audit trail is the `audit`
app's.)"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConcernStatus(models.TextChoices):
    RAISED = "raised", _("Raised")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Investigating")
    CLOSED = "closed", _("Closed")


class ConcernOutcome(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("Substantiated")
    PARTLY = "partly_substantiated", _("Partly substantiated")
    NOT_SUBSTANTIATED = "not_substantiated", _("Not substantiated")
    REFERRED = "referred", _("Referred to the local authority")
    NO_FURTHER_ACTION = "no_further_action", _("No further action")


# A concern moves forward one step at a time; closing needs an outcome.
CONCERN_NEXT = {
    ConcernStatus.RAISED: ConcernStatus.ACKNOWLEDGED,
    ConcernStatus.ACKNOWLEDGED: ConcernStatus.INVESTIGATING,
    ConcernStatus.INVESTIGATING: ConcernStatus.CLOSED,
}


class Concern(models.Model):
    """A safeguarding concern. Only the organisation's safeguarding lead and the person who raised
    it can see it: a concern may be about someone in the raiser's own circle."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "circles.Organisation", on_delete=models.PROTECT, related_name="concerns"
    )
    raised_by = models.ForeignKey(
        "people.User", null=True, on_delete=models.SET_NULL, related_name="concerns_raised"
    )
    raised_at = models.DateTimeField()
    client = models.ForeignKey(
        "people.Client", null=True, blank=True, on_delete=models.PROTECT, related_name="concerns"
    )
    about_carer = models.ForeignKey(
        "people.Carer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visit = models.ForeignKey(
        "rota.Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(max_length=200)
    description = models.TextField()
    status = models.CharField(
        max_length=16, choices=ConcernStatus.choices, default=ConcernStatus.RAISED
    )
    outcome = models.CharField(max_length=24, choices=ConcernOutcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="closed") | ~models.Q(outcome=""),
                name="closed_concern_has_outcome",
            )
        ]

    def __str__(self) -> str:
        return self.summary


class ConcernNote(models.Model):
    """The concern's history: each status change and note, by whom."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="notes")
    at = models.DateTimeField()
    by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=ConcernStatus.choices, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.concern} at {self.at:%Y-%m-%d %H:%M}"


class SignalAcknowledgement(models.Model):
    """A team leader or the safeguarding lead has looked at a computed signal and says why it
    needs no more action. The signal's key names what it is about; the reason is required."""

    organisation = models.ForeignKey(
        "circles.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=40)
    client = models.ForeignKey(
        "people.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by = models.ForeignKey("people.User", null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField()
    explanation = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="one_ack_per_signal"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="ack_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} acknowledged by {self.by}"
