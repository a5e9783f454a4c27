"""The escalation ladder and circle health: escalations with their timelines, and health
snapshots for the trend plot.

These tables were made by the circles app and keep their names (Meta.db_table): the models moved
here with a state-only migration, so an existing database keeps every row."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carecircle.circles.models import Circle


class EscalationLevel(models.IntegerChoices):
    CIRCLE = 0, _("The circle")
    TEAM_LEADERS = 1, _("Team leaders")
    MANAGER = 2, _("Manager")


class EscalationKind(models.TextChoices):
    UNCOVERED_VISIT = "uncovered", _("Visit not covered")
    CIRCLE_HEALTH = "health", _("Circle health below threshold")
    SWAP_APPROVAL = "swap", _("Swap needs approval")
    ALERT = "alert", _("Help call not answered")
    OTHER = "other", _("Other")


class EscalationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Escalation(models.Model):
    """Something the circle could not settle itself, on its way up the ladder
    circle → team leaders → manager. It always has an owner once it leaves the circle, a timeline
    (EscalationEvent) and, in the end, a resolution."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="escalations")
    kind = models.CharField(max_length=10, choices=EscalationKind.choices)
    key = models.CharField(
        max_length=80, help_text=_("What it is about, e.g. visit:<id>; one open escalation a key.")
    )
    level = models.PositiveSmallIntegerField(
        choices=EscalationLevel.choices, default=EscalationLevel.TEAM_LEADERS
    )
    status = models.CharField(
        max_length=10, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    subject = models.CharField(max_length=200)
    reasons = models.JSONField(default=list, blank=True)
    visit = models.ForeignKey(
        "rota.Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    url = models.CharField(max_length=300, blank=True)
    owner = models.ForeignKey(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When it goes up a level if still open.")
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        db_table = "circles_escalation"
        ordering = ["-level", "opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "key"], condition=Q(status="open"), name="one_open_escalation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.get_level_display()}, {self.status})"


class EscalationEvent(models.Model):
    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16)
    text = models.CharField(max_length=300)

    class Meta:
        db_table = "circles_escalationevent"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}: {self.text}"


class HealthSnapshot(models.Model):
    """Circle health at a moment: the score and its parts, for the trend plot."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="health")
    at = models.DateTimeField(db_index=True)
    score = models.PositiveSmallIntegerField()
    parts = models.JSONField(default=dict)

    class Meta:
        db_table = "circles_healthsnapshot"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.circle} {self.score} at {self.at:%Y-%m-%d %H:%M}"


class JobClaim(models.Model):
    """When one periodic job (oversight/jobs.py) is next due, shared by every circle worker.

    A worker runs a job only after moving `next_run_at` on by the job's interval in one
    conditional UPDATE (a compare-and-set: of several workers racing, exactly one changes the row),
    so each timer fires once however many machines run a worker. `running_until` keeps the others
    off while the run lasts and lapses by itself if its worker dies."""

    name = models.CharField(max_length=40, unique=True)
    next_run_at = models.DateTimeField()
    running_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} due {self.next_run_at:%Y-%m-%d %H:%M:%S}"
