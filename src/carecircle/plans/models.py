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
    # Visits are generated only between these days and outside a pause (empty: no limit).
    starts_on = models.DateField(null=True, blank=True, help_text=_("First day of care."))
    ends_on = models.DateField(null=True, blank=True, help_text=_("Last day of care."))
    paused_from = models.DateField(null=True, blank=True)
    paused_until = models.DateField(
        null=True, blank=True, help_text=_("Last day of the pause. Empty: until further notice.")
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="plan_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(paused_until__isnull=True)
                | Q(paused_from__isnull=True)
                | Q(paused_until__gte=models.F("paused_from")),
                name="plan_pause_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Care plan for {self.client}"

    def in_care_on(self, day) -> bool:
        """Whether visits are due on `day` by the plan's dates and pause."""
        if self.starts_on and day < self.starts_on or self.ends_on and day > self.ends_on:
            return False
        if self.paused_from and day >= self.paused_from:
            return self.paused_until is not None and day > self.paused_until
        return True

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


# ---------------------------------------------------------------- negotiated changes


class ChangeKind(models.TextChoices):
    ADD_TASK = "add_task", _("Add a task")
    REMOVE_TASK = "remove_task", _("Stop a task")
    CHANGE_VISIT = "change_visit", _("Change a visit")


class ChangeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for consent")
    CONSENTED = "consented", _("Waiting for a team leader")
    ENDORSED = "endorsed", _("In the plan")
    REJECTED = "rejected", _("Not agreed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_CHANGE_STATUSES = (ChangeStatus.PROPOSED, ChangeStatus.CONSENTED)


class ConsentBasis(models.TextChoices):
    CLIENT = "client", _("The client agreed")
    ATTORNEY = "attorney", _("The attorney or deputy agreed (client lacks capacity)")
    BEST_INTERESTS = "best_interests", _("Best-interests decision (client lacks capacity)")


class PlanChange(models.Model):
    """A change to a care plan negotiated in the circle: proposed by anyone who helps the client,
    consented to (by the client, or lawfully for them), risk-noted and endorsed by a team leader.
    Endorsing it makes a new plan version; until then the agreed version is untouched."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="changes")
    base_version = models.ForeignKey(
        CarePlanVersion, on_delete=models.PROTECT, related_name="proposed_changes"
    )
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    title = models.CharField(max_length=120, blank=True)
    details = models.TextField(blank=True)
    pattern = models.ForeignKey(
        VisitPattern, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task = models.ForeignKey(
        PlanTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    weekdays = models.JSONField(null=True, blank=True)
    window_start = models.TimeField(null=True, blank=True)
    window_end = models.TimeField(null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    reason = models.TextField(help_text=_("Why: what the client wants, in plain words."))
    status = models.CharField(
        max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        "people.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField()
    consent_basis = models.CharField(max_length=16, choices=ConsentBasis.choices, blank=True)
    consent_by = models.ForeignKey(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_note = models.TextField(blank=True)
    endorsed_by = models.ForeignKey(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    endorsed_at = models.DateTimeField(null=True, blank=True)
    new_version = models.ForeignKey(
        CarePlanVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_changes",
    )
    rejected_by = models.ForeignKey(
        "people.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CHANGE_STATUSES

    @property
    def summary(self) -> str:
        if self.kind == ChangeKind.ADD_TASK:
            where = f" ({self.pattern.name})" if self.pattern else ""
            return f"{self.title}{where}"
        if self.kind == ChangeKind.REMOVE_TASK:
            return f"stop “{self.title}”"
        name = self.pattern.name if self.pattern else self.title
        days = ", ".join(str(dict(WEEKDAYS)[d]) for d in sorted(self.weekdays or []))
        times = (
            f"{self.window_start:%H:%M}–{self.window_end:%H:%M}"
            if self.window_start and self.window_end
            else ""
        )
        return f"{name}: {days} {times}, {self.duration_minutes} min".strip()


class CapacityAssessment(models.Model):
    """The two-stage test of the Mental Capacity Act 2005 for one decision (this change).

    Functional: can the person understand, retain, use or weigh the information and communicate
    a decision? Diagnostic: is there an impairment of, or disturbance in the functioning of, the
    mind or brain, and is the inability *because of* it? Only if all hold does the person lack
    capacity for this decision; otherwise they decide, however unwise we think it."""

    change = models.OneToOneField(PlanChange, on_delete=models.CASCADE, related_name="capacity")
    can_understand = models.BooleanField()
    can_retain = models.BooleanField()
    can_weigh = models.BooleanField()
    can_communicate = models.BooleanField()
    impairment = models.BooleanField(
        help_text=_("An impairment of, or disturbance in the functioning of, the mind or brain.")
    )
    impairment_detail = models.TextField(blank=True)
    because_of_impairment = models.BooleanField()
    notes = models.TextField(blank=True)
    assessed_by = models.ForeignKey(
        "people.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Capacity for {self.change}: {'lacks' if self.lacks_capacity else 'has'}"

    @property
    def unable_to(self) -> list[str]:
        parts = [
            (self.can_understand, _("understand")),
            (self.can_retain, _("retain")),
            (self.can_weigh, _("use or weigh")),
            (self.can_communicate, _("communicate")),
        ]
        return [str(label) for able, label in parts if not able]

    @property
    def lacks_capacity(self) -> bool:
        return bool(self.unable_to) and self.impairment and self.because_of_impairment


class Likelihood(models.TextChoices):
    LOW = "low", _("Unlikely")
    MEDIUM = "medium", _("Possible")
    HIGH = "high", _("Likely")


class RiskNote(models.Model):
    change = models.OneToOneField(PlanChange, on_delete=models.CASCADE, related_name="risk")
    hazard = models.TextField()
    likelihood = models.CharField(max_length=8, choices=Likelihood.choices)
    mitigation = models.TextField()
    written_by = models.ForeignKey(
        "people.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Risk for {self.change}: {self.get_likelihood_display()}"


# ---------------------------------------------------------------- restrictive practices


class RestrictionKind(models.TextChoices):
    LOCKED_DOOR = "locked_door", _("Locked door")
    BED_RAILS = "bed_rails", _("Bed rails")
    COVERT_MEDICINE = "covert_medicine", _("Covert medicines")
    CONTROLLED_MONEY = "controlled_money", _("Money controlled by others")
    OTHER = "other", _("Other restriction")


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("The client consents (has capacity)")
    BEST_INTERESTS = "best_interests", _("Best-interests decision (Mental Capacity Act s.4–6)")
    ATTORNEY = "attorney", _("Attorney's decision (lasting power of attorney)")
    DEPUTY = "deputy", _("Court-appointed deputy's decision")
    DOLS = "dols", _("Authorised deprivation of liberty (DoLS / LPS)")
    COURT = "court", _("Court of Protection order")


class RestrictivePractice(models.Model):
    """Anything that limits a client's freedom. It must have a lawful basis and be reviewed; an
    unreviewed restriction is how a safeguard turns into a convenience for the staff."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        "people.Client", on_delete=models.CASCADE, related_name="restrictions"
    )
    kind = models.CharField(max_length=20, choices=RestrictionKind.choices)
    description = models.TextField()
    legal_basis = models.CharField(max_length=20, choices=LegalBasis.choices)
    basis_detail = models.TextField(
        blank=True, help_text=_("Where the decision is recorded: who decided, when, reference.")
    )
    started_on = models.DateField()
    review_due = models.DateField()
    last_reviewed_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    ended_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        "people.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review_due"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_due__gte=models.F("started_on")),
                name="restriction_review_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.client}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class RestrictionReview(models.Model):
    practice = models.ForeignKey(
        RestrictivePractice, on_delete=models.CASCADE, related_name="reviews"
    )
    reviewed_on = models.DateField()
    outcome = models.TextField()
    next_review = models.DateField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "people.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-reviewed_on", "-id"]

    def __str__(self) -> str:
        return f"Review of {self.practice} on {self.reviewed_on}"
