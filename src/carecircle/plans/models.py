"""Care plans and their versions: needs, goals, tasks and visit patterns."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CarePlan(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.OneToOneField(
        "people.Client", on_delete=models.CASCADE, related_name="care_plan"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Care plan for {self.client}"

    def agreed_version(self) -> CarePlanVersion | None:
        return self.versions.filter(status=VersionStatus.AGREED).order_by("-number").first()


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AGREED = "agreed", _("Agreed")
    SUPERSEDED = "superseded", _("Superseded")


class CarePlanVersion(models.Model):
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    needs = models.TextField(help_text=_("What the client needs, in plain words."))
    goals = models.TextField(blank=True, help_text=_("What the client wants to achieve."))
    agreed_on = models.DateField(null=True, blank=True)
    agreed_by = models.ForeignKey(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_unique"),
            # At most one agreed version per plan: visits are generated from it.
            models.UniqueConstraint(
                fields=["plan"], condition=Q(status="agreed"), name="one_agreed_version_per_plan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number} ({self.get_status_display()})"


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class VisitPattern(models.Model):
    """A recurring visit: on these weekdays, starting between window_start and window_end."""

    version = models.ForeignKey(CarePlanVersion, on_delete=models.CASCADE, related_name="patterns")
    name = models.CharField(max_length=80)
    weekdays = models.JSONField(help_text=_("Weekdays 0 (Monday) to 6 (Sunday)."))
    window_start = models.TimeField(help_text=_("Earliest start (local time)."))
    window_end = models.TimeField(help_text=_("Latest start (local time)."))
    duration_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(720)]
    )
    carers_needed = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    skills = models.ManyToManyField("people.Skill", blank=True, related_name="+")

    class Meta:
        ordering = ["version", "window_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gte=models.F("window_start")), name="pattern_window_ordered"
            ),
            models.CheckConstraint(
                condition=Q(carers_needed__gte=1) & Q(carers_needed__lte=2),
                name="pattern_one_or_two_carers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.window_start:%H:%M}–{self.window_end:%H:%M}"

    def weekday_names(self) -> list[str]:
        names = dict(WEEKDAYS)
        return [str(names[d]) for d in sorted(self.weekdays)]


class PlanTask(models.Model):
    version = models.ForeignKey(CarePlanVersion, on_delete=models.CASCADE, related_name="tasks")
    pattern = models.ForeignKey(
        VisitPattern,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
        help_text=_("The visit this task belongs to; empty for any visit."),
    )
    title = models.CharField(max_length=120)
    details = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "pattern", "id"]

    def __str__(self) -> str:
        return self.title
