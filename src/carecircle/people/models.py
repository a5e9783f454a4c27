"""People: accounts, clients, carers and the relationships that decide who may see what."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLIENT = "client", _("Client")
    REPRESENTATIVE = "representative", _("Representative")
    CARER = "carer", _("Carer")
    TEAM_LEADER = "team_leader", _("Team leader")
    MANAGER = "manager", _("Manager")
    SAFEGUARDING_LEAD = "safeguarding_lead", _("Safeguarding lead")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """A login. `role` is the person's main role (it picks their home page); what they may see
    is decided by relationships (circle memberships, the clients they help or represent)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.CARER)
    organisation = models.ForeignKey(
        "circles.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField(max_length=32, blank=True)

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Skill(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="client_profile"
    )
    organisation = models.ForeignKey(
        "circles.Organisation", on_delete=models.PROTECT, related_name="clients"
    )
    circle = models.ForeignKey(
        "circles.Circle", null=True, blank=True, on_delete=models.PROTECT, related_name="clients"
    )
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    address = models.TextField()
    postcode = models.CharField(max_length=12, blank=True)
    latitude = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    languages = models.JSONField(default=list, blank=True)
    assessed_weekly_hours = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(168)]
    )
    summary = models.TextField(blank=True, help_text=_("About me, in the client's words."))
    location_consent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "When the client (or their attorney or deputy) agreed that carers' phones may record "
            "where they are on checking in and out at the client's home. Empty: not agreed, and "
            "no location is stored."
        ),
    )
    avoid_carers = models.ManyToManyField(
        "people.Carer", blank=True, related_name="avoided_by", help_text=_("Must not visit.")
    )
    preferred_carers = models.ManyToManyField(
        "people.Carer", blank=True, related_name="preferred_by"
    )
    died_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("The day the client died: no visits are generated from this day on."),
    )

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.first_name


class AwayReason(models.TextChoices):
    HOSPITAL = "hospital", _("In hospital")
    RESPITE = "respite", _("Respite care")
    HOLIDAY = "holiday", _("Away with family or on holiday")
    OTHER = "other", _("Away for another reason")


class ClientAway(models.Model):
    """A time the client is not at home (a hospital stay, respite): no visits are generated for
    these days, and visits already planned are cancelled."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="away_periods")
    reason = models.CharField(max_length=16, choices=AwayReason.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(
        null=True, blank=True, help_text=_("Last day away. Empty: until further notice.")
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="client_away_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.client} away from {self.starts_on}"

    def covers(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class Authority(models.TextChoices):
    LPA_HEALTH_WELFARE = "lpa_health_welfare", _("Lasting power of attorney (health and welfare)")
    DEPUTY = "deputy", _("Court-appointed deputy")
    INFORMAL = "informal", _("Informal family")


class Representative(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="representations")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="representatives")
    authority = models.CharField(max_length=32, choices=Authority.choices)
    relationship = models.CharField(max_length=80, blank=True)
    valid_from = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "client"], name="one_representation_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.client} ({self.get_authority_display()})"


class CarerKind(models.TextChoices):
    COUNCIL = "council", _("Council home care worker")
    AGENCY = "agency", _("Agency worker")
    EMPLOYED = "employed", _("Directly employed")
    FAMILY = "family", _("Informal: family")
    FRIEND = "friend", _("Informal: friend")
    NEIGHBOUR = "neighbour", _("Informal: neighbour")
    VOLUNTEER = "volunteer", _("Informal: volunteer")


INFORMAL_KINDS = frozenset(
    {CarerKind.FAMILY, CarerKind.FRIEND, CarerKind.NEIGHBOUR, CarerKind.VOLUNTEER}
)


class Carer(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="carer_profile")
    organisation = models.ForeignKey(
        "circles.Organisation", on_delete=models.PROTECT, related_name="carers"
    )
    kind = models.CharField(max_length=16, choices=CarerKind.choices)
    skills = models.ManyToManyField(Skill, blank=True, related_name="carers")
    languages = models.JSONField(default=list, blank=True)
    home_latitude = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    home_longitude = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    contracted_hours = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    max_hours_per_day = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    max_hours_per_week = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=48,
        validators=[MinValueValidator(0), MaxValueValidator(168)],
    )
    cost_rate = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Cost per hour in pounds."),
    )
    helps_clients = models.ManyToManyField(
        Client,
        blank=True,
        related_name="informal_carers",
        help_text=_("For an informal carer: the only clients they help."),
    )

    class Meta:
        ordering = ["user__first_name", "user__last_name"]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_informal(self) -> bool:
        return self.kind in INFORMAL_KINDS

    @property
    def name(self) -> str:
        return str(self.user)


class CheckKind(models.TextChoices):
    BACKGROUND = "background", _("Background check (DBS)")
    TRAINING = "training", _("Training")


class CarerCheck(models.Model):
    carer = models.ForeignKey(Carer, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(max_length=16, choices=CheckKind.choices)
    name = models.CharField(max_length=120)
    enables_skill = models.ForeignKey(
        Skill,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("The skill this training qualifies the carer for, if any."),
    )
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gte=models.F("completed_on")),
                name="check_expires_after_completion",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.carer})"


class TwoFactorDevice(models.Model):
    """A TOTP authenticator (RFC 6238) enrolled by one person. `confirmed_at` is set once they
    have typed a first code; `last_step` is the last 30-second step accepted, so a code cannot
    be used twice (replay)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor")
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"authenticator for {self.user}"


class SignInFailure(models.Model):
    """A failed sign-in (password or two-factor code), kept in the database so throttling holds
    across processes and restarts. Rows older than the window are pruned as new ones arrive."""

    key = models.CharField(max_length=200, db_index=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key} at {self.at:%Y-%m-%d %H:%M}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """An API token for a device or an integration: an account credential, so it lives with the
    accounts (every app's API authenticates with it). Only a hash is stored; the token is shown
    once. The table keeps the name it had in the `api` app."""

    user = models.ForeignKey("people.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=8, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        db_table = "api_apitoken"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str) -> tuple[ApiToken, str]:
        raw = "cc_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[:8], token_hash=hash_token(raw))
        return token, raw
