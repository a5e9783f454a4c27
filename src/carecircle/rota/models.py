"""Visits, who is assigned to them, and when carers can and cannot work."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    COMPLETED = "completed", _("Completed")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


class Visit(models.Model):
    """One visit to a client, generated from a visit pattern of the agreed plan version."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("people.Client", on_delete=models.CASCADE, related_name="visits")
    circle = models.ForeignKey("circles.Circle", on_delete=models.PROTECT, related_name="visits")
    pattern = models.ForeignKey(
        "plans.VisitPattern",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    plan_version = models.ForeignKey(
        "plans.CarePlanVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=80)
    date = models.DateField(help_text=_("Local date of the visit."))
    window_start = models.DateTimeField()
    window_end = models.DateTimeField(help_text=_("Latest start."))
    start = models.DateTimeField(null=True, blank=True, help_text=_("Planned start."))
    duration_minutes = models.PositiveIntegerField()
    carers_needed = models.PositiveSmallIntegerField(default=1)
    skills = models.ManyToManyField("people.Skill", blank=True, related_name="+")
    status = models.CharField(
        max_length=16, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )

    class Meta:
        ordering = ["window_start", "client"]
        indexes = [models.Index(fields=["circle", "date"]), models.Index(fields=["client", "date"])]
        constraints = [
            # Generating visits twice for the same dates must not duplicate them.
            models.UniqueConstraint(
                fields=["pattern", "date"],
                condition=Q(pattern__isnull=False),
                name="one_visit_per_pattern_per_day",
            ),
            models.CheckConstraint(
                condition=Q(window_end__gte=models.F("window_start")), name="visit_window_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} for {self.client} on {self.date}"

    @property
    def planned_start(self):
        return self.start or self.window_start

    @property
    def planned_end(self):
        return self.planned_start + timedelta(minutes=self.duration_minutes)


class AssignmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Assignment(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="assignments")
    carer = models.ForeignKey("people.Carer", on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(
        max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.PUBLISHED
    )
    why = models.CharField(max_length=200, blank=True)
    draft = models.ForeignKey(
        "rota.RotaDraft",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visit", "carer"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "carer"], name="carer_once_per_visit")
        ]

    def __str__(self) -> str:
        return f"{self.carer} → {self.visit}"


class AvailabilityRule(models.Model):
    """A weekly recurring block in which the carer can work (local time)."""

    carer = models.ForeignKey("people.Carer", on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(choices=[(i, str(i)) for i in range(7)])
    start_time = models.TimeField()
    end_time = models.TimeField()
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["carer", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="availability_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.carer} weekday {self.weekday} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class AvailabilityException(models.Model):
    """A one-off change to the weekly pattern: not available that day, or available extra."""

    carer = models.ForeignKey(
        "people.Carer", on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    date = models.DateField()
    available = models.BooleanField(default=False)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["carer", "date"]

    def __str__(self) -> str:
        return f"{self.carer} {self.date} {'available' if self.available else 'unavailable'}"


class AbsenceKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    SICKNESS = "sickness", _("Sickness")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


class Absence(models.Model):
    carer = models.ForeignKey("people.Carer", on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField(max_length=16, choices=AbsenceKind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    reported_by = models.ForeignKey(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="absence_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.carer} {self.get_kind_display()} {self.starts_at:%Y-%m-%d}"


class DraftStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Working it out")
    READY = "ready", _("Ready to review")
    FAILED = "failed", _("Failed")
    PUBLISHED = "published", _("Published")
    DISCARDED = "discarded", _("Discarded")


class RotaDraft(models.Model):
    """A proposed rota for one circle-week, solved in the background by the rota engine."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="drafts")
    week_start = models.DateField()
    status = models.CharField(
        max_length=16, choices=DraftStatus.choices, default=DraftStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        "people.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    solver_status = models.CharField(max_length=16, blank=True)
    objective = models.FloatField(null=True, blank=True)
    best_bound = models.FloatField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    penalties = models.JSONField(default=dict, blank=True)
    unfilled = models.JSONField(default=list, blank=True)
    figures = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One draft in flight per circle-week: a second request joins the first.
            models.UniqueConstraint(
                fields=["circle", "week_start"],
                condition=Q(status__in=["queued", "running", "ready"]),
                name="one_open_draft_per_circle_week",
            )
        ]

    def __str__(self) -> str:
        return f"Draft for {self.circle} week of {self.week_start} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in (DraftStatus.QUEUED, DraftStatus.RUNNING, DraftStatus.READY)
