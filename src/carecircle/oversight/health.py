"""Circle health: one score from 0 to 100 with the parts that make it, kept current by the
worker's tick and stored as snapshots for the trend plot. Crossing below the threshold
(CIRCLE_HEALTH_THRESHOLD) escalates to the manager with the reasons; recovering closes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from carecircle.alerts import selectors as alert_selectors
from carecircle.circles.models import MembershipRole
from carecircle.oversight.escalations import escalation_open, escalation_resolve_key
from carecircle.oversight.models import (
    Escalation,
    EscalationKind,
    EscalationLevel,
    EscalationStatus,
    HealthSnapshot,
)
from carecircle.people.models import INFORMAL_KINDS, Carer
from carecircle.rota.models import AssignmentStatus, Visit, VisitStatus
from carecircle.rota.selectors import week_start

SNAPSHOT_EVERY = timedelta(minutes=30)


@dataclass
class Part:
    key: str
    label: str
    value: float | None
    shown: str
    cost: float = 0.0  # points taken off the score
    reason: str = ""


@dataclass
class Health:
    score: int
    parts: list[Part] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [p.reason for p in self.parts if p.cost > 0 and p.reason]

    def as_json(self) -> dict:
        return {
            p.key: {"value": p.value, "shown": p.shown, "cost": round(p.cost, 1)}
            for p in self.parts
        }


def _places_next_7_days(circle, now: datetime) -> tuple[int, int, float]:
    rows = (
        Visit.objects.filter(
            circle=circle,
            status=VisitStatus.PLANNED,
            window_start__gte=now,
            window_start__lt=now + timedelta(days=7),
        )
        .annotate(n=Count("assignments", filter=Q(assignments__status=AssignmentStatus.PUBLISHED)))
        .values_list("carers_needed", "n", "duration_minutes")
    )
    places = filled = 0
    open_minutes = 0.0
    for needed, n, minutes in rows:
        places += needed
        filled += min(needed, n)
        open_minutes += max(0, needed - n) * minutes
    return places, filled, open_minutes / 60


def _overtime_hours(circle, now: datetime) -> float:
    """Hours this week beyond contract, summed over the circle's paid carers."""
    monday = week_start(timezone.localdate(now))
    carers = (
        Carer.objects.filter(
            user__memberships__circle=circle,
            user__memberships__role=MembershipRole.CARER,
            contracted_hours__gt=0,
        )
        .exclude(kind__in=INFORMAL_KINDS)
        .distinct()
    )
    worked = dict(
        Visit.objects.filter(
            date__range=(monday, monday + timedelta(days=6)),
            assignments__status=AssignmentStatus.PUBLISHED,
            assignments__carer__in=carers,
        )
        .exclude(status__in=["cancelled", "released"])
        .values_list("assignments__carer")
        .annotate(minutes=Sum("duration_minutes"))
        .values_list("assignments__carer", "minutes")
    )
    over = 0.0
    for carer in carers:
        minutes = worked.get(carer.pk, 0) or 0
        over += max(0.0, minutes / 60 - float(carer.contracted_hours or Decimal(0)))
    return over


# Help calls (issue 5). Past these medians a circle loses points: two per minute to accept (the
# call escalates to the team leaders after ALERT_ESCALATE_SECONDS anyway), one per minute to arrive.
ACCEPT_TARGET_MINUTES = 5
ARRIVE_TARGET_MINUTES = 30


def _alert_response(circle, now: datetime) -> dict[str, float | None] | None:
    """Median minutes from a help call to a carer accepting and to a carer arriving, last 30
    days; None when the circle had no calls. Errors are not hidden here: the tick logs one
    circle's failure and goes on with the others."""
    stats = alert_selectors.response_times(circle=circle, since=now - timedelta(days=30))
    if not stats["calls"]:
        return None

    def minutes(seconds):
        return None if seconds is None else float(seconds) / 60

    return {
        "accept": minutes(stats["median_accept_s"]),
        "arrive": minutes(stats["median_arrive_s"]),
    }


def _alert_parts(response: dict[str, float | None] | None) -> list[Part]:
    if response is None:
        return [Part("alert_accept", "Help calls: time to accept", None, "no calls yet")]
    accept, arrive = response["accept"], response["arrive"]
    parts = []
    if accept is None:
        # Unanswered calls already cost points as open escalations; a call raised a moment
        # ago must not count against the circle.
        parts.append(Part("alert_accept", "Help calls: time to accept", None, "none accepted yet"))
    else:
        parts.append(
            Part(
                "alert_accept",
                "Help calls: median minutes to accept (30 days)",
                round(accept, 1),
                f"{accept:.1f} min",
                cost=min(20.0, max(0.0, accept - ACCEPT_TARGET_MINUTES) * 2),
                reason=f"Help calls take {accept:.1f} minutes to be accepted (median).",
            )
        )
    if arrive is not None:
        parts.append(
            Part(
                "alert_arrive",
                "Help calls: median minutes to arrive (30 days)",
                round(arrive, 1),
                f"{arrive:.1f} min",
                cost=min(20.0, max(0.0, arrive - ARRIVE_TARGET_MINUTES)),
                reason=f"Help takes {arrive:.1f} minutes to arrive after a call (median).",
            )
        )
    elif accept is not None:
        parts.append(
            Part("alert_arrive", "Help calls: time to arrive", None, "no arrival recorded yet")
        )
    return parts


def compute(circle, *, now: datetime | None = None) -> Health:
    now = now or timezone.now()
    places, filled, open_hours = _places_next_7_days(circle, now)
    coverage = 100.0 if places == 0 else 100.0 * filled / places
    overtime = _overtime_hours(circle, now)
    escalations = (
        Escalation.objects.filter(circle=circle, status=EscalationStatus.OPEN)
        .exclude(kind=EscalationKind.CIRCLE_HEALTH)
        .count()
    )
    response = _alert_response(circle, now)
    parts = [
        Part(
            "coverage",
            "Coverage, next 7 days",
            round(coverage, 1),
            f"{coverage:.0f}% ({filled} of {places} places)",
            cost=min(40.0, (100 - coverage) * 2),
            reason=f"Only {coverage:.0f}% of the next 7 days' places are filled.",
        ),
        Part(
            "unfilled_hours",
            "Unfilled hours, next 7 days",
            round(open_hours, 1),
            f"{open_hours:.1f} h",
            cost=min(20.0, open_hours * 2),
            reason=f"{open_hours:.1f} hours of care have nobody yet.",
        ),
        Part(
            "overtime",
            "Overtime against contracts, this week",
            round(overtime, 1),
            f"{overtime:.1f} h",
            cost=min(20.0, overtime * 2),
            reason=f"Carers are {overtime:.1f} hours over their contracts this week.",
        ),
        Part(
            "escalations",
            "Open escalations",
            escalations,
            str(escalations),
            cost=min(20.0, escalations * 5.0),
            reason=f"{escalations} escalation(s) are open.",
        ),
    ]
    parts += _alert_parts(response)
    parts.append(Part("strain", "Carer strain check-ins", None, "not measured yet"))
    score = max(0, min(100, round(100 - sum(p.cost for p in parts))))
    return Health(score=int(score), parts=parts)


def refresh(circle, *, now: datetime | None = None) -> Health:
    """Compute, store a snapshot when due or changed, and escalate on crossing the threshold."""
    now = now or timezone.now()
    health = compute(circle, now=now)
    last = HealthSnapshot.objects.filter(circle=circle).order_by("-at").first()
    if last is None or last.score != health.score or now - last.at >= SNAPSHOT_EVERY:
        HealthSnapshot.objects.create(
            circle=circle, at=now, score=health.score, parts=health.as_json()
        )
    threshold = settings.CIRCLE_HEALTH_THRESHOLD
    if health.score < threshold:
        escalation_open(
            circle=circle,
            kind=EscalationKind.CIRCLE_HEALTH,
            key="health",
            subject=f"Circle health {health.score} is below {threshold}",
            reasons=health.reasons,
            level=EscalationLevel.MANAGER,
            url=f"/circles/{circle.public_id}/board/",
            now=now,
        )
    else:
        escalation_resolve_key(
            circle=circle,
            key="health",
            resolution=f"Recovered: circle health {health.score} (threshold {threshold}).",
            now=now,
        )
    return health


def trend(circle, *, days: int = 14, now: datetime | None = None) -> list[tuple[datetime, int]]:
    now = now or timezone.now()
    return list(
        HealthSnapshot.objects.filter(circle=circle, at__gte=now - timedelta(days=days))
        .order_by("at")
        .values_list("at", "score")
    )


def sparkline(points, *, threshold: int, width: int = 180, height: int = 44) -> SafeString:
    """A small SVG line of the score over time, with the threshold dashed. Numbers only."""
    if not points:
        return mark_safe('<span class="muted">no history yet</span>')
    t0, t1 = points[0][0], points[-1][0]
    span = max(1.0, (t1 - t0).total_seconds())
    pad = 3

    def xy(at, score):
        x = pad + (width - 2 * pad) * ((at - t0).total_seconds() / span if len(points) > 1 else 1)
        y = pad + (height - 2 * pad) * (1 - score / 100)
        return f"{x:.1f},{y:.1f}"

    line = " ".join(xy(at, s) for at, s in points)
    ty = pad + (height - 2 * pad) * (1 - threshold / 100)
    last = points[-1][1]
    label = f"Circle health over the last 14 days, now {last}; threshold {threshold}"
    return format_html(
        '<svg class="spark" role="img" aria-label="{}" width="{}" height="{}" viewBox="0 0 {} {}">'
        '<line x1="0" x2="{}" y1="{}" y2="{}" class="spark-threshold" stroke="#b45309" '
        'stroke-dasharray="3 3" stroke-width="1"/>'
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/></svg>',
        label,
        width,
        height,
        width,
        height,
        width,
        f"{ty:.1f}",
        f"{ty:.1f}",
        line,
        "#15803d" if last >= threshold else "#b91c1c",
    )
