"""Visits, who is assigned to them, and when carers can and cannot work."""

from __future__ import annotations

import uuid
from datetime import time, timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    COMPLETED = "completed", _("Completed")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")
    RELEASED = "released", _("Not needed (released by the client)")


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
    kind = models.CharField(
        max_length=16,
        default="care",
        choices=[("care", _("Care visit")), ("social", _("Social visit")), ("extra", _("Extra"))],
    )
    release = models.ForeignKey(
        "rota.Release", null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
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
    offer = models.CharField(
        _("what I can offer"),
        max_length=200,
        blank=True,
        help_text=_("For informal carers: “shopping and a cup of tea”, “sit with Arthur”."),
    )
    for_clients = models.ManyToManyField(
        "people.Client", blank=True, related_name="+", verbose_name=_("for whom")
    )

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
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    proposed_at = models.DateTimeField(null=True, blank=True)
    proposal = models.JSONField(
        default=dict, blank=True, help_text=_("What the engine proposed and how long it took.")
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

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


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    NEEDS_APPROVAL = "approval", _("Waiting for a team leader")
    REJECTED = "rejected", _("Not approved")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    TAKEN = "taken", _("Taken by someone else")
    EXPIRED = "expired", _("Too late: the visit has started")


class SwapOffer(models.Model):
    """A carer offers one of their visits to a named colleague or to the whole circle. They keep
    it until someone takes it, so a place is never left empty by an offer nobody answers."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="swap_offers")
    from_carer = models.ForeignKey(
        "people.Carer", on_delete=models.CASCADE, related_name="swaps_offered"
    )
    to_carer = models.ForeignKey(
        "people.Carer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="swaps_received",
        help_text=_("Empty: offered to the whole circle."),
    )
    message = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    taken_by = models.ForeignKey(
        "people.Carer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    broken_rules = models.JSONField(default=list, blank=True)
    decline_reason = models.CharField(max_length=200, blank=True)
    decided_by = models.ForeignKey(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "from_carer"],
                condition=Q(status__in=["open", "approval"]),
                name="one_open_swap_per_visit_and_carer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_carer} offers {self.visit} to {self.to_carer or 'the circle'}"


class CoverOffer(models.Model):
    """The engine proposed this carer for a place an absence left open; they are asked."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    absence = models.ForeignKey(
        Absence, null=True, blank=True, on_delete=models.CASCADE, related_name="cover_offers"
    )
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="cover_offers")
    carer = models.ForeignKey("people.Carer", on_delete=models.CASCADE, related_name="cover_offers")
    why = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    decline_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["visit__window_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "carer"],
                condition=Q(status="open"),
                name="one_open_cover_offer_per_visit_and_carer",
            )
        ]

    def __str__(self) -> str:
        return f"Cover {self.visit} by {self.carer} ({self.status})"


class Release(models.Model):
    """The client or their representative says no visit is needed (a family visit) for one visit
    or a period. The carers' planned time and pay are kept (KeptTime)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("people.Client", on_delete=models.CASCADE, related_name="releases")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200)
    released_by = models.ForeignKey(
        "people.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="release_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.client} released {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class KeptTimeUse(models.TextChoices):
    UNDECIDED = "undecided", _("Not decided yet")
    EXTRA_VISIT = "extra_visit", _("An extra or social visit to another client")
    COVER = "cover", _("Covering a colleague's visit")
    TRAINING = "training", _("Training")
    FREE = "free", _("Free time (paid)")


class KeptTime(models.Model):
    """A carer's planned, paid time on a released visit, and what it was used for."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="kept_times")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="kept_times")
    carer = models.ForeignKey("people.Carer", on_delete=models.CASCADE, related_name="kept_times")
    starts_at = models.DateTimeField()
    minutes = models.PositiveIntegerField()
    use = models.CharField(
        max_length=12, choices=KeptTimeUse.choices, default=KeptTimeUse.UNDECIDED
    )
    used_for = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "carer"], name="kept_time_once_per_visit")
        ]

    def __str__(self) -> str:
        return f"{self.carer} keeps {self.minutes} min from {self.visit}"


class Publication(models.TextChoices):
    TEAM_LEADER = "team_leader", _("A team leader publishes it")
    AUTOMATIC = "automatic", _("Automatically, when the draft breaks no rule")


class CircleCycle(models.Model):
    """How a circle lives its week: when the engine drafts next week, when the carers are asked
    to look at it, when it is published and by whom, and how soon an uncovered visit goes up the
    ladder. Every moment is a weekday and a local wall-clock time in the week before the one
    drafted, in the organisation's time zone."""

    circle = models.OneToOneField("circles.Circle", on_delete=models.CASCADE, related_name="cycle")
    active = models.BooleanField(_("run the weekly cycle"), default=False)
    draft_weekday = models.PositiveSmallIntegerField(_("draft on"), default=2)
    draft_time = models.TimeField(_("draft at"), default=time(9, 0))
    ask_weekday = models.PositiveSmallIntegerField(_("ask the carers on"), default=2)
    ask_time = models.TimeField(_("ask the carers at"), default=time(12, 0))
    publish_weekday = models.PositiveSmallIntegerField(_("publish on"), default=4)
    publish_time = models.TimeField(_("publish at"), default=time(12, 0))
    publication = models.CharField(
        _("who publishes"),
        max_length=16,
        choices=Publication.choices,
        default=Publication.TEAM_LEADER,
    )
    escalate_hours = models.PositiveSmallIntegerField(
        _("escalate an uncovered visit this many hours before"),
        null=True,
        blank=True,
        help_text=_("Empty: the organisation's setting."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(draft_weekday__lte=6, ask_weekday__lte=6, publish_weekday__lte=6),
                name="cycle_weekdays_in_week",
            ),
            models.CheckConstraint(
                condition=Q(escalate_hours__isnull=True)
                | Q(escalate_hours__gte=1, escalate_hours__lte=168),
                name="cycle_escalate_hours_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Weekly cycle of {self.circle}"


class CycleWeek(models.Model):
    """One circle-week going through the cycle. Each step's time is set once, by whichever
    worker claims it first (a conditional update), so several workers never do a step twice."""

    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()
    draft = models.ForeignKey(
        RotaDraft, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    drafted_at = models.DateTimeField(null=True, blank=True)
    asked_at = models.DateTimeField(null=True, blank=True)
    asked_carers = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    published_automatically = models.BooleanField(default=False)
    waiting_since = models.DateTimeField(null=True, blank=True)
    waiting_reasons = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "week_start"], name="one_cycle_per_week")
        ]

    def __str__(self) -> str:
        return f"Cycle of {self.circle} for the week of {self.week_start}"


class DraftProblem(models.Model):
    """A carer says something is wrong with a draft before it is published."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    draft = models.ForeignKey(RotaDraft, on_delete=models.CASCADE, related_name="problems")
    raised_by = models.ForeignKey(
        "people.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(_("what is wrong"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Problem with {self.draft}: {self.text[:40]}"
